// How a learner's processes (terminal shells, `kubectl exec` commands) are confined: a
// bubblewrap sandbox with its own home and /tmp, a read-only system, none of the server's files
// or environment, and resource limits. Shared by server/terminals and the embedded cluster's
// exec backend so both confine the same way.
//
// First version; server/terminals owns and hardens it (limits, unsafe mode, detection).

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
}

export interface SandboxedCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

export const SANDBOX_HOME = '/home/learner';

/** Wrap `argv` so it runs inside the sandbox described by `spec`. */
export function sandboxCommand(spec: SandboxSpec, argv: string[]): SandboxedCommand {
  const args = [
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin',
    '--symlink', 'usr/sbin', '/sbin',
    '--symlink', 'usr/lib', '/lib',
    '--symlink', 'usr/lib64', '/lib64',
    '--ro-bind-try', '/etc/ssl', '/etc/ssl',
    '--ro-bind-try', '/etc/ca-certificates', '/etc/ca-certificates',
    '--ro-bind-try', '/etc/alternatives', '/etc/alternatives',
    '--ro-bind-try', '/etc/terminfo', '/etc/terminfo',
    '--ro-bind-try', '/etc/inputrc', '/etc/inputrc',
    '--ro-bind-try', '/etc/hosts', '/etc/hosts',
    '--ro-bind-try', '/etc/resolv.conf', '/etc/resolv.conf',
    '--ro-bind-try', '/etc/nsswitch.conf', '/etc/nsswitch.conf',
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/tmp',
    '--bind', spec.homeDir, SANDBOX_HOME,
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--hostname', 'meshlab',
    '--die-with-parent',
    '--clearenv',
  ];
  for (const b of spec.binds ?? []) args.push(b.writable ? '--bind' : '--ro-bind', b.source, b.target);
  for (const [k, v] of Object.entries(spec.env)) args.push('--setenv', k, v);
  if (!spec.interactive) args.push('--new-session');
  args.push('--chdir', spec.cwd ?? SANDBOX_HOME, '--', ...argv);
  return { file: 'bwrap', args, env: {} };
}
