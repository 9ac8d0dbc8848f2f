// `npm run bench`: runs every benchmark (bench/*.bench.ts) one after another, each in its own
// process (with --expose-gc so memory numbers are measured after a collection), and prints
// their numbers. Benchmarks report; they never pass or fail on timings.
//   npm run bench              all of them
//   npm run bench -- mesh      only those whose file name contains "mesh"
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';

const filter = process.argv[2];
const dir = join(PROJECT_ROOT, 'bench');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches "${filter ?? ''}" in ${dir}`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  console.log(`\n### ${file}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', join(PROJECT_ROOT, 'bin', 'run-ts.mjs'), join(dir, file)], { stdio: 'inherit', cwd: PROJECT_ROOT });
  console.log(`### ${file}: ${r.status === 0 ? 'done' : `exited with ${r.status ?? r.signal}`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
