// The Traffic panel under the lab's terminal: the learner's recent requests through the mesh of
// their own cluster, live, each explained, and meshlab analyze's findings. Closed it is one bar
// with the number of requests; the list and findings load only in the browser.
import React, { Suspense, lazy, useCallback, useEffect, useRef, useState } from 'react';
import BrowserOnly from '@docusaurus/BrowserOnly';
import Translate from '@docusaurus/Translate';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import { trafficLangOf } from '@site/server/protocol/traffic.ts';
import { useOptionalLabState } from '@site/src/labs/lab-context.tsx';
import styles from './styles.module.css';

const TrafficView = lazy(() => import('./TrafficView.tsx'));

export default function TrafficPanel(): React.JSX.Element {
  const { i18n } = useDocusaurusContext();
  const [open, setOpen] = useState(false);
  const [count, setCount] = useState(0);
  const onCount = useCallback((n: number) => setCount(n), []);
  // A lab reset empties the cluster's record of requests: start the list again when it is done.
  const resetting = useOptionalLabState()?.resetting ?? false;
  const [generation, setGeneration] = useState(0);
  const wasResetting = useRef(false);
  useEffect(() => {
    if (wasResetting.current && !resetting) setGeneration((g) => g + 1);
    wasResetting.current = resetting;
  }, [resetting]);
  const bodyId = 'lab-traffic-body';
  return (
    <section className={styles.panel} aria-labelledby="lab-traffic-title" data-traffic-panel={open ? 'open' : 'closed'}>
      <h2 id="lab-traffic-title" className={styles.head}>
        <button type="button" className={styles.toggle} aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen((o) => !o)} data-traffic-toggle>
          <span className={styles.chevron} aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
          <Translate id="traffic.title">流量</Translate>
          <span className={styles.count} data-traffic-count={count}>
            <Translate id="traffic.count" values={{ count }}>
              {'{count} 个请求'}
            </Translate>
          </span>
        </button>
      </h2>
      <div id={bodyId} className={styles.scroll} hidden={!open}>
        <BrowserOnly>
          {() => (
            <Suspense fallback={null}>
              <TrafficView key={generation} lang={trafficLangOf(i18n.currentLocale)} locale={i18n.currentLocale} open={open} onCount={onCount} />
            </Suspense>
          )}
        </BrowserOnly>
      </div>
    </section>
  );
}
