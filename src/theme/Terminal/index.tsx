// The browser terminal of a lab page: <Terminal lab="ingress-gateway" /> (name defaults to
// "main"; a page may hold several with different names). Client-only: xterm.js needs the DOM.
// Other components type into it through ./bus.ts (runInTerminal) or the window event of
// src/labs/terminal-bridge.ts.
import React, { Suspense, lazy } from 'react';
import BrowserOnly from '@docusaurus/BrowserOnly';
import { translate } from '@docusaurus/Translate';
import styles from './styles.module.css';

export interface TerminalProps {
  /** The lab the page belongs to: shown in the shell's prompt. */
  lab?: string;
  /** Which terminal of the page (for runInTerminal); default "main". */
  name?: string;
  /** Where F6 takes the focus out of the terminal when it did not come from somewhere. */
  leaveTo?: () => HTMLElement | null | undefined;
  /** More controls for the terminal's toolbar. */
  toolbarExtra?: React.ReactNode;
}

const TerminalView = lazy(() => import('./TerminalView.tsx'));

function Placeholder({ toolbarExtra }: { toolbarExtra?: React.ReactNode }): React.JSX.Element {
  const label = translate({ id: 'terminal.label', message: '终端' });
  return (
    <section className={styles.terminal} aria-label={label} data-state="connecting">
      <div className={styles.toolbar}>
        <span className={styles.state} data-state="connecting">
          <span className={styles.dot} aria-hidden="true" />
          {translate({ id: 'terminal.state.loading', message: '正在加载终端…' })}
        </span>
        <span className={styles.actions}>{toolbarExtra}</span>
      </div>
      <div className={styles.screen} />
    </section>
  );
}

export default function Terminal({ lab, name = 'main', leaveTo, toolbarExtra }: TerminalProps): React.JSX.Element {
  return (
    <BrowserOnly fallback={<Placeholder toolbarExtra={toolbarExtra} />}>
      {() => (
        <Suspense fallback={<Placeholder toolbarExtra={toolbarExtra} />}>
          <TerminalView name={name} lab={lab} leaveTo={leaveTo} toolbarExtra={toolbarExtra} />
        </Suspense>
      )}
    </BrowserOnly>
  );
}
