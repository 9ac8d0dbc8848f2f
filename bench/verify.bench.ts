// How long `meshlab verify` takes for both labs on the embedded driver (with and without the
// labs' deliberate waits such as /delay/2), and the median time of one step's Check.
// Prints numbers; never asserts timings. Targets: verify ≤ 10 s without waits; Check ≤ 100 ms.
import { join } from 'node:path';
import { createDriver } from '../server/drivers/registry.ts';
import { loadLabs } from '../server/runner/load-lab.ts';
import { checkStep, runLab } from '../server/runner/runner.ts';
import { verifyLabs } from '../server/runner/verify.ts';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (n: number) => `${n.toFixed(0)} ms`;

const labs = loadLabs(join(PROJECT_ROOT, 'labs'));
const driver = await createDriver('embedded');

// 1. verify of every lab (in parallel, as `meshlab verify` runs them on this driver).
const result = await verifyLabs({ labs, driver });
const waits = result.reports.reduce((n, r) => n + r.deliberateWaitMs, 0);
console.log(`verify, ${labs.length} labs, embedded driver: ${result.ok ? 'passed' : 'FAILED'}`);
console.log(`  wall time:                        ${ms(result.durationMs)}`);
console.log(`  deliberate waits (sum over labs): ${ms(waits)}`);
for (const r of result.reports) console.log(`  ${r.lab.padEnd(32)} ${ms(r.durationMs)} (waits ${ms(r.deliberateWaitMs)}, without ${ms(r.durationMs - r.deliberateWaitMs)})`);
const longest = result.reports.reduce((m, r) => Math.max(m, r.durationMs - r.deliberateWaitMs), 0);
console.log(`  wall time without waits (longest lab, labs run in parallel): ${ms(longest)}`);
if (!result.ok)
  for (const r of result.reports) for (const s of r.steps.filter((x) => x.status === 'failed')) console.log(`  failed: ${r.lab}/${s.id}: ${s.failure?.message.split('\n')[0]}`);

// 2. one step's Check, repeated on a cluster where the lab has been run up to that step.
const lab = labs.find((l) => l.id === 'ingress-gateway')!;
const handle = await driver.create({ name: 'bench-check' });
try {
  const upTo = lab.steps.findIndex((s) => s.id === 'call-status');
  const partial = { ...lab, steps: lab.steps.slice(0, upTo + 1), cleanup: [] };
  const setup = await runLab(handle, partial);
  if (!setup.ok) console.log('  (setup of the Check benchmark failed; the Check numbers below measure failures)');
  for (const stepId of ['create-gateway', 'call-status']) {
    const times: number[] = [];
    let passed = 0;
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      const r = await checkStep(handle, lab, stepId, { timeoutSeconds: 0 });
      times.push(performance.now() - t);
      if (r.status === 'passed') passed++;
    }
    const step = lab.steps.find((s) => s.id === stepId)!;
    console.log(`Check of ${lab.id}/${stepId} (${step.checks.map((c) => c.type).join(' + ')}): median ${ms(median(times))}, min ${ms(Math.min(...times))}, max ${ms(Math.max(...times))}, ${passed}/21 passed`);
  }
} finally {
  await handle.destroy();
}
process.exit(0);
