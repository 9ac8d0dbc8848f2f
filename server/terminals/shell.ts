// Starting a learner's shell: node-pty running bash inside the learner's sandbox, with only
// the environment the lab needs. Paths the cluster's environment refers to (kubeconfig, CA
// bundle, network configuration) are bound read-only at the same path.
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as nodePty from 'node-pty';
import { NetworkGate, gateDirFor, type GatePorts, type SandboxNetworkMode } from '../sandbox/network-gate.ts';
import { SANDBOX_HOME, checkSandbox, prepareSandbox, sandboxCommand, shellRcPath, type SandboxAvailability, type SandboxLimits, type SandboxSpec } from '../sandbox/sandbox.ts';
import type { CgroupLimits, LearnerCgroups } from '../sandbox/cgroup.ts';
import { confinementOf } from '../sandbox/confinement.ts';
import { attachOutsideNetwork, outsideNetworkFromEnv, outsideNetworkProblem, type OutsideNetwork } from '../sandbox/outside-network.ts';
import { toolDirs } from '../tools/binaries.ts';
import type { PtyLike } from './terminal.ts';

export interface ShellRequest {
  learnerId: string;
  homeDir: string;
  /** From ClusterHandle.shellEnv(). */
  clusterEnv: Record<string, string>;
  lab?: string;
  /** The page's language, as MESHLAB_LANG (`meshlab explain` answers in it). */
  lang?: 'en' | 'zh';
  cols: number;
  rows: number;
  /** The cluster's loopback ports (ClusterHandle.sandboxPorts): with it, the shell gets a network of its own. */
  sandboxPorts?: () => GatePorts;
}

export interface ShellSpawnerOptions {
  unsafeNoSandbox: boolean;
  /** Directories that must never be bound whole (a learner would see everyone's files): bind single files instead. */
  protectedDirs: string[];
  limits?: Partial<SandboxLimits>;
  /** Override tool directories on PATH (tests). */
  toolDirs?: string[];
  /** Whether sandboxes work here (default: run one once). */
  sandboxCheck?: () => SandboxAvailability;
  /** Per-learner cgroups when this host allows them (LearnerCgroups.detect()). */
  cgroups?: LearnerCgroups;
  cgroupLimits?: CgroupLimits;
  /**
   * `isolated` (default, MESHLAB_SANDBOX_NETWORK): a network namespace where only the learner's
   * cluster is reachable; `host`: the host's network (anything the host reaches, other learners' ports included).
   */
  network?: SandboxNetworkMode;
  /** With an isolated network, the outside network too (never the host's loopback); default MESHLAB_SANDBOX_OUTSIDE_NETWORK. */
  outsideNetwork?: boolean;
}

export { gateDirFor, sandboxNetworkFromEnv, type SandboxNetworkMode } from '../sandbox/network-gate.ts';

export class SandboxUnavailableError extends Error {}

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The environment of a learner's shell: nothing from the server's own environment. */
export function shellEnvironment(req: ShellRequest, home: string, tools: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.clusterEnv)) {
    if (ENV_NAME.test(k) && typeof v === 'string' && !v.includes('\0')) env[k] = v;
  }
  // The cluster's own PATH entries come first: they hold wrappers (e.g. helm through the
  // embedded cluster's simulated internet) that must win over the plain binaries.
  const path = [env.PATH, ...tools, SYSTEM_PATH].filter((p): p is string => Boolean(p)).join(':');
  return {
    ...env,
    PATH: path,
    HOME: home,
    USER: 'learner',
    LOGNAME: 'learner',
    SHELL: '/bin/bash',
    TERM: 'xterm-256color',
    COLORTERM: 'truecolor',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ...(req.lab ? { MESHLAB_LAB: req.lab } : {}),
    ...(req.lang ? { MESHLAB_LANG: req.lang } : {}),
  };
}

