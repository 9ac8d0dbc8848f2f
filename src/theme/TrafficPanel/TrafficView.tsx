// The client-only part of the Traffic panel: the live list of the learner's recent requests, each
// opening into its reason, path and full explanation, and the analyzer's findings for the cluster.
import React, { useCallback, useEffect, useRef, useState } from 'react';
import Translate, { translate } from '@docusaurus/Translate';
import { TRAFFIC_ANALYSIS_PATH, type TrafficAnalysis, type TrafficEntry, type TrafficLang } from '@site/server/protocol/traffic.ts';
import { openTrafficFeed, type FeedView } from './traffic-feed.ts';
import PathDiagram from './PathDiagram.tsx';
import styles from './styles.module.css';

/** After new requests, findings are looked at again once things are quiet for this long. */
const ANALYZE_AFTER_MS = 1500;

function statusClass(status: number): string {
  return status >= 500 ? styles.s5 : status >= 400 ? styles.s4 : status >= 300 ? styles.s3 : styles.s2;
}

function Entry({ entry, locale }: { entry: TrafficEntry; locale: string }): React.JSX.Element {
  const [open, setOpen] = useState(false);
  const id = `traffic-entry-${entry.id}`;
  const time = new Date(entry.time);
  return (
    <li className={styles.entry} data-traffic-entry={entry.id} data-status={entry.status}>
      <button type="button" className={styles.entryButton} aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}>
        <span className={styles.method}>{entry.method}</span>
        <span className={styles.target}>
          {entry.host}
          {entry.path}
        </span>
        <span className={`${styles.status} ${statusClass(entry.status)}`}>{entry.status}</span>
        {entry.flags !== '-' && (
          <span className={styles.flag} title={translate({ id: 'traffic.flag', message: 'Envoy 响应标志' })}>
            {entry.flags}
          </span>
        )}
        <time className={styles.time} dateTime={entry.time}>
          {Number.isNaN(time.getTime()) ? entry.time : time.toLocaleTimeString(locale)}
        </time>
      </button>
      {open && (
        <div id={id} className={styles.trace} data-traffic-trace>
          <p className={styles.reason}>
            <strong>
              <Translate id="traffic.reason">原因</Translate>:
            </strong>{' '}
            <span data-traffic-reason>{entry.reason}</span>
          </p>
          <PathDiagram stages={entry.stages} />
          <details className={styles.explanation}>
            <summary>
              <Translate id="traffic.explanation">完整解释（与 meshlab explain 相同）</Translate>
            </summary>
            <pre>{entry.explanation}</pre>
          </details>
        </div>
      )}
    </li>
  );
}

