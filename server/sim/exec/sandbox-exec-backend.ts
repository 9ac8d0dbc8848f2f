// `kubectl exec` for the embedded cluster: the command runs as a real process in the learner's
// sandbox (bubblewrap), with the container's environment and the pod's network: every TCP
// connection it makes goes through a per-exec interceptor that plays the pod's sidecar (or, for a
// pod without one, its plain network), and names resolve as kube-dns would answer that pod.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import * as nodePty from 'node-pty';
import { describeTool } from '../../tools/binaries.ts';
import { SANDBOX_HOME, prepareSandbox, sandboxCommand, type SandboxSpec } from '../../sandbox/sandbox.ts';
import { confinementOf, type SandboxOwner } from '../../sandbox/confinement.ts';
import { hasSidecar } from '../meta/pod.ts';
import { NetworkGate, gateDirFor, sandboxNetworkFromEnv } from '../../sandbox/network-gate.ts';
import type { ExecBackend, ExecIO, ExecRequest, ExecResult } from './exec-backend.ts';
import type { SidecarDataPlane } from '../mesh/sidecar-data-plane.ts';
import type { LogBook } from '../logs/log-book.ts';
import type { LoopbackAddress } from '../world/external-network.ts';
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import { podEnvironment } from './pod-environment.ts';
import { PodNames, type OutsideWorld } from './pod-names.ts';
import { peernameLibraryIn } from './peername-shim.ts';
import { PROXYCHAINS_MISSING, proxychainsConfig, proxychainsEnv, proxychainsLibrary } from './proxychains-config.ts';
import { startInterceptor } from './sidecar-interceptor.ts';

export interface ExecWorld extends OutsideWorld {
  /** PEM bundle (system CAs + the simulated internet's CA) that clients in pods trust. */
  caBundle(): string;
}

export interface SandboxExecBackendOptions {
  store: ObjectStore;
  /** The mesh's sidecar routing (MeshDataPlane.sidecar), or a getter when the mesh starts later. */
  dataPlane: SidecarDataPlane | (() => SidecarDataPlane | undefined);
  /** The simulated internet, or a getter when it starts later. */
  world: ExecWorld | (() => ExecWorld | undefined);
  /** The cluster's directory (<dataDir>/clusters/<id>); exec files live under it. */
  clusterDir: string;
  /** Where `podIP:port` is served on this machine (ClusterNetwork.socketOf), for a pod's own loopback. */
  podSocket?: (podIP: string, port: number) => LoopbackAddress | undefined;
  /** Container logs: TCP connections through a pod's sidecar are logged to its istio-proxy container. */
  logs?: LogBook;
  /** Run without bubblewrap (only for `--unsafe-no-sandbox` on a single-user machine). */
  unsafeNoSandbox?: boolean;
  /**
   * The learner the cluster belongs to: exec'd commands run as their uid and in their cgroups,
   * so they count against the same limits as the learner's terminals. Without one (a lab run
   * by `meshlab verify`), each pod's files key a uid of their own.
   */
  owner?: SandboxOwner;
}

const MAX_ARGV = 256;

/**
 * With a tty, the command starts as the terminal's foreground process group inside the sandbox's
 * PID namespace, as a container runtime starts it. Otherwise job-control shells (dash) find the
 * terminal owned by a group they cannot see and fail on `exit` ("Cannot set tty process group").
 */
const PERL = '/usr/bin/perl';
const FOREGROUND_GROUP =
  'use POSIX (); $SIG{TTOU} = "IGNORE"; POSIX::setpgid(0, 0); POSIX::tcsetpgrp(0, POSIX::getpgrp()); $SIG{TTOU} = "DEFAULT"; exec { $ARGV[0] } @ARGV or exit 127;';
const MAX_ARG_BYTES = 128 * 1024;

/** What a container runtime (runc via containerd) reports for a command it cannot find. */
export function notFoundMessage(command: string): string {
  return `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command}": executable file not found in $PATH: unknown`;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch { // missing or not executable
    return false;
  }
}

/**
 * The host path of a path inside the sandbox, for the directories the sandbox shows (the system
 * under /usr and its /bin, /sbin links, and the home); undefined for anything else.
 */
function hostPathOf(sandboxPath: string, homeDir: string): string | undefined {
  const p = posix.normalize(sandboxPath);
  if (p.startsWith('/usr/')) return p;
  if (p.startsWith('/bin/')) return `/usr${p}`;
  if (p.startsWith('/sbin/')) return `/usr${p}`;
  if (p.startsWith(`${SANDBOX_HOME}/`)) return join(homeDir, p.slice(SANDBOX_HOME.length + 1));
  return undefined;
}

/** Resolve argv[0] the way execvp would inside the sandbox; undefined when it cannot be run. */
export function findCommand(command: string, path: string, homeDir: string, cwd = SANDBOX_HOME): string | undefined {
  if (!command) return undefined;
  if (command.includes('/')) {
    const absolute = posix.isAbsolute(command) ? command : posix.join(cwd, command);
    const host = hostPathOf(absolute, homeDir);
    return host && executable(host) ? absolute : undefined;
  }
  for (const dir of path.split(':')) {
    if (!dir || !posix.isAbsolute(dir)) continue;
    const candidate = posix.join(dir, command);
    const host = hostPathOf(candidate, homeDir);
    if (host && executable(host)) return candidate;
  }
  return undefined;
}

