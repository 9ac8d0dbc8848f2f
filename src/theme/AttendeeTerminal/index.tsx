// The instructor's view of one attendee's terminal (dashboard): client-only, xterm.js needs the DOM.
import { Suspense, lazy, type ReactNode } from 'react';
import BrowserOnly from '@docusaurus/BrowserOnly';
import Translate from '@docusaurus/Translate';

export interface AttendeeTerminalProps {
  token: string;
  workshopId: string;
  attendeeId: string;
  name: string;
  onClose(): void;
}

const View = lazy(() => import('./AttendeeTerminalView.tsx'));

export default function AttendeeTerminal(props: AttendeeTerminalProps): ReactNode {
  const loading = (
    <p>
      <Translate id="workshop.watch.loading">正在打开学员的终端…</Translate>
    </p>
  );
  return (
    <BrowserOnly fallback={loading}>
      {() => (
        <Suspense fallback={loading}>
          <View {...props} />
        </Suspense>
      )}
    </BrowserOnly>
  );
}
