// Per-learner memory cgroups on this host (skipped where cgroups are not writable).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LearnerCgroups } from './cgroup.ts';
import { prepareSandbox, sandboxCommand } from './sandbox.ts';

const cgroups = LearnerCgroups.detect();
const dir = mkdtempSync(join(tmpdir(), 'meshlab-cgroup-'));
const key = `test-${process.pid}`;

afterAll(() => {
  cgroups?.release(key);
  rmSync(dir, { recursive: true, force: true });
});

function run(script: string, procs: string[]): Promise<{ code: number | string; out: string }> {
  const spec = { homeDir: join(dir, 'home'), env: { PATH: '/usr/bin' }, cgroupProcs: procs };
  prepareSandbox(spec);
  const cmd = sandboxCommand(spec, ['/bin/bash', '-c', script]);
  return new Promise((resolve) =>
    execFile(cmd.file, cmd.args, { env: cmd.env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number | string }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

it.skipIf(!cgroups)('all of a sandbox\'s processes are in the learner\'s group and its memory is bounded', async () => {
  const procs = cgroups!.prepare(key, { memoryBytes: 64 * 1024 * 1024 });
  // Seen from the host while it runs: bubblewrap, the sandbox's init, bash and sleep are all in the group.
  const running = run('sleep 1.5; echo done', procs);
  await new Promise((r) => setTimeout(r, 700));
  const members = readFileSync(procs[0]!, 'utf8').trim().split('\n').filter(Boolean);
  expect(members.length).toBeGreaterThanOrEqual(3);
  expect((await running).out).toContain('done');
  // 200 MB held in one shell variable: more than the group allows, far less than RLIMIT_AS.
  const big = await run('v=$(head -c 200000000 /dev/zero | tr "\\0" a); echo len=${#v}', procs);
  expect(big.out).not.toContain('len=200000000');
  expect(big.code).not.toBe(0);
  const limitFile = cgroups!.version === 1 ? 'memory.limit_in_bytes' : 'memory.max';
  expect(Number(readFileSync(join(procs[0]!, '..', limitFile), 'utf8'))).toBe(64 * 1024 * 1024);
}, 90_000);

it.skipIf(!cgroups?.controllers.includes('pids'))('the learner\'s processes together are bounded by the pids group', async () => {
  const procs = cgroups!.prepare(key, { memoryBytes: 256 * 1024 * 1024, pids: 40 });
  // RLIMIT_NPROC (256) would allow these 60 sleeps; the learner's group (40) does not.
  const r = await run(`python3 -c '
import subprocess
ps = []
for i in range(60):
    try: ps.append(subprocess.Popen(["sleep", "5"]))
    except OSError: pass
print("started=%d" % len(ps), flush=True)
for p in ps: p.kill()
'`, procs);
  const started = Number(/started=(\d+)/.exec(r.out)?.[1]);
  expect(started).toBeGreaterThan(0);
  expect(started).toBeLessThan(40);
}, 60_000);

it.skipIf(!cgroups?.controllers.includes('cpu'))('the learner\'s CPU time is capped', () => {
  const procs = cgroups!.prepare(key, { memoryBytes: 256 * 1024 * 1024, cpus: 0.5 });
  const dir = join(procs.find((p) => p.includes('/cpu') || cgroups!.version === 2)!, '..');
  const quota = cgroups!.version === 1 ? readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8').trim() : readFileSync(join(dir, 'cpu.max'), 'utf8').split(' ')[0];
  expect(Number(quota)).toBe(50_000);
});

it.skipIf(!cgroups)('sweeps old empty groups but not fresh ones', () => {
  const fresh = `sweep-${process.pid}`;
  const group = join(cgroups!.prepare(fresh)[0]!, '..');
  cgroups!.sweep(60_000);
  expect(existsSync(group)).toBe(true); // too young to be a leftover
  cgroups!.sweep(0);
  expect(existsSync(group)).toBe(false); // empty and old enough
  cgroups!.prepare(fresh);
  expect(cgroups!.release(fresh)).toBe(true);
});

it('rejects a bad learner key', () => {
  if (!cgroups) return;
  expect(() => cgroups.prepare('../escape')).toThrow();
});