/** The pod's host name as the runtime sets it: spec.hostname, else the pod name (at most 63 characters). */
export function podHostName(pod: KubeObject): string {
  const h = (pod.spec as { hostname?: unknown } | undefined)?.hostname;
  return (typeof h === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(h) ? h : pod.metadata.name).slice(0, 63);
}

/** A directory name for a pod: namespace and name (DNS labels, so safe), plus its uid when known. */
export function podDirName(pod: KubeObject): string {
  const safe = (v: string | undefined) => (v ?? '').replace(/[^a-z0-9.-]/gi, '_').slice(0, 100) || '_';
  const uid = pod.metadata.uid ? `-${safe(pod.metadata.uid).slice(0, 8)}` : '';
  return `${safe(pod.metadata.namespace ?? 'default')}_${safe(pod.metadata.name)}${uid}`;
}

function validArgv(command: string[]): boolean {
  if (command.length === 0 || command.length > MAX_ARGV) return false;
  let bytes = 0;
  for (const a of command) {
    if (typeof a !== 'string' || a.includes('\0')) return false;
    bytes += Buffer.byteLength(a);
  }
  return bytes <= MAX_ARG_BYTES && command[0]!.length > 0;
}

export class SandboxExecBackend implements ExecBackend {
  private readonly networkDir: string;
  private peernameLib: string | undefined;
  private readonly homesDir: string;
  private readonly caBundlePath: string;

  constructor(private readonly options: SandboxExecBackendOptions) {
    this.networkDir = join(options.clusterDir, 'network');
    this.homesDir = join(options.clusterDir, 'pods');
    this.caBundlePath = join(this.networkDir, 'ca-bundle.pem');
  }

  private written = false;

  private prepareFiles(world: ExecWorld): void {
    if (this.written && existsSync(this.caBundlePath)) return;
    mkdirSync(this.networkDir, { recursive: true, mode: 0o755 });
    // getpeername() answers the address the process connected to, not the interceptor's.
    this.peernameLib = peernameLibraryIn(this.networkDir);
    writeFileSync(this.caBundlePath, world.caBundle(), { mode: 0o644 });
    this.written = true;
  }

  async exec(request: ExecRequest, io: ExecIO): Promise<ExecResult> {
    const { pod } = request;
    if (!validArgv(request.command)) return { kind: 'failed', message: 'invalid command' };
    const { store } = this.options;
    // Without interception a command would reach the real network: refuse rather than leak.
    if (!proxychainsLibrary()) return { kind: 'failed', message: PROXYCHAINS_MISSING };
    const dataPlane = typeof this.options.dataPlane === 'function' ? this.options.dataPlane() : this.options.dataPlane;
    const world = typeof this.options.world === 'function' ? this.options.world() : this.options.world;
    if (!dataPlane || !world) return { kind: 'failed', message: 'the pod network is not ready yet' };
    const namespace = pod.metadata.namespace ?? 'default';
    const podEnv = podEnvironment(pod, request.container, store);

    this.prepareFiles(world);
    const sandboxed = !this.options.unsafeNoSandbox;
    // Each pod has its own files (a container's filesystem is its own), kept while the cluster lives.
    const homeDir = join(this.homesDir, podDirName(pod));
    const spec: SandboxSpec = { homeDir, env: {}, interactive: request.tty };
    if (sandboxed && this.options.owner) {
      const confinement = confinementOf(this.options.owner);
      spec.uid = confinement.uid;
      spec.cgroupProcs = confinement.cgroupProcs;
    }
    if (sandboxed) prepareSandbox(spec);
    else mkdirSync(homeDir, { recursive: true, mode: 0o700 });

    const command = request.command[0]!;
    const found = findCommand(command, podEnv.PATH ?? '', homeDir);
    if (!found) {
      io.stdout(Buffer.from(`${notFoundMessage(command)}\r\n`));
      return { kind: 'exited', exitCode: 127 };
    }

    const podIP = (pod.status as { podIP?: string } | undefined)?.podIP;
    const podSocket = this.options.podSocket;
    const interceptor = await startInterceptor({
      pod: hasSidecar(pod) ? pod : null,
      dataPlane,
      names: new PodNames(store, namespace, world, hasSidecar(pod) ? pod : null),
      logs: this.options.logs,
      podLoopback: podIP && podSocket ? (port) => podSocket(podIP, port) : undefined,
    });
    const configPath = join(this.networkDir, `exec-${randomBytes(6).toString('hex')}.conf`);
    // The command's own network namespace reaches only its interceptor (which plays the pod's
    // network: sidecar, cluster DNS, the pod's own ports); nothing of the host or other learners.
    let gate: NetworkGate | undefined;
    try {
      if (sandboxed && sandboxNetworkFromEnv() === 'isolated') {
        gate = await NetworkGate.open({
          dir: gateDirFor(),
          ports: () => ({ tcp: [interceptor.proxyPort], udp: [interceptor.dnsPort] }),
          uid: process.getuid?.() === 0 ? prepareSandbox(spec).uid : undefined,
          refreshMs: 60_000,
          // One budget of connections with the learner's terminals and other commands.
          owner: this.options.owner?.id,
        });
        spec.network = { gateDir: gate.dir };
      }
      writeFileSync(configPath, proxychainsConfig({ proxyPort: interceptor.proxyPort, dnsPort: interceptor.dnsPort, directLoopback: false }), { mode: 0o644 });
      const env: Record<string, string> = {
        ...podEnv,
        HOME: sandboxed ? SANDBOX_HOME : homeDir,
        ...(request.tty ? { TERM: 'xterm' } : {}),
        ...proxychainsEnv(configPath),
        ...(this.peernameLib ? { LD_PRELOAD: `${this.peernameLib}:${proxychainsEnv(configPath).LD_PRELOAD}` } : {}),
        CURL_CA_BUNDLE: this.caBundlePath,
        SSL_CERT_FILE: this.caBundlePath,
      };
      let file: string;
      let args: string[];
      let spawnEnv: Record<string, string>;
      if (sandboxed) {
        const argv = request.tty && existsSync(PERL) ? [PERL, '-e', FOREGROUND_GROUP, '--', ...request.command] : request.command;
        const cmd = sandboxCommand({ ...spec, env, binds: [{ source: this.networkDir, target: this.networkDir }] }, argv);
        // The container's host name is the pod's (the sandbox's default is "meshlab").
        const h = cmd.args.indexOf('--hostname');
        if (h !== -1) cmd.args[h + 1] = podHostName(pod);
        file = cmd.file === 'bwrap' ? (describeTool('bwrap').path ?? cmd.file) : cmd.file;
        args = cmd.args;
        spawnEnv = cmd.env;
      } else {
        file = found;
        args = request.command.slice(1);
        spawnEnv = env;
      }
      return await (request.tty ? runPty(file, args, spawnEnv, io) : runPipes(file, args, spawnEnv, io));
    } finally {
      rmSync(configPath, { force: true });
      await gate?.close();
      await interceptor.close();
    }
  }
}

