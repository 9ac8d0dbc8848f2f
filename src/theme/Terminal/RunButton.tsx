// A command's Run button and, beside it, what became of the command in the terminal: waiting,
// running, "ran · exit 0" or why it did not run. Commands run one at a time (./bus.ts runCommand).
import React, { useCallback, useRef, useState } from 'react';
import { translate } from '@docusaurus/Translate';
import clsx from 'clsx';
import { runCommand } from './bus.ts';
import { commandStatusIsProblem, commandStatusText, type CommandProgress } from './command-status.ts';
import styles from './run-button.module.css';

export interface RunButtonProps {
  command: string;
  /** The id of the element showing the command (the button's description). */
  describedBy?: string;
  className?: string;
  terminal?: string;
}

export default function RunButton({ command, describedBy, className, terminal }: RunButtonProps): React.JSX.Element {
  const [progress, setProgress] = useState<CommandProgress>();
  const runs = useRef(0);
  const label = translate({ id: 'lab.step.run', message: '运行' });
  const onClick = useCallback(() => {
    const run = ++runs.current;
    // Only the latest click's status is shown.
    const update = (p: CommandProgress) => run === runs.current && setProgress(p);
    void runCommand(command, { terminal, onPhase: (phase) => update({ phase }) }).then(
      (outcome) => update({ outcome }),
      () => update({ outcome: { kind: 'cancelled' } }),
    );
  }, [command, terminal]);
  const state = !progress ? 'idle' : 'phase' in progress ? progress.phase : progress.outcome.kind;
  const exit = progress && 'outcome' in progress && progress.outcome.kind === 'finished' ? progress.outcome.exitCode : undefined;
  return (
    <span className={clsx(styles.run, className)}>
      <button
        type="button"
        className="button button--success button--sm"
        aria-label={label}
        aria-describedby={describedBy}
        title={label}
        onClick={onClick}
        data-run-button
        data-run-state={state}
        data-exit-code={exit}>
        <span aria-hidden="true">▶ </span>
        {label}
      </button>
      <span role="status" className={clsx(styles.status, progress && commandStatusIsProblem(progress) && styles.problem)} data-run-status>
        {progress ? commandStatusText(progress) : ''}
      </span>
    </span>
  );
}