function isWithinOrEqual(dir: string, other: string): boolean {
  return other === dir || other.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * Host paths to bind for an environment: for every absolute path in a value (single paths and
 * colon lists), its directory, or the file alone when its directory would expose a protected one.
 */
export function bindsFor(env: Record<string, string>, protectedDirs: string[]): string[] {
  const out = new Set<string>();
  for (const value of Object.values(env)) {
    for (const part of value.split(':')) {
      if (!isAbsolute(part) || part.length > 4096) continue;
      const path = resolve(part);
      if (path === '/' || !existsSync(path)) continue;
      // System paths are in the sandbox already (or must not be shadowed whole).
      if (['/usr', '/etc', '/proc', '/dev', '/sys', '/run'].some((d) => isWithinOrEqual(d, path)) || path === '/tmp' || path === '/home') continue;
      let candidate: string;
      try {
        candidate = statSync(path).isDirectory() ? path : dirname(path);
      } catch {
        continue; // a path that does not exist (yet) is not bound into the sandbox
      }
      // Binding a directory that contains a protected one (the data dir, the project) would expose it.
      if (protectedDirs.some((p) => isWithinOrEqual(candidate, p))) candidate = path;
      if (protectedDirs.some((p) => isWithinOrEqual(candidate, p))) continue;
      out.add(candidate);
    }
  }
  // Drop entries already covered by a bound parent.
  const sorted = [...out].sort((a, b) => a.length - b.length);
  return sorted.filter((p, i) => !sorted.slice(0, i).some((q) => isWithinOrEqual(q, p)));
}

export type SpawnShell = (req: ShellRequest) => PtyLike | Promise<PtyLike>;

export function createShellSpawner(options: ShellSpawnerOptions): SpawnShell {
  return async (req) => {
    const tools = options.toolDirs ?? toolDirs();
    if (options.unsafeNoSandbox) {
      const env = shellEnvironment(req, req.homeDir, tools);
      mkdirSync(req.homeDir, { recursive: true, mode: 0o700 });
      return spawnPty('/bin/bash', ['--rcfile', shellRcPath(), '-i'], env, req.homeDir, req);
    }
    const availability = (options.sandboxCheck ?? checkSandbox)();
    if (!availability.ok) throw new SandboxUnavailableError(availability.problem);
    const env = shellEnvironment(req, SANDBOX_HOME, tools);
    const binds = bindsFor({ ...req.clusterEnv, __tools: tools.join(':') }, [...options.protectedDirs, req.homeDir]);
    const spec: SandboxSpec = {
      homeDir: req.homeDir,
      env,
      interactive: true,
      binds: binds.map((p) => ({ source: p, target: p })),
      limits: options.limits,
    };
    const { uid } = prepareSandbox(spec);
    if (process.getuid?.() === 0) grantGroupRead(binds, req.clusterEnv, uid);
    // The same uid and cgroups as the learner's `kubectl exec` commands: one accounting per learner.
    if (options.cgroups) spec.cgroupProcs = confinementOf({ id: req.learnerId, homeDir: req.homeDir }, options.cgroupLimits, options.cgroups).cgroupProcs;
    let gate: NetworkGate | undefined;
    if ((options.network ?? 'isolated') === 'isolated' && req.sandboxPorts) {
      if (!existsSync('/usr/bin/socat')) {
        throw new SandboxUnavailableError('socat is not installed, so a terminal cannot have a network of its own: run `apt-get install -y socat` (or set MESHLAB_SANDBOX_NETWORK=host on a single-user machine).');
      }
      const outside = options.outsideNetwork ?? outsideNetworkFromEnv();
      const problem = outside ? outsideNetworkProblem() : undefined;
      if (problem) throw new SandboxUnavailableError(problem);
      gate = await NetworkGate.open({ dir: gateDirFor(), ports: req.sandboxPorts, uid: process.getuid?.() === 0 ? uid : undefined, owner: req.learnerId });
      // The forwarder inside waits for the outside network's route before it starts the shell.
      if (outside) writeFileSync(join(gate.dir, 'outside'), '', { mode: 0o644 });
      spec.network = { gateDir: gate.dir, outside };
    }
    const cmd = sandboxCommand(spec, ['/bin/bash', '--rcfile', '/etc/meshlab.bashrc', '-i']);
    let pty: PtyLike | undefined;
    let outside: OutsideNetwork | undefined;
    try {
      pty = spawnPty(cmd.file, cmd.args, cmd.env, '/', req);
      if (spec.network?.outside) outside = await attachOutsideNetwork(pty.pid, { userns: process.getuid?.() !== 0 });
      pty.onExit(() => {
        outside?.close();
        void gate?.close();
      });
      return pty;
    } catch (err) {
      pty?.kill();
      await gate?.close();
      throw err;
    }
  };
}

/**
 * The learner's shell runs as its own uid/gid: let that group read what its cluster's
 * environment names (the kubeconfig, a CA bundle) and traverse the bound directories, and
 * nothing else in them (other files keep their modes). Each cluster belongs to one learner.
 */
export function grantGroupRead(boundDirs: string[], env: Record<string, string>, gid: number): void {
  const grant = (path: string, bits: number) => {
    try {
      const st = statSync(path);
      if ((st.mode & 0o004 && (!st.isDirectory() || st.mode & 0o001)) || (st.gid === gid && (st.mode & bits) === bits)) return;
      if (st.gid !== gid) chownSync(path, st.uid, gid);
      chmodSync(path, (st.mode & 0o7777) | bits);
    } catch {
      // not ours to change, or gone: the shell will report what it cannot read
    }
  };
  for (const dir of boundDirs) grant(dir, 0o050);
  for (const value of Object.values(env)) {
    for (const part of value.split(':')) {
      if (!isAbsolute(part) || !boundDirs.some((d) => isWithinOrEqual(d, resolve(part)))) continue;
      const path = resolve(part);
      try {
        if (statSync(path).isFile()) grant(path, 0o040);
      } catch {
        // missing
      }
    }
  }
}

function spawnPty(file: string, args: string[], env: Record<string, string>, cwd: string, req: ShellRequest): PtyLike {
  const pty = nodePty.spawn(file, args, {
    name: 'xterm-256color',
    cols: req.cols,
    rows: req.rows,
    cwd: existsSync(cwd) ? cwd : '/',
    env,
    encoding: null,
  });
  return pty as unknown as PtyLike;
}
