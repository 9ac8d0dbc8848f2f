// How a learner's processes (terminal shells, `kubectl exec` commands) are confined: a
// bubblewrap sandbox with its own home and /tmp, a read-only system, none of the server's files
// or environment, and resource limits. Shared by server/terminals and the embedded cluster's
// exec backend so both confine the same way.
//
// Identity: RLIMIT_NPROC does not bind root (the kernel exempts uid 0 and CAP_SYS_RESOURCE),
// so the learner's processes must run as an unprivileged uid on the host:
// - server running as root: bubblewrap sets up the mounts as root, then `prlimit` lowers the
//   limits and `setpriv` switches to the learner's own host uid (derived from the learner),
//   clears supplementary groups, drops every capability and sets no_new_privs;
// - server running unprivileged: bubblewrap creates a user namespace (uid 1000 inside, the
//   server's uid outside) and `prlimit` lowers the limits.
// Inside, a syscall filter (seccomp.ts) refuses what Docker's default profile refuses, namespaces
// included, so `unshare -Ur` fails (and without root, bubblewrap's --disable-userns as well).
// Network: a namespace of its own whose ways out are the network gate (network-gate.ts) and, if
// the operator turns it on, the outside network without the host's loopback (outside-network.ts).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { describeTool } from '../tools/binaries.ts';
import { seccompProgram } from './seccomp.ts';
import { FORWARDER_PATH, FORWARDER_SCRIPT, GATE_MOUNT } from './network-forwarder.ts';
import { OUTSIDE_DNS } from './outside-network.ts';
import { claimUid } from './uids.ts';
import { uidRegistryDir } from './confinement.ts';

export interface SandboxLimits {
  /** Processes (and threads) of the learner's uid. */
  processes: number;
  /** Open files per process. */
  openFiles: number;
  /** Address space per process, bytes (Go binaries such as kubectl reserve a few hundred MB). */
  addressSpace: number;
  /** Largest file a process may write, bytes. */
  fileSize: number;
  /** Size of the sandbox's /tmp (tmpfs), bytes. */
  tmpSize: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  processes: 256,
  openFiles: 1024,
  addressSpace: 4 * 1024 ** 3,
  fileSize: 1024 ** 3,
  tmpSize: 256 * 1024 ** 2,
};

export interface SandboxSpec {
  /** Host directory mounted read-write as the learner's home (/home/learner). */
  homeDir: string;
  /** Working directory inside the sandbox; default the home. */
  cwd?: string;
  /** The complete environment inside the sandbox: nothing else leaks in. */
  env: Record<string, string>;
  /** Extra host paths made visible inside, read-only unless `writable`. */
  binds?: { source: string; target: string; writable?: boolean }[];
  /** Interactive shells keep the controlling terminal; one-shot commands get a new session. */
  interactive?: boolean;
  /** Host uid (and gid) the learner's processes run as when the server is root; default derived from homeDir. */
  uid?: number;
  limits?: Partial<SandboxLimits>;
  /**
   * A network namespace of its own whose only way out is this gate's directory (network-gate.ts);
   * without it the sandbox shares the host's network (`--unsafe-no-sandbox`-like, for other drivers).
   */
  network?: { gateDir: string; /** The outside network is attached too (outside-network.ts): DNS is its forwarder. */ outside?: boolean };
  /** cgroup.procs files (see cgroup.ts) the sandbox joins before it starts, for limits on all its processes together. */
  cgroupProcs?: string | string[];
}

export interface SandboxedCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

export const SANDBOX_HOME = '/home/learner';
export const SANDBOX_USER = 'learner';
/** uid of the learner inside a user-namespace sandbox (server not root). */
export const NAMESPACE_UID = 1000;

/** Read-only system mounts: directories below them exist already and cannot be created. */
const SYSTEM_MOUNTS = ['/usr', '/etc', '/proc', '/dev'];

/** The host uid for a learner: stable, unprivileged, distinct per learner (per home), claimed without collisions. */
export function learnerUid(key: string): number {
  return claimUid(uidRegistryDir(), key);
}

function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Directory of generated files bound into sandboxes (passwd, group, bashrc). One per checkout:
 * two checkouts of different versions on one machine would otherwise overwrite each other's bashrc.
 */
