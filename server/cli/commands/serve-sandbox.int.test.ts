// "One network for everyone", replayed through a real `meshlab serve` as two browsers would use
// it: each learner has a session cookie, a terminal WebSocket and the lab routes. A listens on B's
// ingress node port before B's Gateway exists; B then builds the lab's route, and B's curl and
// B's Check reach B's gateway while A's listener catches nothing. From inside A's terminal, B's
// cluster ports, the site server's port and a service of the host are unreachable. And a home's
// disk quota (home-disk.ts) holds across files from a real terminal without touching the other's.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TERMINAL_WS_PATH } from '../../protocol/terminal.ts';
import { TestTerminalClient } from '../../terminals/testing/client.ts';
import { PROJECT_ROOT, findTool } from '../../tools/binaries.ts';
import { startServe, type ServeProcess } from '../serve-process.ts';

interface Browser {
  cookie: string;
  kubeconfig: string;
  apiPort: number;
  ingressPort: number;
  terminal: TestTerminalClient;
}

let dir: string;
let server: ServeProcess;
let hostService: Server;
let hostPort: number;
const hostHits: string[] = [];
let a: Browser;
let b: Browser;
let marks = 0;
const HOME_QUOTA_MB = 16;

async function browser(): Promise<Browser> {
  const page = await fetch(`${server.url}/docs/`);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  expect(cookie).toMatch(/^meshlab_session=/);
  const res = await fetch(`${server.url}/api/cluster`, { method: 'POST', headers: { cookie, origin: server.url } });
  const body = (await res.json()) as { id: string; ingress: { port: number }; error?: string };
  if (res.status !== 200) throw new Error(`cluster: ${res.status} ${body.error}`);
  const kubeconfig = join(dir, 'data', 'clusters', body.id, 'kubeconfig');
  const apiPort = Number(new URL(/server: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))![1]!).port);
  const terminal = await TestTerminalClient.open(`ws://127.0.0.1:${server.port}${TERMINAL_WS_PATH}`, { cookie, origin: server.url });
  terminal.send({ type: 'hello', cols: 200, rows: 50, lab: 'ingress-gateway' });
  await terminal.waitForMessage('ready', 60_000);
  await terminal.waitForText('$ ', 30_000);
  return { cookie, kubeconfig, apiPort, ingressPort: body.ingress.port, terminal };
}

/** Types a command line into a terminal and resolves with its output (up to a computed end mark the echo cannot contain). */
async function type(t: TestTerminalClient, line: string, timeoutMs = 30_000): Promise<string> {
  const n = ++marks;
  t.clear();
  t.type(`${line}; echo "END-$((${n}*1000+7))"\r`);
  const end = `END-${n * 1000 + 7}`;
  await t.waitForText(end, timeoutMs);
  return t.text.slice(0, t.text.lastIndexOf(end));
}

function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(findTool('kubectl'), ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kcache'), ...args], { cwd: PROJECT_ROOT, timeout: 150_000 }, (err, out, errOut) =>
      err ? reject(new Error(`kubectl ${args.join(' ')}: ${errOut || err.message}`)) : resolve(out),
    ),
  );
}

