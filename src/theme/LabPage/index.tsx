// A lab page: the steps (MDX children) on the left, the learner's live terminal on the right
// (sticky); on a narrow screen (a phone) the terminal is a drawer at the bottom of the screen that
// opens when a command runs. Above the steps, the lab's bar (progress, time, Reset); after them,
// the finished screen.
import React, { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import Translate from '@docusaurus/Translate';
import Terminal from '@theme/Terminal';
import WorkshopBanner from '@theme/WorkshopBanner';
import TrafficPanel from '@theme/TrafficPanel';
import { onTerminalReveal } from '@site/src/theme/Terminal/bus.ts';
import { LabProvider, useLabState } from '@site/src/labs/lab-context.tsx';
import { useLab, useText } from '@site/src/labs/use-labs.ts';
import type { LabView } from '@site/plugins/labs/lab-view.ts';
import LabBar from './LabBar.tsx';
import LabFinished from './LabFinished.tsx';
import styles from './styles.module.css';

export interface LabPageProps {
  lab: string;
  children: ReactNode;
}

/** What the lab is about, how long it takes and what it needs: from lab.yaml. */
function LabAbout({ lab }: { lab: LabView }) {
  const t = useText();
  return (
    <div className={styles.about} data-lab-about>
      <p className={styles.summary}>{t(lab.summary)}</p>
      <p className={styles.meta}>
        <Translate id="lab.about.minutes" values={{ minutes: lab.estimatedMinutes }}>
          {'预计用时：{minutes} 分钟'}
        </Translate>
      </p>
      {lab.prerequisites.length > 0 && (
        <>
          <p className={styles.meta}>
            <Translate id="lab.about.prerequisites">开始之前：</Translate>
          </p>
          <ul className={styles.prerequisites}>
            {lab.prerequisites.map((p, i) => (
              <li key={i}>{t(p)}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** The drawer's toggle, in the terminal's toolbar (shown on narrow screens only). */
function DrawerToggle({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  return (
    <button type="button" className={styles.drawerToggle} aria-expanded={open} aria-controls="lab-terminal" onClick={onToggle} data-drawer-toggle>
      {open ? <Translate id="lab.terminal.hide">收起终端</Translate> : <Translate id="lab.terminal.show">展开终端</Translate>}
    </button>
  );
}

/** The area beside the steps: the terminal now; further panels (tabs) go in here. */
function TerminalArea({ lab }: { lab: LabView }) {
  const { steps } = useLabState();
  const [open, setOpen] = useState(false);
  const drawerRef = useRef<HTMLDivElement>(null);
  useEffect(
    () =>
      onTerminalReveal(() => {
        setOpen(true);
        // The control the learner used (Run) stays in sight above the opened drawer.
        const drawer = drawerRef.current;
        const used = document.activeElement;
        if (!drawer || getComputedStyle(drawer).position !== 'fixed' || !(used instanceof HTMLElement) || drawer.contains(used)) return;
        // Room below it for the status line Run shows.
        const covered = used.getBoundingClientRect().bottom - (window.innerHeight - drawer.offsetHeight) + 48;
        if (covered > 0) window.scrollBy({ top: covered });
      }),
    [],
  );
  // F6 out of the terminal, when the focus did not come from somewhere: the step to do next.
  const leaveTo = useCallback(() => {
    const next = lab.steps.find((s) => steps[s.id]?.status !== 'passed') ?? lab.steps[0];
    const section = next && document.querySelector(`[data-lab="${lab.id}"] [data-step="${next.id}"]`);
    // Its first Run button (./Terminal/RunButton), else its first button.
    return section?.querySelector<HTMLElement>('[data-run-button]') ?? section?.querySelector<HTMLElement>('button:not([disabled])') ?? null;
  }, [lab, steps]);
  return (
    <div className={styles.terminalColumn}>
      <div id="lab-terminal" ref={drawerRef} className={styles.terminalSticky} data-drawer={open ? 'open' : 'closed'}>
        <Terminal lab={lab.id} leaveTo={leaveTo} toolbarExtra={<DrawerToggle open={open} onToggle={() => setOpen((o) => !o)} />} />
        <TrafficPanel />
      </div>
    </div>
  );
}

/** The steps column: the learner's first Run starts the lab's clock, as Check and Solve do. */
function StepsColumn({ children }: { children: ReactNode }) {
  const { markStarted } = useLabState();
  const onClick = (e: React.MouseEvent) => {
    if (e.target instanceof Element && e.target.closest('[data-run-button]')) markStarted();
  };
  return (
    // A click listener only to notice Run buttons being used; they stay the controls.
    // biome-ignore lint/a11y/noStaticElementInteractions: delegated listener; the Run buttons inside are the controls
    // biome-ignore lint/a11y/useKeyWithClickEvents: a keyboard press on a Run button reaches it as a click
    <div className={styles.steps} onClick={onClick}>
      {children}
    </div>
  );
}

export default function LabPage({ lab: labId, children }: LabPageProps): ReactNode {
  const lab = useLab(labId);
  if (!lab) {
    return (
      <div role="alert" className="alert alert--danger">
        <Translate id="lab.missing" values={{ lab: labId }}>
          {'找不到实验 {lab}：它应当在 labs/ 中。'}
        </Translate>
      </div>
    );
  }
  return (
    <LabProvider lab={lab}>
      <div className={styles.layout} data-lab={lab.id}>
        <StepsColumn>
          <WorkshopBanner />
          <LabAbout lab={lab} />
          <LabBar />
          {children}
          <LabFinished />
        </StepsColumn>
        {/* No label of its own: the terminal inside is labelled "Terminal"/"终端" by its component. */}
        <TerminalArea lab={lab} />
      </div>
    </LabProvider>
  );
}
