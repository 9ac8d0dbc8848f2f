// "Redo this step": lab.yaml's `undo` commands return the learner's cluster to how it was before
// a step. Undoing a step undoes the later steps the learner has done too (latest first), since
// they were built on it; a chain with a step that cannot be undone is refused before anything runs.
import type { ClusterHandle } from '../drivers/types.ts';
import { findStep, type Lab, type LabStep } from './lab.ts';
import { normalizeOutput } from './compare-output.ts';
import { createWorkspace, runShell } from './shell.ts';
import { markLabStart } from './lab-since.ts';

const UNDO_TIMEOUT_MS = 60_000;

/** The step cannot be undone (or a later step the learner did cannot); says which. */
export class CannotUndoError extends Error {}

/** The steps to undo for redoing `stepId`, in the order to undo them: the latest done first. */
export function undoChain(lab: Lab, stepId: string, done: ReadonlySet<string>): LabStep[] {
  const step = findStep(lab, stepId);
  const index = lab.steps.indexOf(step);
  const chain = [step, ...lab.steps.slice(index + 1).filter((s) => done.has(s.id))].reverse();
  const stuck = chain.find((s) => s.undo === undefined);
  if (stuck)
    throw new CannotUndoError(
      stuck === step
        ? `step "${step.id}" cannot be undone (its lab.yaml gives no undo): reset the lab to do it again`
        : `step "${stuck.id}", done after "${step.id}", cannot be undone (its lab.yaml gives no undo): reset the lab to do "${step.id}" again`,
    );
  return chain;
}

/** Runs the chain's undo commands on the cluster, in order; the first one that fails stops it. */
export async function undoSteps(handle: ClusterHandle, lab: Lab, chain: readonly LabStep[]): Promise<void> {
  const ws = createWorkspace(lab.dir, handle.shellEnv());
  try {
    for (const s of chain) {
      for (const command of s.undo ?? []) {
        const r = await runShell(ws, command, { timeoutMs: UNDO_TIMEOUT_MS });
        if (r.exitCode !== 0) {
          const tail = normalizeOutput(r.output).split('\n').slice(-3).join(' ');
          throw new Error(`undoing step "${s.id}": \`${command.split('\n')[0]}\` ${r.timedOut ? 'timed out' : `exited ${r.exitCode}`}: ${tail}`);
        }
      }
    }
  } finally {
    ws.dispose();
  }
  // The undone steps' evidence in logs (the learner's requests) must not count for their redo.
  await markLabStart(handle);
}
