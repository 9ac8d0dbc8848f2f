// End-to-end tests of the real site in Debian's Chromium (no browser download): one meshlab
// server on a free port with a throwaway data directory; the site is built first if stale.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineConfig } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** A port nobody listens on right now (asked of the kernel, synchronously: config loading is sync). */
function freePort(): string {
  return execFileSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"], {
    encoding: 'utf8',
  });
}

// Set once in the runner process; workers inherit the environment, so they see the same values.
process.env.MESHLAB_E2E_PORT ??= freePort();
process.env.MESHLAB_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'meshlab-e2e-'));
const port = process.env.MESHLAB_E2E_PORT;
linkBundledTools(process.env.MESHLAB_E2E_DATA_DIR);

/**
 * A data directory other than the project's own has no unpacked kubectl/helm (postinstall puts
 * them in .meshlab/tools): share the project's copies with it.
 */
export function linkBundledTools(dataDir: string): void {
  const tools = join(ROOT, '.meshlab', 'tools');
  const link = join(dataDir, 'tools');
  if (existsSync(tools) && !existsSync(link)) symlinkSync(tools, link);
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export default defineConfig({
  testDir: '.',
  outputDir: join(ROOT, 'test-results', 'e2e'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    // Every test opens its own learner (a new browser context): more than the default 50 clusters.
    command: `node bin/meshlab.mjs serve --port ${port} --data-dir ${process.env.MESHLAB_E2E_DATA_DIR} --max-clusters 500`,
    cwd: ROOT,
    url: `http://127.0.0.1:${port}/healthz`,
    timeout: 240_000,
    reuseExistingServer: false,
    // Playwright SIGKILLs the server unless told otherwise: a killed server leaves its learners'
    // home images mounted (and their loop devices taken) and its sandboxes running.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
