// The labs' `undo` commands on a real embedded cluster: after the whole lab, undoing the steps
// from the last back makes each step's own checks fail again (what it built is gone, or what it
// changed is back), and the lab then runs from its start as on a fresh cluster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver } from '../drivers/registry.ts';
import type { ClusterHandle } from '../drivers/types.ts';
import type { Lab } from './lab.ts';
import { loadLab } from './load-lab.ts';
import { checkStep, runLab } from './runner.ts';
import { undoSteps } from './undo-step.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'meshlab-undo-int-'));
let handle: ClusterHandle;

beforeAll(async () => {
  handle = await (await createDriver('embedded', { dataDir: join(work, 'data') })).create({ name: 'undo-int' });
});
afterAll(async () => {
  await handle?.destroy();
  rmSync(work, { recursive: true, force: true });
});

/**
 * The lab up to its last step that can be undone (a clean-up step cannot), without its cleanup:
 * the cluster stays as that step left it.
 */
function upToLastUndoable(lab: Lab): Lab {
  const last = lab.steps.findLastIndex((s) => s.undo !== undefined);
  return { ...lab, cleanup: [], steps: lab.steps.slice(0, last + 1).map((s) => ({ ...s, cleanup: [] })) };
}

describe.each(['ingress-gateway', 'egress-gateway'])('undo in %s', (id) => {
  it('undoes every step from the last back, then the lab runs again from its start', { timeout: 300_000 }, async () => {
    const lab = loadLab(join(ROOT, 'labs', id));
    const done = upToLastUndoable(lab);
    const first = await runLab(handle, done);
    expect(first.ok, JSON.stringify(first.steps.map((s) => [s.id, s.failure?.message]))).toBe(true);

    for (const step of [...done.steps].reverse()) {
      expect(step.undo, `step ${step.id} has an undo`).toBeDefined();
      await undoSteps(handle, lab, [step]);
      // The checks that prove the step was done (not those true before it on purpose) fail now.
      const own = step.checks.map((c, i) => (c.expectedBefore ? -1 : i)).filter((i) => i >= 0);
      // A step that only looks (undo: []) takes nothing back either: its evidence in the access log no longer counts.
      if (own.length === 0) continue;
      const report = await checkStep(handle, lab, step.id, { timeoutSeconds: 3 });
      for (const i of own) expect(report.checks[i]!.ok, `step ${step.id}, check ${i} after its undo`).toBe(false);
    }

    const again = await runLab(handle, lab);
    expect(again.ok, JSON.stringify(again.steps.map((s) => [s.id, s.failure?.message]))).toBe(true);
  });
});
