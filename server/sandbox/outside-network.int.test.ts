// The operator's outside-network switch, through the real shell spawner: a terminal's own network
// namespace gets slirp4netns with the host's loopback disabled. With the switch on, an address of
// the host other than loopback (what "outside" can be tested as here: no real internet) answers,
// while loopback services of the host (a database, the site server) stay unreachable, through the
// gateway's address as well; the learner's cluster is still reached through the gate. With the
// switch off, nothing but the cluster answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDriver } from '../drivers/registry.ts';
import type { ClusterHandle } from '../drivers/types.ts';
import { createShellSpawner } from '../terminals/shell.ts';
import type { PtyLike } from '../terminals/terminal.ts';

let dataDir: string;
let cluster: ClusterHandle;
let anyAddress: Server;
let loopbackOnly: Server;
const hits: string[] = [];
/** A non-loopback IPv4 address of this host, if it has one. */
const hostAddress = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

function listen(host: string): Promise<Server> {
  const s = createServer((req, res) => {
    hits.push(`${host} ${req.url}`);
    res.end('host service\n');
  });
  return new Promise((r) => s.listen(0, host, () => r(s)));
}
const portOf = (s: Server) => (s.address() as AddressInfo).port;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'meshlab-outside-'));
  cluster = await (await createDriver('embedded', { dataDir })).create({ name: 'outside' });
  // A service on every address of the host (reachable from outside), and one on loopback only
  // (as meshlab serve and a local database listen by default).
  anyAddress = await listen('0.0.0.0');
  loopbackOnly = await listen('127.0.0.1');
}, 120_000);

afterAll(async () => {
  await cluster?.destroy();
  anyAddress?.close();
  loopbackOnly?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `script` in a real terminal shell with the switch as given; resolves with what it printed. */
async function inTerminal(outsideNetwork: boolean, script: string): Promise<string> {
  const spawn = createShellSpawner({ unsafeNoSandbox: false, protectedDirs: [dataDir], outsideNetwork });
  const pty: PtyLike = await spawn({ learnerId: 'outside', homeDir: join(dataDir, 'home'), clusterEnv: cluster.shellEnv(), cols: 200, rows: 50, sandboxPorts: () => cluster.sandboxPorts!() });
  let out = '';
  pty.onData((d) => (out += d.toString()));
  try {
    pty.write(`${script}; echo "DONE-$((6*7))"\r`);
    const deadline = Date.now() + 40_000;
    while (!out.includes('DONE-42')) {
      if (Date.now() > deadline) throw new Error(`no end mark: ${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return out;
  } finally {
    pty.kill();
  }
}

const probe = (name: string, url: string) => `env -u LD_PRELOAD curl -s -m 3 -o /dev/null -w "${name}=%{http_code}\\n" ${url}`;

function script(): string {
  return [
    probe('loopback', `http://127.0.0.1:${portOf(loopbackOnly)}/loopback`),
    probe('gateway', `http://10.0.2.2:${portOf(loopbackOnly)}/gateway`),
    probe('gateway-any', `http://10.0.2.2:${portOf(anyAddress)}/gateway-any`),
    ...(hostAddress ? [probe('outside', `http://${hostAddress}:${portOf(anyAddress)}/outside`)] : []),
    'kubectl get namespace default -o name',
  ].join('; ');
}

it('with the switch on: an outside address answers, the host\'s loopback services do not (not even through the gateway), the cluster does', async () => {
  hits.length = 0;
  const out = await inTerminal(true, script());
  expect(out).toContain('loopback=000');
  expect(out).toContain('gateway=000');
  expect(out).toContain('gateway-any=000');
  if (hostAddress) expect(out).toContain('outside=200');
  expect(out).toContain('namespace/default');
  expect(hits.filter((h) => !h.endsWith('/outside'))).toEqual([]);
}, 60_000);

it('with the switch off: only the cluster answers', async () => {
  hits.length = 0;
  const out = await inTerminal(false, script());
  for (const name of ['loopback', 'gateway', 'gateway-any', ...(hostAddress ? ['outside'] : [])]) expect(out).toContain(`${name}=000`);
  expect(out).toContain('namespace/default');
  expect(hits).toEqual([]);
}, 60_000);
