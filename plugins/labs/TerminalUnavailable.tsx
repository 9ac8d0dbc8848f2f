// Stands in for @theme/Terminal when the site is built without the terminal component, so lab
// pages still build and say why there is no terminal.
import { type ReactNode } from 'react';

export default function TerminalUnavailable(_props: { lab?: string }): ReactNode {
  return (
    <div role="note" className="alert alert--warning">
      The terminal component (src/theme/Terminal) is not part of this build.
    </div>
  );
}
