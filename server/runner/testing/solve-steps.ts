// For integration tests on a real cluster: type a lab's solutions into a shell, as Solve does,
// step by step, waiting for the cluster between steps.
import type { ClusterHandle } from '../../drivers/types.ts';
import type { Lab } from '../lab.ts';
import { solutionFor } from '../runner.ts';
import { createWorkspace, runShell } from '../shell.ts';

/** Runs the solutions of the steps from `from` (default: the first) up to and including `last`; throws on a failing command. */
export async function solveSteps(handle: ClusterHandle, lab: Lab, last: string, from?: string): Promise<void> {
  const ws = createWorkspace(lab.dir, handle.shellEnv());
  try {
    const ids = lab.steps.map((s) => s.id);
    for (const id of ids.slice(from ? ids.indexOf(from) : 0, ids.indexOf(last) + 1)) {
      for (const cmd of solutionFor(lab, id)) {
        const r = await runShell(ws, cmd.run, { timeoutMs: 60_000, persistExports: true });
        if (r.exitCode !== 0) throw new Error(`${lab.id}/${id}: \`${cmd.run}\` exited ${r.exitCode}\n${r.stdout}${r.stderr}`);
      }
      await handle.settled?.();
    }
  } finally {
    ws.dispose();
  }
}
