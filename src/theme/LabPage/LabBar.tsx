// The lab's own bar, above the steps (sticky on wide screens): how many steps are done, the time
// since the lab started, and the actions on the whole lab, Reset and Clear progress, each behind
// a confirmation. Steps never carry lab-wide actions.
import React, { useEffect, useRef, useState } from 'react';
import Translate, { translate } from '@docusaurus/Translate';
import { useLabState } from '@site/src/labs/lab-context.tsx';
import { elapsedMs, formatElapsed, isoDuration, type LabClock } from '@site/src/labs/lab-clock.ts';
import ConfirmDialog from './ConfirmDialog.tsx';
import { afterLayout, holdStepInView } from './scroll-anchor.ts';
import styles from './styles.module.css';

/** The current time, ticking once a second while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

/** "Time 4:05" while the lab runs, "Finished in 12:34" once done, a dash before the first action. */
export function Elapsed({ clock }: { clock: LabClock }): React.JSX.Element {
  const running = clock.startedAt !== undefined && clock.finishedAt === undefined;
  const now = useNow(running);
  const ms = elapsedMs(clock, now);
  const time = clock.startedAt === undefined ? '–' : formatElapsed(ms);
  return (
    // role=timer is not announced every second (its live region is off by default).
    <span role="timer" className={styles.elapsed} data-lab-elapsed={clock.startedAt === undefined ? '' : String(Math.floor(ms / 1000))}>
      {clock.finishedAt !== undefined ? (
        <Translate id="lab.clock.finished" values={{ time: <time dateTime={isoDuration(ms)}>{time}</time> }}>
          {'总用时 {time}'}
        </Translate>
      ) : (
        <Translate id="lab.clock.elapsed" values={{ time: <time dateTime={isoDuration(ms)}>{time}</time> }}>
          {'用时 {time}'}
        </Translate>
      )}
    </span>
  );
}

/** The lab-wide actions: each asks first, then runs with the learner's place on the page kept. */
interface LabAction {
  name: 'reset' | 'clear';
  className: string;
  label: React.ReactNode;
  title: React.ReactNode;
  message: React.ReactNode;
  confirmLabel: React.ReactNode;
  run(): Promise<void>;
}

export default function LabBar(): React.JSX.Element {
  const { lab, steps, clear, reset, loaded, pageError, resetting, clock } = useLabState();
  const [confirming, setConfirming] = useState<LabAction['name'] | null>(null);
  const buttons = { reset: useRef<HTMLButtonElement>(null), clear: useRef<HTMLButtonElement>(null) };
  const barRef = useRef<HTMLDivElement>(null);
  const total = lab.steps.length;
  const passed = lab.steps.filter((s) => steps[s.id]?.status === 'passed').length;
  const label = translate({ id: 'lab.progress.label', message: '实验进度' });
  const actions: LabAction[] = [
    {
      name: 'reset',
      className: 'button--outline button--danger',
      label: <Translate id="lab.reset.button">重置实验</Translate>,
      title: <Translate id="lab.reset.title">重置整个实验？</Translate>,
      message: <Translate id="lab.reset.confirm">重置会删除你在集群中为本实验创建的一切，并清除本实验的进度。确定吗？</Translate>,
      confirmLabel: <Translate id="lab.reset.yes">确定重置</Translate>,
      run: reset,
    },
    {
      name: 'clear',
      className: 'button--secondary',
      label: <Translate id="lab.progress.clear">清除进度</Translate>,
      title: <Translate id="lab.clear.title">清除本实验的进度？</Translate>,
      message: <Translate id="lab.clear.confirm">清除进度会忘记本实验每一步的检查结果，并重新开始计时；集群里的内容保持不变。确定吗？</Translate>,
      confirmLabel: <Translate id="lab.clear.yes">确定清除</Translate>,
      run: clear,
    },
  ];

  // The step in view stays in view while the reports above it go.
  const keepingPlace = async (action: () => Promise<void>) => {
    const layout = barRef.current?.closest<HTMLElement>('[data-lab]') ?? null;
    const restore = holdStepInView(layout, barRef.current?.getBoundingClientRect().bottom ?? 0);
    await action();
    afterLayout(restore);
  };

  return (
    <div ref={barRef} className={styles.progress} data-lab-bar data-lab-progress={`${passed}/${total}`} data-loaded={loaded ? 'true' : 'false'}>
      <div className={styles.progressRow}>
        <span>
          <span id={`progress-${lab.id}`}>
            <Translate id="lab.progress.text" values={{ passed, total }}>
              {'已完成 {passed} / {total} 步'}
            </Translate>
          </span>
          <span aria-hidden="true"> · </span>
          <Elapsed clock={clock} />
        </span>
        <span className={styles.barActions}>
          {actions.map((a) => (
            <button
              key={a.name}
              ref={buttons[a.name]}
              type="button"
              className={`button button--sm ${a.className}`}
              onClick={() => !resetting && setConfirming(a.name)}
              disabled={!loaded}
              // aria-disabled while resetting: a disabled button would drop the focus to the page.
              aria-disabled={resetting}
              data-lab-action={a.name}>
              {a.label}
            </button>
          ))}
        </span>
      </div>
      <div
        className={styles.bar}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={passed}
        aria-describedby={`progress-${lab.id}`}>
        <div className={styles.barFill} style={{ width: `${total ? (100 * passed) / total : 0}%` }} />
      </div>
      {resetting && (
        <p role="status" className={styles.note}>
          <Translate id="lab.reset.running">正在把集群恢复到实验开始时的状态……</Translate>
        </p>
      )}
      {pageError && (
        <p role="alert" className={styles.error}>
          {pageError}
        </p>
      )}
      {actions.map((a) => (
        <ConfirmDialog
          key={a.name}
          name={a.name}
          open={confirming === a.name}
          returnFocus={buttons[a.name]}
          title={a.title}
          message={a.message}
          confirmLabel={a.confirmLabel}
          cancelLabel={<Translate id="lab.reset.cancel">取消</Translate>}
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            setConfirming(null);
            void keepingPlace(a.run);
          }}
        />
      ))}
    </div>
  );
}
