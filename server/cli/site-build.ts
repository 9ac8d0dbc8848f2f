// `npm start` serves the built site; this decides whether the build is missing or older than
// its sources, and rebuilds it with visible progress when it is.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../tools/binaries.ts';

const SOURCES = ['docs', 'i18n', 'src', 'labs', 'static', 'plugins', 'server/protocol', 'docusaurus.config.ts', 'sidebars.ts', 'package.json'];
export const BUILD_STAMP = '.meshlab-build-stamp';

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export interface BuildState {
  fresh: boolean;
  reason: string;
}

export function siteBuildState(siteDir: string, root = PROJECT_ROOT): BuildState {
  const stamp = join(siteDir, BUILD_STAMP);
  if (!existsSync(join(siteDir, 'index.html')) || !existsSync(stamp)) return { fresh: false, reason: 'the site has not been built yet' };
  const built = statSync(stamp).mtimeMs;
  for (const src of SOURCES) {
    if (newestMtime(join(root, src)) > built) return { fresh: false, reason: `${src} changed since the last build` };
  }
  return { fresh: true, reason: 'up to date' };
}

/** Runs `docusaurus build`, streaming its output to stderr; rejects with the exit code. */
export function buildSite(siteDir: string, root = PROJECT_ROOT): Promise<void> {
  return new Promise((resolve, reject) => {
    const bin = join(root, 'node_modules', '.bin', 'docusaurus');
    const child = spawn(bin, ['build', '--out-dir', siteDir], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.once('SIGINT', forward).once('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      if (code === 0) {
        writeFileSync(join(siteDir, BUILD_STAMP), new Date().toISOString());
        resolve();
      } else reject(new Error(`docusaurus build failed (${signal ?? `exit code ${code}`})`));
    });
  });
}
