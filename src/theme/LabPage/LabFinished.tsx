// The finished screen, after the last step once every step has passed: the time taken and the
// way on, to the next lab or (after the last one) back to the list of labs. When the learner's
// last Check completes the lab, the focus moves here so that it is seen and read out.
import React, { useEffect, useId, useRef } from 'react';
import Link from '@docusaurus/Link';
import Translate from '@docusaurus/Translate';
import { useLabState } from '@site/src/labs/lab-context.tsx';
import { elapsedMs, formatElapsed, isoDuration } from '@site/src/labs/lab-clock.ts';
import { nextLabId } from '@site/src/labs/next-lab.ts';
import { useLabOrder, useLabs, useText } from '@site/src/labs/use-labs.ts';
import styles from './styles.module.css';

export default function LabFinished(): React.JSX.Element | null {
  const { lab, clock, finished, loaded } = useLabState();
  const labs = useLabs();
  const { order, pathOf, tabOf } = useLabOrder();
  const t = useText();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  // Finished on this visit (not already on arrival): bring the screen to the learner.
  const wasFinished = useRef<boolean | null>(null);
  useEffect(() => {
    if (!loaded) return;
    if (wasFinished.current === false && finished) {
      heading.current?.scrollIntoView({ block: 'center' });
      heading.current?.focus({ preventScroll: true });
    }
    wasFinished.current = finished;
  }, [loaded, finished]);

  if (!finished) return null;
  const nextId = nextLabId(order, lab.id, tabOf);
  const next = nextId ? labs.find((l) => l.id === nextId) : undefined;
  const ms = clock.startedAt !== undefined ? elapsedMs(clock, clock.finishedAt ?? Date.now()) : undefined;
  return (
    <section className={styles.finished} aria-labelledby={headingId} data-lab-finished>
      <h2 id={headingId} ref={heading} tabIndex={-1} className={styles.finishedTitle}>
        <span aria-hidden="true">✓ </span>
        <Translate id="lab.finished.title">实验完成</Translate>
      </h2>
      <p>
        <Translate id="lab.finished.text" values={{ total: lab.steps.length, title: t(lab.title) }}>
          {'你完成了“{title}”的全部 {total} 步，每一步都通过了检查。'}
        </Translate>
      </p>
      {ms !== undefined && (
        <p data-lab-time-taken={String(Math.floor(ms / 1000))}>
          <Translate id="lab.finished.time" values={{ time: <time dateTime={isoDuration(ms)}>{formatElapsed(ms)}</time>, minutes: lab.estimatedMinutes }}>
            {'用时 {time}（预计 {minutes} 分钟）。'}
          </Translate>
        </p>
      )}
      {next ? (
        <Link className="button button--primary" to={pathOf(next.id)} data-next-lab={next.id}>
          <Translate id="lab.finished.next" values={{ title: t(next.title) }}>
            {'下一个实验：{title} →'}
          </Translate>
        </Link>
      ) : (
        <Link className="button button--primary" to="/" data-next-lab="">
          <Translate id="lab.finished.index">这是最后一个实验：回到实验列表 →</Translate>
        </Link>
      )}
    </section>
  );
}
