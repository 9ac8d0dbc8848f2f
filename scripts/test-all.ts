// `npm test`: every test meshlab has, in order of cost, with one summary at the end.
//   1. system packages (installed when missing and possible)  2. type checking  2b. lint (Biome)
//   3. unit + integration tests (vitest; integration drives real kubectl, curl, helm, pty, bwrap)
//   4. `meshlab verify --strict` of every lab on the embedded cluster (content lint first; a check
//      that already passes before its step fails)
//   5. the site build (Docusaurus' broken-link and translation checks fail it)
//   6. end-to-end tests in Debian's Chromium (Playwright)
// Every stage runs even when an earlier one failed (except when the toolchain itself is missing),
// so one run shows everything that is wrong.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';
import { buildSite, siteBuildState } from '../server/cli/site-build.ts';

interface StageResult {
  name: string;
  ok: boolean;
  seconds: number;
  passed: number;
  failed: number;
  skipped: number;
  note?: string;
}

const reports = join(PROJECT_ROOT, 'test-results');
mkdirSync(reports, { recursive: true });
const bin = (name: string) => join(PROJECT_ROOT, 'node_modules', '.bin', name);

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
    child.on('error', (err) => {
      console.error(`could not run ${cmd}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function stage(name: string, fn: () => Promise<Omit<StageResult, 'name' | 'seconds'>>): Promise<StageResult> {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const result = await fn();
  const seconds = (Date.now() - started) / 1000;
  console.log(`=== ${name}: ${result.ok ? 'ok' : 'FAILED'} in ${seconds.toFixed(1)} s ===`);
  return { name, seconds, ...result };
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

const results: StageResult[] = [];

results.push(
  await stage('system packages', async () => {
    const code = await run(process.execPath, [join(PROJECT_ROOT, 'bin', 'run-ts.mjs'), 'scripts/ensure-system.ts', '--for', 'test']);
    return { ok: code === 0, passed: 0, failed: 0, skipped: 0 };
  }),
);
if (!results[0]!.ok) {
  console.error('\nmeshlab: system packages are missing; nothing else can run.');
  process.exit(1);
}

results.push(
  await stage('type check', async () => {
    const code = await run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
    return { ok: code === 0, passed: 0, failed: 0, skipped: 0 };
  }),
);

results.push(
  await stage('lint (biome)', async () => {
    const code = await run(bin('biome'), ['lint', '--error-on-warnings', '.']);
    return { ok: code === 0, passed: 0, failed: 0, skipped: 0 };
  }),
);

results.push(
  await stage('unit and integration tests (vitest)', async () => {
    const out = join(reports, 'vitest.json');
    const code = await run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
    const r = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(out);
    return {
      ok: code === 0,
      passed: r?.numPassedTests ?? 0,
      failed: r ? r.numFailedTests : 1,
      skipped: (r?.numPendingTests ?? 0) + (r?.numTodoTests ?? 0),
      note: r ? undefined : 'no report written',
    };
  }),
);

results.push(
  await stage('lab verification (meshlab verify --strict)', async () => {
    const junit = join(reports, 'verify-junit.xml');
    const code = await run(process.execPath, [join(PROJECT_ROOT, 'bin', 'meshlab.mjs'), 'verify', '--strict', '--junit', junit]);
    let passed = 0;
    let failed = 0;
    if (existsSync(junit)) {
      const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(readFileSync(junit, 'utf8')) as {
        testsuites?: { testsuite?: { testcase?: Record<string, unknown>[] }[] };
      };
      for (const suite of doc.testsuites?.testsuite ?? [])
        for (const tc of suite.testcase ?? []) {
          if ('failure' in tc || 'error' in tc) failed++;
          else passed++;
        }
    }
    return { ok: code === 0, passed, failed: code !== 0 && failed === 0 ? 1 : failed, skipped: 0 };
  }),
);

results.push(
  await stage('site build (docusaurus)', async () => {
    const siteDir = join(PROJECT_ROOT, 'build');
    const state = siteBuildState(siteDir);
    if (state.fresh) return { ok: true, passed: 0, failed: 0, skipped: 0, note: 'up to date' };
    try {
      await buildSite(siteDir);
      return { ok: true, passed: 0, failed: 0, skipped: 0 };
    } catch (err) {
      return { ok: false, passed: 0, failed: 1, skipped: 0, note: (err as Error).message };
    }
  }),
);

results.push(
  await stage('end-to-end tests (Playwright, Debian Chromium)', async () => {
    if (!results.at(-1)!.ok) return { ok: false, passed: 0, failed: 1, skipped: 0, note: 'not run: the site did not build' };
    const out = join(reports, 'playwright.json');
    const code = await run(bin('playwright'), ['test', '-c', 'tests/e2e/playwright.config.ts', '--reporter=list,json'], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: out,
    });
    const r = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(out);
    return {
      ok: code === 0,
      passed: (r?.stats.expected ?? 0) + (r?.stats.flaky ?? 0),
      failed: r ? r.stats.unexpected : 1,
      skipped: r?.stats.skipped ?? 0,
      note: r ? undefined : 'no report written',
    };
  }),
);

console.log('\nSummary');
for (const r of results) {
  const counts = r.passed + r.failed + r.skipped > 0 ? ` ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped` : '';
  console.log(`  ${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(48)} ${r.seconds.toFixed(1).padStart(6)} s${counts}${r.note ? ` (${r.note})` : ''}`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed + (r.ok || r.failed > 0 ? 0 : 1), 0);
const skipped = results.reduce((n, r) => n + r.skipped, 0);
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
