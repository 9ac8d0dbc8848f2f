import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, NAMESPACE_UID, SANDBOX_HOME, learnerUid, sandboxCommand } from './sandbox.ts';

const asRoot = process.getuid?.() === 0;

function after(args: string[], flag: string): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args[i + 1]!);
  });
  return out;
}

describe('sandboxCommand', () => {
  const spec = { homeDir: '/data/learners/a/home', env: { PATH: '/usr/bin', KUBECONFIG: '/data/clusters/c1/kubeconfig' } };

  it('clears the environment and sets only what the spec gives', () => {
    const cmd = sandboxCommand(spec, ['bash']);
    expect(cmd.file).toBe('/bin/sh');
    expect(cmd.args.some((a) => /(^|\/)bwrap$/.test(a))).toBe(true);
    expect(cmd.env).toEqual({});
    expect(cmd.args).toContain('--clearenv');
    const setenv = cmd.args.flatMap((a, i) => (a === '--setenv' ? [`${cmd.args[i + 1]}=${cmd.args[i + 2]}`] : []));
    expect(setenv).toEqual(['PATH=/usr/bin', 'KUBECONFIG=/data/clusters/c1/kubeconfig']);
  });

  it('binds the home read-write, the system read-only, and a private /tmp and /proc', () => {
    const args = sandboxCommand(spec, ['bash']).args;
    expect(args.join(' ')).toContain(`--bind /data/learners/a/home ${SANDBOX_HOME}`);
    expect(args.join(' ')).toContain('--ro-bind /usr /usr');
    expect(args.join(' ')).toContain('--perms 1777 --tmpfs /tmp');
    expect(args).toContain('--unshare-pid');
    expect(args).toContain('--die-with-parent');
    expect(after(args, '--bind')).toEqual(['/data/learners/a/home']);
  });

  it('creates traversable parents for extra binds and binds them read-only unless writable', () => {
    const args = sandboxCommand({ ...spec, binds: [{ source: '/data/clusters/c1', target: '/data/clusters/c1' }, { source: '/srv/x', target: '/srv/x', writable: true }] }, ['bash']).args;
    const joined = args.join(' ');
    expect(joined).toContain('--perms 0755 --dir /data --perms 0755 --dir /data/clusters --ro-bind /data/clusters/c1 /data/clusters/c1');
    expect(joined).toContain('--perms 0755 --dir /srv --bind /srv/x /srv/x');
  });

  it('applies the limits and drops to an unprivileged uid', () => {
    const args = sandboxCommand({ ...spec, limits: { processes: 64 } }, ['bash', '-i']).args;
    const rest = args.slice(args.indexOf('--') + 1);
    expect(rest.slice(0, 7)).toEqual(['prlimit', '--nproc=64', `--nofile=${DEFAULT_LIMITS.openFiles}`, `--as=${DEFAULT_LIMITS.addressSpace}`, `--fsize=${DEFAULT_LIMITS.fileSize}`, '--core=0', '--']);
    if (asRoot) {
      const uid = learnerUid('/data/learners/a/home');
      expect(rest).toContain('setpriv');
      expect(rest).toContain(`--reuid=${uid}`);
      expect(rest).toContain('--no-new-privs');
      expect(rest).toContain('--bounding-set=-all');
    } else {
      expect(args.join(' ')).toContain(`--unshare-user --disable-userns --uid ${NAMESPACE_UID}`);
    }
    expect(rest.slice(-2)).toEqual(['bash', '-i']);
  });

  it('joins the cgroups and opens the syscall filter before bubblewrap starts', () => {
    const procs = ['/sys/fs/cgroup/memory/x/meshlab-a/cgroup.procs', '/sys/fs/cgroup/pids/meshlab-a/cgroup.procs'];
    const cmd = sandboxCommand({ ...spec, cgroupProcs: procs }, ['id']);
    expect(cmd.file).toBe('/bin/sh');
    expect(cmd.args[0]).toBe('-c');
    expect(cmd.args[3]).toMatch(/seccomp-.*\.bpf$/);
    expect(cmd.args.slice(4, 7)).toEqual(['2', ...procs]);
    expect(cmd.args[7]).toMatch(/(^|\/)bwrap$/);
    expect(cmd.args.join(' ')).toContain('--seccomp 3');
    expect(cmd.args.at(-1)).toBe('id');
  });

  it('interactive shells keep the terminal; commands get a new session', () => {
    expect(sandboxCommand({ ...spec, interactive: true }, ['bash']).args).not.toContain('--new-session');
    expect(sandboxCommand(spec, ['id']).args).toContain('--new-session');
  });

  const bad: [string, Parameters<typeof sandboxCommand>[0], string[]][] = [
    ['a relative home', { ...spec, homeDir: 'home' }, ['id']],
    ['a relative bind', { ...spec, binds: [{ source: 'x', target: '/x' }] }, ['id']],
    ['a NUL in a path', { ...spec, homeDir: '/a\0b' }, ['id']],
    ['no command', spec, []],
  ];
  for (const [name, s, argv] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => sandboxCommand(s, argv)).toThrow();
    });
  }
});

describe('learnerUid', () => {
  it('is stable, unprivileged and differs between learners', () => {
    const a = learnerUid('/data/learners/a/home');
    expect(learnerUid('/data/learners/a/home')).toBe(a);
    expect(a).toBeGreaterThanOrEqual(200_000);
    expect(a).toBeLessThan(1_200_000);
    expect(learnerUid('/data/learners/b/home')).not.toBe(a);
  });
});