function exitResult(code: number | null, signal: NodeJS.Signals | number | null): ExecResult {
  if (typeof code === 'number') return { kind: 'exited', exitCode: code };
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  const n = typeof signal === 'number' ? signal : signal ? (signals[signal] ?? 9) : 9;
  return { kind: 'exited', exitCode: 128 + n };
}

async function pumpStdin(stdin: AsyncIterable<Buffer> | null, write: (b: Buffer) => void, end: () => void): Promise<void> {
  if (!stdin) return end();
  try {
    for await (const chunk of stdin) write(chunk);
  } catch {
    // The client went away: end input.
  }
  end();
}

function runPipes(file: string, args: string[], env: Record<string, string>, io: ExecIO): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: false });
    const kill = () => child.kill('SIGKILL');
    if (io.signal.aborted) kill();
    io.signal.addEventListener('abort', kill, { once: true });
    child.stdout!.on('data', (b: Buffer) => io.stdout(b));
    child.stderr!.on('data', (b: Buffer) => io.stderr(b));
    if (child.stdin) {
      child.stdin.on('error', () => {});
      void pumpStdin(io.stdin, (b) => child.stdin!.write(b), () => child.stdin!.end());
    }
    child.once('error', (err) => {
      io.signal.removeEventListener('abort', kill);
      resolve({ kind: 'failed', message: err.message });
    });
    child.once('close', (code, signal) => {
      io.signal.removeEventListener('abort', kill);
      resolve(exitResult(code, signal));
    });
  });
}

function runPty(file: string, args: string[], env: Record<string, string>, io: ExecIO): Promise<ExecResult> {
  return new Promise((resolve) => {
    let pty: nodePty.IPty;
    try {
      pty = nodePty.spawn(file, args, { name: 'xterm', cols: 80, rows: 24, cwd: '/', env, encoding: null });
    } catch (err) {
      resolve({ kind: 'failed', message: (err as Error).message });
      return;
    }
    const kill = () => {
      try {
        pty.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    if (io.signal.aborted) kill();
    io.signal.addEventListener('abort', kill, { once: true });
    pty.onData((d: string | Buffer) => io.stdout(typeof d === 'string' ? Buffer.from(d) : d));
    io.onResize(({ width, height }) => {
      if (Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width <= 1000 && height <= 1000) {
        try {
          pty.resize(width, height);
        } catch {
          // exited meanwhile
        }
      }
    });
    let exited = false;
    // EOF on a terminal is ^D, as a real runtime's tty does when the client closes stdin.
    void pumpStdin(io.stdin, (b) => !exited && pty.write(b), () => {});
    pty.onExit(({ exitCode, signal }) => {
      exited = true;
      io.signal.removeEventListener('abort', kill);
      resolve(signal ? exitResult(null, signal) : { kind: 'exited', exitCode });
    });
  });
}