export function sandboxFilesDir(checkout = import.meta.dirname): string {
  return join(tmpdir(), `meshlab-sandbox-${createHash('sha256').update(checkout).digest('hex').slice(0, 12)}`);
}

/** The parent directories of `path` (excluding `/`), outermost first. */
function parentsOf(path: string): string[] {
  const out: string[] = [];
  let dir = dirname(path);
  while (dir !== '/' && dir !== '.') {
    out.unshift(dir);
    dir = dirname(dir);
  }
  return out;
}

function checkedPath(path: string, what: string): string {
  if (!isAbsolute(path) || path.includes('\0')) throw new Error(`${what} must be an absolute path: ${JSON.stringify(path)}`);
  return normalize(path);
}

/** Wrap `argv` so it runs inside the sandbox described by `spec`. */
export function sandboxCommand(spec: SandboxSpec, argv: string[]): SandboxedCommand {
  if (argv.length === 0) throw new Error('sandboxCommand needs a command');
  const limits = { ...DEFAULT_LIMITS, ...spec.limits };
  const homeDir = checkedPath(spec.homeDir, 'homeDir');
  const asRoot = runningAsRoot();
  const uid = asRoot ? (spec.uid ?? learnerUid(homeDir)) : NAMESPACE_UID;
  const files = sandboxFilesDir();
  const args = [
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin',
    '--symlink', 'usr/sbin', '/sbin',
    '--symlink', 'usr/lib', '/lib',
    '--symlink', 'usr/lib64', '/lib64',
    '--dir', '/etc',
    '--ro-bind-try', '/etc/ssl', '/etc/ssl',
    '--ro-bind-try', '/etc/ca-certificates', '/etc/ca-certificates',
    '--ro-bind-try', '/etc/alternatives', '/etc/alternatives',
    '--ro-bind-try', '/etc/terminfo', '/etc/terminfo',
    '--ro-bind-try', '/etc/inputrc', '/etc/inputrc',
    '--ro-bind-try', '/etc/hosts', '/etc/hosts',
    '--ro-bind-try', spec.network?.outside ? join(files, 'resolv-outside.conf') : '/etc/resolv.conf', '/etc/resolv.conf',
    '--ro-bind-try', '/etc/nsswitch.conf', '/etc/nsswitch.conf',
    '--ro-bind-try', '/etc/localtime', '/etc/localtime',
    '--ro-bind-try', '/etc/proxychains4.conf', '/etc/proxychains4.conf',
    '--ro-bind-try', join(files, `passwd-${uid}`), '/etc/passwd',
    '--ro-bind-try', join(files, `group-${uid}`), '/etc/group',
    '--ro-bind-try', join(files, 'bashrc'), '/etc/meshlab.bashrc',
    ...(spec.network ? ['--ro-bind', join(files, 'forward.sh'), FORWARDER_PATH] : []),
    '--proc', '/proc',
    '--dev', '/dev',
    '--size', String(limits.tmpSize), '--perms', '1777', '--tmpfs', '/tmp',
    '--perms', '0755', '--dir', '/home',
    '--bind', homeDir, SANDBOX_HOME,
    ...(spec.network ? ['--unshare-net', '--perms', '0755', '--dir', '/run', '--ro-bind', checkedPath(spec.network.gateDir, 'gateDir'), GATE_MOUNT] : []),
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--hostname', 'meshlab',
    '--die-with-parent',
    '--clearenv',
  ];
  if (!asRoot) args.push('--unshare-user', '--disable-userns', '--uid', String(NAMESPACE_UID), '--gid', String(NAMESPACE_UID));
  const seccomp = seccompFile();
  if (seccomp) args.push('--seccomp', String(SECCOMP_FD));
  const made = new Set<string>(['/etc', '/home', '/tmp', '/usr', '/proc', '/dev', ...(spec.network ? ['/run'] : [])]);
  for (const b of spec.binds ?? []) {
    const source = checkedPath(b.source, 'bind source');
    const target = checkedPath(b.target, 'bind target');
    // Parents bubblewrap would create are root-only (0700): make them traversable.
    for (const parent of parentsOf(target)) {
      if (made.has(parent) || SYSTEM_MOUNTS.some((m) => parent.startsWith(`${m}/`))) continue;
      made.add(parent);
      args.push('--perms', '0755', '--dir', parent);
    }
    args.push(b.writable ? '--bind' : '--ro-bind', source, target);
  }
  for (const [k, v] of Object.entries(spec.env)) args.push('--setenv', k, v);
  if (!spec.interactive) args.push('--new-session');
  args.push('--chdir', spec.cwd ?? SANDBOX_HOME, '--');
  args.push(
    'prlimit',
    `--nproc=${limits.processes}`,
    `--nofile=${limits.openFiles}`,
    `--as=${limits.addressSpace}`,
    `--fsize=${limits.fileSize}`,
    '--core=0',
    '--',
  );
  if (asRoot) {
    args.push(
      'setpriv',
      `--reuid=${uid}`,
      `--regid=${uid}`,
      '--clear-groups',
      '--inh-caps=-all',
      '--ambient-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
      '--',
    );
  }
  if (spec.network) args.push('/bin/sh', FORWARDER_PATH);
  args.push(...argv);
  // Join the cgroups first, so bubblewrap and everything it starts are inside, and open the
  // syscall filter for bubblewrap to load; refuse to run when either fails.
  const procs = (typeof spec.cgroupProcs === 'string' ? [spec.cgroupProcs] : (spec.cgroupProcs ?? [])).map((p) => checkedPath(p, 'cgroupProcs'));
  return {
    file: '/bin/sh',
    args: ['-c', LAUNCH, 'meshlab-sandbox', seccomp ?? '', String(procs.length), ...procs, bwrapPath(), ...args],
    env: {},
  };
}

