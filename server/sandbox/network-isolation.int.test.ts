// Two learners' clusters on one host, each learner's sandbox in a network of its own (issue:
// one network for everyone). From inside A's sandbox only A's cluster can be reached: not B's API
// server or ingress node port, not a service of the host, not even with LD_PRELOAD unset or with
// a static binary; /proc/net/tcp shows none of B's ports; and A listening on B's node port
// catches nothing of B's traffic.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDriver } from '../drivers/registry.ts';
import type { ClusterHandle } from '../drivers/types.ts';
import { bindsFor, gateDirFor, grantGroupRead, shellEnvironment } from '../terminals/shell.ts';
import { findTool, toolDirs } from '../tools/binaries.ts';
import { NetworkGate } from './network-gate.ts';
import { prepareSandbox, sandboxCommand, type SandboxSpec } from './sandbox.ts';

let dataDir: string;
let a: ClusterHandle;
let b: ClusterHandle;
let hostService: Server;
let hostPort: number;
const hostHits: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'meshlab-netns-'));
  const driver = await createDriver('embedded', { dataDir });
  [a, b] = await Promise.all([driver.create({ name: 'learner-a' }), driver.create({ name: 'learner-b' })]);
  // A service of the host (as a database on 5432 would be).
  hostService = createServer((req, res) => {
    hostHits.push(req.url ?? '');
    res.end('host service\n');
  });
  await new Promise<void>((r) => hostService.listen(0, '127.0.0.1', () => r()));
  hostPort = (hostService.address() as AddressInfo).port;
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([a?.destroy(), b?.destroy()]);
  hostService?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Run a script in a learner's sandbox as a terminal would: the cluster's environment, its own network. */
async function inSandbox(handle: ClusterHandle, learner: string, script: string, timeout = 30_000): Promise<string> {
  const homeDir = join(dataDir, learner, 'home');
  const env = shellEnvironment({ learnerId: learner, homeDir, clusterEnv: handle.shellEnv(), cols: 80, rows: 24 }, '/home/learner', toolDirs());
  const binds = bindsFor({ ...handle.shellEnv(), __tools: toolDirs().join(':') }, [dataDir]);
  const spec: SandboxSpec = { homeDir, env, binds: binds.map((p) => ({ source: p, target: p })) };
  const { uid } = prepareSandbox(spec);
  if (process.getuid?.() === 0) grantGroupRead(binds, handle.shellEnv(), uid);
  const gate = await NetworkGate.open({ dir: gateDirFor(), ports: () => handle.sandboxPorts!(), uid: process.getuid?.() === 0 ? uid : undefined });
  spec.network = { gateDir: gate.dir };
  const cmd = sandboxCommand(spec, ['/bin/bash', '-c', script]);
  try {
    return await new Promise((resolve) =>
      execFile(cmd.file, cmd.args, { env: cmd.env, timeout, encoding: 'utf8' }, (_e, out, err) => resolve(out + err)),
    );
  } finally {
    await gate.close();
  }
}

const port = (h: ClusterHandle) => Number(new URL(kubeServer(h)).port);
function kubeServer(h: ClusterHandle): string {
  return `https://127.0.0.1:${h.sandboxPorts!().tcp[0]}`;
}

it('reaches its own cluster: kubectl, and the simulated internet through curl', async () => {
  const out = await inSandbox(a, 'a', 'kubectl get ns default -o name; curl -s -o /dev/null -w "web=%{http_code}\\n" http://httpbin.org/get');
  expect(out).toContain('namespace/default');
  expect(out).toContain('web=200');
}, 60_000);

it('cannot reach another learner\'s API server or ingress, nor a host service, with or without LD_PRELOAD, nor with a static binary', async () => {
  const bApi = port(b);
  const bIngress = b.ingress.port;
  const out = await inSandbox(
    a,
    'a',
    [
      `curl -sk -m 3 -o /dev/null -w "b-api=%{http_code}\\n" https://127.0.0.1:${bApi}/version`,
      `curl -s -m 3 -o /dev/null -w "b-ingress=%{http_code}\\n" http://127.0.0.1:${bIngress}/`,
      `curl -s -m 3 -o /dev/null -w "host=%{http_code}\\n" http://127.0.0.1:${hostPort}/preload`,
      `env -u LD_PRELOAD curl -s -m 3 -o /dev/null -w "host-raw=%{http_code}\\n" http://127.0.0.1:${hostPort}/raw`,
      `env -u LD_PRELOAD curl -sk -m 3 -o /dev/null -w "b-api-raw=%{http_code}\\n" https://127.0.0.1:${bApi}/version`,
      `env -u LD_PRELOAD python3 -c "import socket; s=socket.socket(); s.settimeout(3); print('py-host', s.connect_ex(('127.0.0.1', ${hostPort})))"`,
      `kubectl --server https://127.0.0.1:${bApi} --insecure-skip-tls-verify --request-timeout 3s get ns 2>&1 | head -1 | sed 's/^/kubectl-b: /'`,
    ].join('; '),
  );
  expect(out).toContain('b-api=000');
  expect(out).toContain('b-ingress=000');
  expect(out).toContain('host=000');
  expect(out).toContain('host-raw=000');
  expect(out).toContain('b-api-raw=000');
  expect(out).toMatch(/py-host (111|11)\b/); // ECONNREFUSED (nothing listens in here)
  expect(out).toMatch(/kubectl-b: .*(refused|Unable to connect)/);
  expect(hostHits).toEqual([]);
}, 60_000);

it('/proc/net/tcp lists none of the other learner\'s or the host\'s ports', async () => {
  const hex = (p: number) => `:${p.toString(16).toUpperCase().padStart(4, '0')} `;
  const out = await inSandbox(a, 'a', 'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null');
  expect(out).not.toContain(hex(port(b)));
  expect(out).not.toContain(hex(hostPort));
  // Its own forwarded ports are there (listening inside its own namespace).
  expect(out).toContain(hex(port(a)));
}, 60_000);

it('a listener on the other learner\'s node port catches none of that learner\'s traffic', async () => {
  const bIngress = b.ingress.port;
  // A listens on B's ingress node port (as before B's gateway exists) and records what arrives...
  const listening = inSandbox(
    a,
    'a',
    `python3 -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', ${bIngress})); s.listen(); s.settimeout(6)
print('bound', flush=True)
try:
    c, _ = s.accept(); print('CAUGHT', c.recv(4096)[:200], flush=True)
except socket.timeout:
    print('nothing arrived', flush=True)
"`,
  );
  await new Promise((r) => setTimeout(r, 2000));
  // ...while B's checks (on the host) and B's own sandbox call B's ingress with a secret header.
  const curl = findTool('curl') ?? '/usr/bin/curl';
  await new Promise<void>((r) => execFile(curl, ['-s', '-m', '2', '-H', 'Authorization: Bearer b-secret', `http://127.0.0.1:${bIngress}/`], () => r()));
  await inSandbox(b, 'b', `curl -s -m 2 -H "Authorization: Bearer b-secret" http://127.0.0.1:${bIngress}/ >/dev/null; true`);
  const out = await listening;
  expect(out).toContain('bound');
  expect(out).toContain('nothing arrived');
  expect(out).not.toContain('b-secret');
}, 60_000);
