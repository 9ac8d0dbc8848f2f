// Makes sure the Debian packages meshlab needs are present before `npm start` / `npm test`:
// installs them with apt when running as root, otherwise stops at once with the exact command.
//   node bin/run-ts.mjs scripts/ensure-system.ts --for start|test
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

interface SystemPackage {
  pkg: string;
  /** A file the package provides, to test for its presence. */
  provides: string;
  why: string;
}

const START: SystemPackage[] = [
  { pkg: 'bubblewrap', provides: '/usr/bin/bwrap', why: 'sandboxes learner terminals and kubectl exec' },
  { pkg: 'proxychains4', provides: '/usr/bin/proxychains4', why: 'sends in-cluster traffic through simulated sidecars' },
  { pkg: 'socat', provides: '/usr/bin/socat', why: 'forwards a sandbox\'s own network namespace to its cluster\'s ports' },
  { pkg: 'curl', provides: '/usr/bin/curl', why: 'the learner terminal and HTTP checks' },
  { pkg: 'git', provides: '/usr/lib/git-core/git-http-backend', why: 'the simulated github.com (git http-backend) and the clones `kubectl kustomize github.com/...` makes' },
];
const TEST: SystemPackage[] = [
  ...START,
  { pkg: 'chromium', provides: '/usr/bin/chromium', why: 'end-to-end tests (Playwright drives Debian Chromium)' },
  { pkg: 'fonts-wqy-microhei', provides: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', why: 'Chinese text in end-to-end screenshots' },
];

function present(p: SystemPackage): boolean {
  try {
    accessSync(p.provides, p.provides.startsWith('/usr/share/') ? constants.R_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function hasApt(): boolean {
  return spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

const target = process.argv.includes('test') ? 'test' : 'start';
const missing = (target === 'test' ? TEST : START).filter((p) => !present(p));
if (missing.length === 0) process.exit(0);

const names = missing.map((p) => p.pkg).join(' ');
const command = `sudo apt-get update && sudo apt-get install -y ${names}`;
for (const p of missing) console.error(`meshlab: missing ${p.pkg} (${p.provides}): ${p.why}`);
if (!isRoot() || !hasApt()) {
  console.error(`meshlab: install them first, then run this again:\n  ${command}`);
  process.exit(1);
}
console.error(`meshlab: installing ${names} with apt (about a minute; chromium takes longest)...`);
try {
  execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing.map((p) => p.pkg)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
} catch {
  console.error(`meshlab: apt-get failed; run it yourself:\n  ${command}`);
  process.exit(1);
}
const still = missing.filter((p) => !present(p));
if (still.length) {
  console.error(`meshlab: still missing after install: ${still.map((p) => p.provides).join(', ')}`);
  process.exit(1);
}