const SECCOMP_FD = 3;
const LAUNCH = [
  'f=$1; n=$2; shift 2',
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done',
  `if [ -n "$f" ]; then exec ${SECCOMP_FD}< "$f" || exit 125; fi`,
  'exec "$@"',
].join('\n');

let seccompPath: string | null | undefined;

/** The compiled syscall filter, written once; undefined on an architecture without one. */
function seccompFile(): string | undefined {
  if (seccompPath === undefined) {
    const program = seccompProgram();
    if (!program) seccompPath = null;
    else {
      const dir = sandboxFilesDir();
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      const path = join(dir, `seccomp-${process.arch}.bpf`);
      writeFileSync(path, program, { mode: 0o644 });
      seccompPath = path;
    }
  }
  return seccompPath ?? undefined;
}

function bwrapPath(): string {
  return describeTool('bwrap').path ?? 'bwrap';
}

export interface PreparedSandbox {
  uid: number;
}

/**
 * Create what a sandbox for `spec` needs on the host: the home directory owned by the learner's
 * uid, and the passwd/group entries and bashrc bound into it. Idempotent.
 */
export function prepareSandbox(spec: SandboxSpec): PreparedSandbox {
  const homeDir = checkedPath(spec.homeDir, 'homeDir');
  const asRoot = runningAsRoot();
  const uid = asRoot ? (spec.uid ?? learnerUid(homeDir)) : NAMESPACE_UID;
  mkdirSync(homeDir, { recursive: true, mode: 0o700 });
  if (asRoot && statSync(homeDir).uid !== uid) chownSync(homeDir, uid, uid);
  const files = sandboxFilesDir();
  mkdirSync(files, { recursive: true, mode: 0o755 });
  writeIfChanged(join(files, `passwd-${uid}`), `root:x:0:0:root:/root:/usr/sbin/nologin\n${SANDBOX_USER}:x:${uid}:${uid}:meshlab learner:${SANDBOX_HOME}:/bin/bash\n`);
  writeIfChanged(join(files, `group-${uid}`), `root:x:0:\n${SANDBOX_USER}:x:${uid}:\n`);
  writeIfChanged(join(files, 'bashrc'), BASHRC);
  writeIfChanged(join(files, 'forward.sh'), FORWARDER_SCRIPT);
  writeIfChanged(join(files, 'resolv-outside.conf'), `nameserver ${OUTSIDE_DNS}\n`);
  return { uid };
}

/** The shell startup file (prompt with the lab tag), written if needed; for shells outside a sandbox. */
export function shellRcPath(): string {
  const files = sandboxFilesDir();
  mkdirSync(files, { recursive: true, mode: 0o755 });
  writeIfChanged(join(files, 'bashrc'), BASHRC);
  return join(files, 'bashrc');
}