function Findings({ analysis, error, busy, onRefresh }: { analysis?: TrafficAnalysis; error?: string; busy: boolean; onRefresh: () => void }): React.JSX.Element {
  return (
    <section className={styles.findings} aria-labelledby="traffic-findings-title" data-traffic-findings>
      <div className={styles.sectionHead}>
        <h3 id="traffic-findings-title" className={styles.sectionTitle}>
          <Translate id="traffic.findings.title">配置检查（meshlab analyze）</Translate>
        </h3>
        <button type="button" className="button button--sm button--secondary" onClick={onRefresh} disabled={busy}>
          {busy ? <Translate id="traffic.findings.busy">正在检查…</Translate> : <Translate id="traffic.findings.refresh">重新检查</Translate>}
        </button>
      </div>
      {error && (
        <p role="alert" className={styles.error}>
          <Translate id="traffic.findings.error" values={{ error }}>
            {'无法检查：{error}'}
          </Translate>
        </p>
      )}
      {analysis && analysis.findings.length === 0 && (
        <p className={styles.empty}>
          {analysis.namespace === null ? (
            <Translate id="traffic.findings.none">✔ 在所有命名空间中未发现问题。</Translate>
          ) : (
            <Translate id="traffic.findings.noneIn" values={{ namespace: analysis.namespace }}>
              {'✔ 在命名空间 {namespace} 中未发现问题。'}
            </Translate>
          )}
        </p>
      )}
      {analysis && analysis.findings.length > 0 && (
        <ul className={styles.findingList}>
          {analysis.findings.map((f, i) => (
            <li key={i} data-level={f.level} data-code={f.code}>
              <span className={styles.level} data-level={f.level}>
                {f.level} [{f.code}]
              </span>{' '}
              <span className={styles.origin}>({f.origin})</span> {f.text}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export interface TrafficViewProps {
  lang: TrafficLang;
  locale: string;
  /** The panel is open: findings are kept fresh only then. */
  open: boolean;
  onCount: (count: number) => void;
}

export default function TrafficView({ lang, locale, open, onCount }: TrafficViewProps): React.JSX.Element {
  const [view, setView] = useState<FeedView>({ state: 'connecting', entries: [], dropped: 0 });
  const [analysis, setAnalysis] = useState<TrafficAnalysis>();
  const [analysisError, setAnalysisError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const openRef = useRef(open);
  openRef.current = open;

  useEffect(() => openTrafficFeed(lang, setView), [lang]);
  useEffect(() => onCount(view.entries.length), [view.entries.length, onCount]);

  const refresh = useCallback(async () => {
    setBusy(true);
    try {
      const res = await fetch(TRAFFIC_ANALYSIS_PATH, { credentials: 'same-origin' });
      const body = (await res.json()) as TrafficAnalysis | { error: string };
      if ('error' in body) throw new Error(body.error);
      setAnalysis(body);
      setAnalysisError(undefined);
    } catch (err) {
      setAnalysisError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }, []);

  // Findings when the panel opens, and again once a burst of requests is over (config was likely changed).
  const newest = view.entries.at(-1)?.id;
  useEffect(() => {
    if (!open) return;
    const t = setTimeout(() => void refresh(), newest === undefined ? 0 : ANALYZE_AFTER_MS);
    return () => clearTimeout(t);
  }, [open, newest, refresh]);

  const newestFirst = [...view.entries].reverse();
  return (
    <div className={styles.body}>
      <section aria-labelledby="traffic-requests-title" data-traffic-state={view.state}>
        <h3 id="traffic-requests-title" className={styles.sectionTitle}>
          <Translate id="traffic.requests.title">最近的请求</Translate>
        </h3>
        {view.state === 'connecting' && (
          <p className={styles.empty}>
            <Translate id="traffic.state.connecting">正在连接…</Translate>
          </p>
        )}
        {view.state === 'offline' && (
          <p className={styles.empty} role="status">
            <Translate id="traffic.state.offline">连接已断开，正在重试…</Translate>
          </p>
        )}
        {view.state === 'unavailable' && (
          <p className={styles.empty}>
            <Translate id="traffic.unavailable">这个集群不记录网格的请求：只有内嵌集群会记录。</Translate>
          </p>
        )}
        {view.error && (
          <p role="alert" className={styles.error}>
            {view.error}
          </p>
        )}
        {view.state === 'live' && view.entries.length === 0 && (
          <p className={styles.empty}>
            <Translate id="traffic.requests.empty">还没有请求经过网格。在终端里运行一条 curl 试试。</Translate>
          </p>
        )}
        {view.dropped > 0 && (
          <p className={styles.empty}>
            <Translate id="traffic.dropped" values={{ count: view.dropped }}>
              {'为了跟上，省略了 {count} 个请求。'}
            </Translate>
          </p>
        )}
        {newestFirst.length > 0 && (
          <ul className={styles.entries}>
            {newestFirst.map((e) => (
              <Entry key={e.id} entry={e} locale={locale} />
            ))}
          </ul>
        )}
      </section>
      <Findings analysis={analysis} error={analysisError} busy={busy} onRefresh={() => void refresh()} />
    </div>
  );
}
