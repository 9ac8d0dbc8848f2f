// The sandbox with real bubblewrap, as the exec backend uses it (one-shot commands).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../tools/binaries.ts';
import { checkSandbox, prepareSandbox, sandboxCommand, type SandboxSpec } from './sandbox.ts';

let dir: string;

function run(spec: SandboxSpec, script: string, timeout = 20_000): Promise<{ code: number; out: string }> {
  prepareSandbox(spec);
  const cmd = sandboxCommand(spec, ['/bin/bash', '-c', script]);
  return new Promise((resolve) => {
    execFile(cmd.file, cmd.args, { env: cmd.env, timeout, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshlab-sandbox-'));
  expect(checkSandbox()).toEqual({ ok: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const home = (name: string) => join(dir, 'learners', name, 'home');

describe('bubblewrap sandbox', () => {
  it('refuses new user namespaces and other namespaces, and the calls Docker\'s default profile refuses', async () => {
    const r = await run(
      { homeDir: home('ns'), env: { PATH: '/usr/bin' } },
      'unshare -Ur id; echo "userns=$?"; unshare -n true; echo "netns=$?"; python3 -c "import os; os.unshare(0x10000000)" 2>/dev/null; echo "py=$?"; dmesg >/dev/null 2>&1; echo "syslog=$?"',
    );
    expect(r.out).toContain('userns=1');
    expect(r.out).toContain('netns=1');
    expect(r.out).toContain('py=1');
    expect(r.out).toContain('syslog=1');
    expect(r.out).not.toMatch(/^uid=0/m);
  });

  it('keeps the tools working under the syscall filter (threads, forks, Go binaries)', async () => {
    const r = await run(
      { homeDir: home('tools'), env: { PATH: '/usr/bin' }, binds: [{ source: join(PROJECT_ROOT, '.meshlab/tools'), target: '/opt/tools' }] },
      `curl --version >/dev/null && echo curl-ok; python3 -c "import threading; t=threading.Thread(target=print, args=('thread-ok',)); t.start(); t.join()"; (sleep 0 &) ; wait; /opt/tools/kubectl version --client 2>&1 | head -1; /opt/tools/helm version --short 2>&1 | head -1`,
    );
    expect(r.out).toContain('curl-ok');
    expect(r.out).toContain('thread-ok');
    expect(r.out).toMatch(/Client Version: v1\./);
    expect(r.out).toMatch(/^v\d+\./m);
  });

  it('runs as an unprivileged user with no capabilities', async () => {
    const r = await run({ homeDir: home('a'), env: { PATH: '/usr/bin' } }, 'id -u; grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status');
    expect(r.code).toBe(0);
    const [uid] = r.out.split('\n');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(r.out).toMatch(/CapEff:\s+0000000000000000/);
    if (process.getuid?.() === 0) expect(r.out).toMatch(/NoNewPrivs:\s+1/);
  });

  it('keeps the home between runs and hides other homes and the project', async () => {
    const a = { homeDir: home('a'), env: { PATH: '/usr/bin' } };
    const b = { homeDir: home('b'), env: { PATH: '/usr/bin' } };
    await run(a, 'echo secret-of-a > ~/note');
    expect((await run(a, 'cat ~/note')).out).toContain('secret-of-a');
    const r = await run(b, `cat ${home('a')}/note; ls ${PROJECT_ROOT}; ls ${dir}; cat ~/note`);
    expect(r.out).not.toContain('secret-of-a');
    expect(r.out).toMatch(/No such file or directory/);
  });

  it('passes only the given environment', async () => {
    process.env.MESHLAB_SANDBOX_TEST_SECRET = 'do-not-leak-1234';
    const r = await run({ homeDir: home('a'), env: { PATH: '/usr/bin', ONLY: 'this' } }, 'env | sort');
    expect(r.out).not.toContain('do-not-leak-1234');
    expect(r.out).toContain('ONLY=this');
    const names = r.out.trim().split('\n').map((l) => l.split('=')[0]);
    expect(names.sort()).toEqual(['ONLY', 'PATH', 'PWD', 'SHLVL', '_'].sort());
  });

  it('has a read-only system and a small private /tmp', async () => {
    const r = await run(
      { homeDir: home('a'), env: { PATH: '/usr/bin' }, limits: { tmpSize: 1024 * 1024 } },
      'touch /usr/x 2>&1; touch /etc/x 2>&1; { head -c 2000000 /dev/zero > /tmp/big; } 2>&1; echo size=$(stat -c %s /tmp/big)',
    );
    expect(r.out).toMatch(/\/usr\/x.*Read-only file system/);
    expect(r.out).toMatch(/No space left on device/);
    expect(Number(/size=(\d+)/.exec(r.out)?.[1])).toBeLessThanOrEqual(1024 * 1024);
  });

  it('bounds processes, open files and memory', async () => {
    const r = await run(
      { homeDir: home('a'), env: { PATH: '/usr/bin' }, limits: { processes: 32, openFiles: 64, addressSpace: 512 * 1024 * 1024 } },
      [
        'ulimit -u; ulimit -n; ulimit -v',
        '(for i in $(seq 60); do sleep 2 & done; wait) 2>&1 | grep -c "fork: "',
        // raising a hard limit is refused
        'ulimit -H -u 100000 2>&1 | head -1',
        // allocating more than the address space fails
        'head -c 600000000 /dev/zero | (v=$(cat); echo len=${#v}) 2>&1 | tail -1',
      ].join('; '),
      60_000,
    );
    const lines = r.out.split('\n');
    expect(lines.slice(0, 3)).toEqual(['32', '64', String(512 * 1024)]);
    expect(Number(lines[3])).toBeGreaterThan(0);
    expect(r.out).toMatch(/ulimit: max user processes: cannot modify limit/);
    expect(r.out).not.toMatch(/len=600000000/);
  }, 90_000);

  it('binds extra paths at the same path, read-only', async () => {
    const shared = join(dir, 'clusters', 'c1');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(shared, { recursive: true });
    writeFileSync(join(shared, 'kubeconfig'), 'kind: Config\n', { mode: 0o644 });
    const r = await run({ homeDir: home('a'), env: { PATH: '/usr/bin' }, binds: [{ source: shared, target: shared }] }, `cat ${shared}/kubeconfig; echo x > ${shared}/kubeconfig 2>&1`);
    expect(r.out).toContain('kind: Config');
    expect(r.out).toMatch(/Read-only file system|Permission denied/);
  });
});