function writeIfChanged(path: string, content: string): void {
  try {
    if (existsSync(path) && readFileSync(path, 'utf8') === content) return;
  } catch {
    // rewrite it
  }
  writeFileSync(path, content, { mode: 0o644 });
  chmodSync(path, 0o644);
}

// The shell's startup file: a prompt naming the lab and the cluster, then the learner's own
// ~/.bashrc (so they can customise), with completion for kubectl when available.
const BASHRC = `# meshlab: generated, read-only
[ -f /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
# Without the bash-completion package, a minimal stand-in for what kubectl's completion needs.
if ! declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
  _get_comp_words_by_ref() {
    cur="\${COMP_WORDS[COMP_CWORD]}"
    prev="\${COMP_WORDS[COMP_CWORD-1]}"
    words=("\${COMP_WORDS[@]}")
    cword=\$COMP_CWORD
  }
fi
# kubectl completion loads on the first Tab (running kubectl at every shell start is slow).
__meshlab_kubectl_completion() {
  source <(kubectl completion bash 2>/dev/null)
  complete -o default -F __start_kubectl kubectl k
  __start_kubectl "\$@"
}
complete -o default -F __meshlab_kubectl_completion kubectl k
alias k=kubectl
alias ls='ls --color=auto'
alias grep='grep --color=auto'
# Shell integration (OSC 133, as VS Code, iTerm2 and WezTerm read it): the prompt starts (A)
# and ends (B), a command's output starts (C, from PS0) and the command ends with its status (D),
# so the page can run one command at a time and know how it ended.
# The prompt names the shell's own lab (each lab page has its own shell, started with MESHLAB_LAB);
# a shell started without one names the lab of the page last opened (the server writes
# ~/.meshlab-lab, shared by all of the learner's shells). Narrow terminals (a phone) get a short one.
__meshlab_prompt() {
  local status=\$?
  printf '\\e]133;D;%s\\a' "\$status"
  local lab="\${MESHLAB_LAB:-}"
  [ -z "\$lab" ] && [ -f ~/.meshlab-lab ] && [ ! -L ~/.meshlab-lab ] && read -r lab < ~/.meshlab-lab
  __meshlab_tag="\${lab:+ [\${lab}]}"
  if [ "\${COLUMNS:-80}" -lt 60 ]; then
    PS1='\\[\\e]133;A\\a\\]\\[\\e[1;34m\\]\\W\\[\\e[0m\\]\\$ \\[\\e]133;B\\a\\]'
  else
    PS1='\\[\\e]133;A\\a\\]\\[\\e[1;32m\\]\\u@meshlab\\[\\e[0m\\]\\[\\e[0;36m\\]\${__meshlab_tag}\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]\\$ \\[\\e]133;B\\a\\]'
  fi
}
shopt -s checkwinsize
PROMPT_COMMAND=__meshlab_prompt
PS0='\\e]133;C\\a'
[ -f ~/.bashrc ] && . ~/.bashrc
`;

export interface SandboxAvailability {
  ok: boolean;
  /** Why sandboxes cannot be used, with what to do. */
  problem?: string;
}

let availability: SandboxAvailability | undefined;

/** Whether bubblewrap is installed and can create a sandbox here (checked once, by running one). */
export function checkSandbox(): SandboxAvailability {
  if (availability) return availability;
  const probeHome = join(sandboxFilesDir(), 'probe-home');
  try {
    const spec: SandboxSpec = { homeDir: probeHome, env: { PATH: '/usr/bin' } };
    prepareSandbox(spec);
    const cmd = sandboxCommand(spec, ['id', '-u']);
    const out = execFileSync(cmd.file, cmd.args, { encoding: 'utf8', env: {}, timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const uid = Number(out.trim());
    if (!Number.isInteger(uid) || uid === 0) availability = { ok: false, problem: 'the sandbox ran as root; refusing to use it' };
    else availability = { ok: true };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const detail = e.code === 'ENOENT' ? 'bubblewrap (bwrap) is not installed' : `bubblewrap failed: ${(e.stderr || e.message).trim().split('\n')[0]}`;
    availability = {
      ok: false,
      problem: `${detail}. Install it (\`apt-get install -y bubblewrap\`, and allow unprivileged user namespaces when not running as root), or start meshlab with --unsafe-no-sandbox on a single-user machine.`,
    };
  }
  return availability;
}
