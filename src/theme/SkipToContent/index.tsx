// The page's skip links: on a lab page, first "skip to the terminal" (the keyboard's way past the
// navigation and every step to the shell), then Docusaurus's "skip to main content".
import React, { useSyncExternalStore } from 'react';
import { translate } from '@docusaurus/Translate';
import OriginalSkipToContent from '@theme-original/SkipToContent';
import { canFocusTerminal, focusTerminal, onTerminalPresence } from '@site/src/theme/Terminal/bus.ts';
import styles from './styles.module.css';

function TerminalSkipLink() {
  const present = useSyncExternalStore(onTerminalPresence, () => canFocusTerminal(), () => false);
  if (!present) return null;
  return (
    // biome-ignore lint/a11y/useValidAnchor: a skip link: the href works without scripts, the click focuses the terminal inside xterm
    <a
      href="#lab-terminal"
      className={styles.skipLink}
      data-skip-to-terminal
      data-terminal-entry
      onClick={(e) => {
        e.preventDefault();
        focusTerminal();
      }}>
      {translate({ id: 'terminal.skipLink', message: '跳到终端' })}
    </a>
  );
}

export default function SkipToContent(): React.JSX.Element {
  return (
    <>
      <TerminalSkipLink />
      <OriginalSkipToContent />
    </>
  );
}
