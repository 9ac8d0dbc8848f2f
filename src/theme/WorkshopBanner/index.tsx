// The attendee's banner, on the join page and at the top of every lab page: the workshop, the
// time left, the instructor's messages, notices (reset, ended, environment rebuilt, the instructor
// typing in the attendee's terminal) and the raise-hand button. Renders nothing for a visitor who
// has not joined a workshop. Updates come over the attendee socket, never by polling.
import { useEffect, useState, type ReactNode } from 'react';
import Translate, { translate } from '@docusaurus/Translate';
import type { AttendeeBanner, AttendeeLiveMessage, AttendeeMe } from '@site/server/protocol/workshop.ts';
import { timeLeft } from './time-left.ts';
import styles from './styles.module.css';

type Notice = 'reset' | 'ended' | 'rebuilt' | null;

const RECONNECT_MS = 3_000;

/** The caller's workshop banner, live; null until known (or when not an attendee). */
export function useAttendeeBanner(refresh = 0): [AttendeeBanner | null, Notice, (b: AttendeeBanner) => void] {
  const [banner, setBanner] = useState<AttendeeBanner | null>(null);
  const [notice, setNotice] = useState<Notice>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh is the caller's way to ask for the banner again
  useEffect(() => {
    let cancelled = false;
    void fetch('/api/workshops/me').then(async (r) => {
      if (!r.ok || cancelled) return;
      const me = (await r.json()) as AttendeeMe;
      setBanner(me);
      if (me.environment.rebuilt) setNotice('rebuilt');
    });
    return () => void (cancelled = true);
  }, [refresh]);

  const attendeeId = banner?.attendee.id;
  useEffect(() => {
    if (!attendeeId) return;
    let ws: WebSocket | undefined;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/workshops/attendee-live`);
      ws.onmessage = (e) => {
        const m = JSON.parse(String(e.data)) as AttendeeLiveMessage;
        if (m.type === 'banner') setBanner((b) => ({ ...b, workshop: m.workshop, attendee: m.attendee, messages: m.messages, takenOver: m.takenOver }));
        else if (m.type === 'message') setBanner((b) => (b ? { ...b, messages: [...b.messages, m.message].slice(-20) } : b));
        else if (m.type === 'takeover') setBanner((b) => (b ? { ...b, takenOver: m.active } : b));
        else {
          setNotice(m.type);
          if (m.type === 'ended') stopped = true;
        }
      };
      // A dropped socket (server restart, network) comes back; an ended workshop or a refusal does not.
      ws.onclose = () => {
        if (!stopped) retry = setTimeout(connect, RECONNECT_MS);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      ws?.close();
    };
  }, [attendeeId]);

  return [banner, notice, setBanner];
}

function NoticeText({ notice }: { notice: Exclude<Notice, null> }): ReactNode {
  if (notice === 'reset') return <Translate id="workshop.banner.notice.reset">讲师重置了你的环境：集群回到了实验开始时的状态，进度已清除。</Translate>;
  if (notice === 'ended') return <Translate id="workshop.banner.notice.ended">工作坊已结束，谢谢参加！你的环境已停止，结果已保存。</Translate>;
  return <Translate id="workshop.banner.notice.rebuilt">你的环境已丢失（服务器重启过），正在重建；你的进度都还在。</Translate>;
}

export interface WorkshopBannerProps {
  /** Shown after the raise-hand button (the join page's "start the first lab"). */
  extra?: (banner: AttendeeBanner) => ReactNode;
  /** Bump to fetch the banner again (after joining). */
  refresh?: number;
  /** The workshop's title as the page's heading (the join page) rather than a line of text. */
  headingLevel?: 1 | 2;
}

export default function WorkshopBanner({ extra, refresh, headingLevel }: WorkshopBannerProps): ReactNode {
  const [banner, notice, setBanner] = useAttendeeBanner(refresh);
  const [now, setNow] = useState(() => Date.now());
  const [handError, setHandError] = useState<string | null>(null);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);
  if (!banner) return null;

  async function hand(raised: boolean) {
    if (!banner) return;
    const res = await fetch(`/api/workshops/${banner.workshop.id}/attendees/${banner.attendee.id}/hand`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ raised }),
    });
    if (res.ok) {
      setHandError(null);
      setBanner({ ...banner, attendee: { ...banner.attendee, handRaised: raised } });
    } else setHandError(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`);
  }

  const left = timeLeft(banner.workshop.endsAt, now);
  const last = banner.messages.at(-1);
  const Heading = headingLevel === 1 ? 'h1' : headingLevel === 2 ? 'h2' : 'p';
  return (
    <section className={styles.banner} aria-label={translate({ id: 'workshop.banner.label', message: '工作坊' })} data-testid="workshop-banner">
      <div className={styles.row}>
        <Heading className={styles.title}>{banner.workshop.title}</Heading>
        <span>
          <Translate id="workshop.banner.you" values={{ name: banner.attendee.name }}>{'你好，{name}'}</Translate>
          {left && (
            <>
              {' · '}
              <span data-testid="workshop-time-left">
                <Translate id="workshop.banner.left" values={{ left }}>{'剩余时间 {left}'}</Translate>
              </span>
            </>
          )}
        </span>
        <span className={styles.actions}>
          <button
            className={`button button--sm ${banner.attendee.handRaised ? 'button--warning' : 'button--secondary'}`}
            type="button"
            onClick={() => void hand(!banner.attendee.handRaised)}
            aria-pressed={banner.attendee.handRaised}
            data-testid="workshop-hand">
            {banner.attendee.handRaised ? <Translate id="workshop.banner.lower">放下手</Translate> : <Translate id="workshop.banner.raise">举手求助</Translate>}
          </button>
          {extra?.(banner)}
        </span>
      </div>
      {banner.takenOver && (
        <p role="status" className={`${styles.notice} ${styles.takeover}`} data-testid="workshop-takeover">
          <Translate id="workshop.banner.takeover">讲师正在你的终端中输入（接管），你会看到讲师键入的内容。</Translate>
        </p>
      )}
      {notice && (
        <p role="status" className={styles.notice} data-notice={notice}>
          <NoticeText notice={notice} />
        </p>
      )}
      {handError && (
        <p role="alert" className={styles.notice}>
          {handError}
        </p>
      )}
      {/* Only the newest message is read out; the earlier ones stay listed under it. */}
      <div aria-live="polite" data-testid="workshop-messages">
        {last && (
          <p className={styles.message}>
            <Translate id="workshop.banner.message">讲师：</Translate> {last.message}
          </p>
        )}
      </div>
      {banner.messages.length > 1 && (
        <details className={styles.older}>
          <summary>
            <Translate id="workshop.banner.older" values={{ n: banner.messages.length - 1 }}>{'更早的消息（{n}）'}</Translate>
          </summary>
          <ul>
            {banner.messages.slice(0, -1).reverse().map((m) => (
              <li key={m.id}>{m.message}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