// A listener on B's node port that records whatever arrives, started in A's shell in the background.
const LISTENER = `
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", PORT))
s.listen()
print("bound", flush=True)
while True:
    c, _ = s.accept()
    print("CAUGHT", c.recv(4096)[:300], flush=True)
    c.close()
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshlab-serve-network-'));
  server = await startServe({ dataDir: join(dir, 'data'), args: ['--home-quota-mb', String(HOME_QUOTA_MB)] });
  // A service of the host (as a database on 5432 would be) that no sandbox may reach.
  hostService = createServer((req, res) => {
    hostHits.push(req.url ?? '');
    res.end('host service\n');
  });
  await new Promise<void>((r) => hostService.listen(0, '127.0.0.1', () => r()));
  hostPort = (hostService.address() as AddressInfo).port;
  [a, b] = await Promise.all([browser(), browser()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([a?.terminal.close(), b?.terminal.close()]);
  await server?.stop();
  hostService?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("A's listener on B's ingress node port gets none of B's traffic, and B's curl and Check reach B's gateway", async () => {
  const script = Buffer.from(LISTENER.replace('PORT', String(b.ingressPort))).toString('base64');
  const bound = await type(a.terminal, `echo ${script} | base64 -d > ~/listen.py && (python3 ~/listen.py > ~/caught.txt 2>&1 &) && sleep 1 && cat ~/caught.txt`);
  expect(bound).toContain('bound');

  // B builds the lab's route (namespace, httpbin, Gateway, VirtualService) after A listens.
  await kubectl(b.kubeconfig, ['create', 'namespace', 'bookinfo']);
  await kubectl(b.kubeconfig, ['label', 'namespace', 'bookinfo', 'istio-injection=enabled']);
  for (const f of ['httpbin.yaml', 'httpbin-gateway.yaml', 'httpbin-vs.yaml']) await kubectl(b.kubeconfig, ['-n', 'bookinfo', 'apply', '-f', join('labs', 'ingress-gateway', f)]);
  await kubectl(b.kubeconfig, ['-n', 'bookinfo', 'rollout', 'status', 'deployment/httpbin', '--timeout=120s']);

  const curl = await type(b.terminal, 'curl -s -o /dev/null -w "b-code=%{http_code}\\n" -H "Authorization: Bearer b-secret" http://$INGRESS_HOST:$INGRESS_PORT/status/200');
  expect(curl).toContain('b-code=200');
  const check = await fetch(`${server.url}/api/labs/ingress-gateway/steps/route-status-and-delay/check`, { method: 'POST', headers: { cookie: b.cookie, origin: server.url } });
  expect(check.status).toBe(200);
  const report = (await check.json()) as { passed: boolean };
  expect(report.passed, JSON.stringify(report)).toBe(true);

  const caught = await type(a.terminal, 'cat ~/caught.txt; pkill -f listen.py; true');
  expect(caught).toContain('bound');
  expect(caught).not.toContain('CAUGHT');
  expect(caught).not.toContain('b-secret');
}, 180_000);

it("from A's terminal, B's cluster ports, the site server and a host service are unreachable, A's own cluster is not", async () => {
  const probe = (name: string, url: string, raw = false) => `${raw ? 'env -u LD_PRELOAD ' : ''}curl -sk -m 3 -o /dev/null -w "${name}=%{http_code}\\n" ${url}`;
  const out = await type(
    a.terminal,
    [
      probe('b-api', `https://127.0.0.1:${b.apiPort}/version`),
      probe('b-ingress', `http://127.0.0.1:${b.ingressPort}/status/200`),
      probe('site', `http://127.0.0.1:${server.port}/healthz`),
      probe('host', `http://127.0.0.1:${hostPort}/proxied`),
      probe('host-raw', `http://127.0.0.1:${hostPort}/raw`, true),
      probe('site-raw', `http://127.0.0.1:${server.port}/healthz`, true),
      'kubectl get namespace default -o name',
    ].join('; '),
  );
  for (const name of ['b-api', 'b-ingress', 'site', 'host', 'host-raw', 'site-raw']) expect(out).toContain(`${name}=000`);
  expect(out).toContain('namespace/default');
  expect(hostHits).toEqual([]);
}, 60_000);

it.runIf(process.getuid?.() === 0)("writing past A's home quota fails with ENOSPC across many files, and B's home is unaffected", async () => {
  const fill = await type(a.terminal, 'for i in $(seq 1 40); do head -c 1048576 /dev/zero > ~/fill-$i || { echo "full after $((i-1)) files"; break; }; done; rm -f ~/fill-*', 60_000);
  expect(fill).toContain('No space left on device');
  const files = Number(/full after (\d+) files/.exec(fill)?.[1]);
  expect(files).toBeGreaterThan(HOME_QUOTA_MB / 2);
  expect(files).toBeLessThan(HOME_QUOTA_MB);
  const other = await type(b.terminal, 'head -c 8388608 /dev/zero > ~/mine && echo "b wrote $(($(stat -c %s ~/mine) / 1048576)) MiB"; rm -f ~/mine');
  expect(other).toContain('b wrote 8 MiB');
}, 90_000);
