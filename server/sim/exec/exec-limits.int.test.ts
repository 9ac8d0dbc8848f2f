// `kubectl exec` shares the learner's limits: exec'd commands run as the learner's uid and in the
// learner's cgroups, so a memory hog is killed at the learner's memory limit and processes started
// by exec count against the learner's process budget (issue: exec escaped both).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { learnerCgroups, ownerUid, type SandboxOwner } from '../../sandbox/confinement.ts';
import type { SidecarDataPlane } from '../mesh/sidecar-data-plane.ts';
import { ObjectStore, type KubeObject } from '../store/object-store.ts';
import { acquireSimulatedInternet, type SimulatedInternetLease } from '../world/simulated-internet.ts';
import type { ExecIO, ExecResult } from './exec-backend.ts';
import { SandboxExecBackend } from './sandbox-exec-backend.ts';

const cgroups = learnerCgroups();
let lease: SimulatedInternetLease;
let dir: string;
let backend: SandboxExecBackend;
const owner: SandboxOwner = { id: `exec-limits-${process.pid}`, homeDir: '' };
const store = new ObjectStore();
const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'curl' }] },
  status: { podIP: '10.244.0.7' },
});
const mesh: SidecarDataPlane = {
  isHttpPort: () => true,
  handleOutboundHttp: (_p, _t, _req, res) => res.writeHead(502).end(),
  routeOutboundTcp: () => ({ kind: 'deny', reason: 'test' }),
};

function exec(podName: string, script: string, signal = new AbortController().signal): Promise<{ result: ExecResult; out: string }> {
  const out: Buffer[] = [];
  const io: ExecIO = { stdin: null, stdout: (b) => out.push(b), stderr: (b) => out.push(b), onResize: () => {}, signal };
  return backend
    .exec({ pod: pod(podName), container: 'app', command: ['/bin/sh', '-c', script], stdin: false, tty: false }, io)
    .then((result) => ({ result, out: Buffer.concat(out).toString() }));
}

const saved = { ...process.env };
beforeAll(async () => {
  process.env.MESHLAB_TERMINAL_MEMORY_MB = '96';
  process.env.MESHLAB_TERMINAL_PIDS = '40';
  lease = await acquireSimulatedInternet();
  dir = mkdtempSync(join(tmpdir(), 'meshlab-exec-limits-'));
  owner.homeDir = join(dir, 'learner-home');
  backend = new SandboxExecBackend({ store, dataPlane: mesh, world: lease.world, clusterDir: join(dir, 'cluster'), owner });
}, 30_000);

afterAll(async () => {
  process.env = saved;
  await lease?.release();
  for (let i = 0; i < 20 && cgroups && !cgroups.release(owner.id); i++) await new Promise((r) => setTimeout(r, 100));
  rmSync(dir, { recursive: true, force: true });
});

it('runs exec\'d commands as the learner\'s own uid, whatever the pod', async () => {
  const a = await exec('web-1', 'id -u');
  const b = await exec('db-1', 'id -u');
  const uid = ownerUid(owner);
  if (uid !== undefined) expect(a.out.trim()).toBe(String(uid));
  expect(b.out.trim()).toBe(a.out.trim());
}, 30_000);

it.skipIf(!cgroups)('kills an exec\'d memory hog at the learner\'s memory limit', async () => {
  // 200 MB: far below RLIMIT_AS (4 GiB), above the learner's 96 MB.
  const r = await exec('web-1', 'python3 -c "b = bytearray(200 * 1024 * 1024); b[::4096] = b\\"x\\" * len(b[::4096]); print(\\"alive\\")"');
  expect(r.out).not.toContain('alive');
  expect(r.result).toEqual({ kind: 'exited', exitCode: 137 });
}, 30_000);

it.skipIf(!cgroups?.controllers.includes('pids'))('counts processes of every exec against the learner\'s one process budget', async () => {
  const holder = new AbortController();
  // One exec holds 15 processes (as another replica's exec would)...
  const held = exec('web-1', 'for i in $(seq 15); do sleep 30 & done; echo held; wait', holder.signal);
  await new Promise((r) => setTimeout(r, 1500));
  // ...so a second exec, into another pod, cannot start 25 more within the learner's 40 (its forwarders and shell count too).
  const r = await exec('db-1', `python3 -c '
import subprocess
ps = []
for i in range(25):
    try: ps.append(subprocess.Popen(["sleep", "5"]))
    except OSError: pass
print("started=%d" % len(ps), flush=True)
for p in ps: p.kill()
'`);
  holder.abort();
  await held;
  const started = Number(/started=(\d+)/.exec(r.out)?.[1]);
  expect(started).toBeLessThan(25);
}, 60_000);
