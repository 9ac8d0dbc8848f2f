// One server, many strangers: a real `meshlab serve` (free port, throwaway data directory) with a
// quiet learner Q and a flooding learner F. Prints the cost per learner (memory as PSS and RSS of
// the server and everything below it, and processes) with a cluster, then with a terminal open too and the latency of Q's `kubectl get pods` (the real kubectl, and the same Table read
// over HTTPS) and of Q's ingress, first with no flood, then while F holds idle connections to its
// API server, fills its cluster with objects and LISTs them (some of its clients never read).
// Prints numbers measured in this run; asserts nothing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServe } from '../server/cli/serve-process.ts';
import { processTree, pssOf, rssOf } from './process-memory.ts';
import { PROJECT_ROOT, findTool } from '../server/tools/binaries.ts';
import { TERMINAL_WS_PATH } from '../server/protocol/terminal.ts';
import { TestTerminalClient } from '../server/terminals/testing/client.ts';

const LEARNERS_FOR_COST = 4;
const FLOOD_SECONDS = 15;
const IDLE_CONNECTIONS = 5000;

spawnSync('prlimit', ['--pid', String(process.pid), '--nofile=65536:65536'], { stdio: 'ignore' });

if (process.argv[2] === 'flood') {
  const spec = JSON.parse(process.argv[3]!) as { api: string; token: string };
  await runFlood({ api: new URL(spec.api), token: spec.token });
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'meshlab-bench-isolation-'));
const dataDir = join(dir, 'data');
const server = await startServe({ dataDir, args: ['--clusters-per-session-per-minute', '10'], inheritStderr: true });
const base = server.url;
const child = server.child;
process.on('exit', () => {
  if (child.exitCode === null) child.kill('SIGTERM');
});

const memory = () => processTree(child.pid!).reduce((sum, p) => sum + rssOf(p), 0);
const proportional = () => processTree(child.pid!).reduce((sum, p) => sum + pssOf(p), 0);
const snapshot = () => ({ rss: memory(), pss: proportional(), processes: processTree(child.pid!).length });

interface LearnerEnv {
  cookie: string;
  kubeconfig: string;
  api: URL;
  token: string;
  ingress: { host: string; port: number };
}

async function learner(): Promise<LearnerEnv> {
  const page = await fetch(`${base}/docs/`);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  const res = await fetch(`${base}/api/cluster`, { method: 'POST', headers: { cookie, origin: base } });
  const body = (await res.json()) as { id: string; ingress: { host: string; port: number }; error?: string };
  if (!res.ok) throw new Error(`cluster: ${body.error}`);
  const kubeconfig = join(dataDir, 'clusters', body.id, 'kubeconfig');
  const text = readFileSync(kubeconfig, 'utf8');
  return { cookie, kubeconfig, api: new URL(/server: (\S+)/.exec(text)![1]!), token: /token: (\S+)/.exec(text)![1]!, ingress: body.ingress };
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
const mb1 = (n: number) => (n / 1024 / 1024).toFixed(1);
const baseline = snapshot();
const learners: LearnerEnv[] = [];
for (let i = 0; i < LEARNERS_FOR_COST; i++) learners.push(await learner());
await new Promise((r) => setTimeout(r, 2000));
const loaded = snapshot();
console.log(`server alone: ${mb(baseline.rss)} MB RSS, ${mb(baseline.pss)} MB PSS, ${baseline.processes} processes`);
const perLearner = (from: typeof baseline, to: typeof baseline) =>
  `${mb1((to.pss - from.pss) / LEARNERS_FOR_COST)} MB PSS (${mb1((to.rss - from.rss) / LEARNERS_FOR_COST)} MB RSS), ${((to.processes - from.processes) / LEARNERS_FOR_COST).toFixed(1)} processes`;
console.log(`per learner with a cluster (${LEARNERS_FOR_COST} learners, no terminal open): ${perLearner(baseline, loaded)}`);
// One terminal each (a sandbox with its network gate's forwarders and an interactive bash), as a
// learner on a lab page has it, after the shell's first command ran (kubectl completion not loaded).
const terminals: TestTerminalClient[] = [];
for (const l of learners) {
  const t = await TestTerminalClient.open(`${base.replace('http', 'ws')}${TERMINAL_WS_PATH}`, { cookie: l.cookie, origin: base });
  t.send({ type: 'hello', cols: 120, rows: 40 });
  await t.waitForMessage('ready', 60_000);
  await t.waitForText('$ ', 30_000);
  t.type('kubectl get pods -A >/dev/null; echo "ran-$((40+2))"\r');
  await t.waitForText('ran-42', 30_000);
  terminals.push(t);
}
await new Promise((r) => setTimeout(r, 2000));
const withTerminals = snapshot();
console.log(`per learner with a cluster and one terminal: ${perLearner(baseline, withTerminals)}; the terminal alone: ${perLearner(loaded, withTerminals)}`);
const peakShell = Math.max(...processTree(child.pid!).map(pssOf));
console.log(`largest single process below the server while terminals are open: ${mb1(peakShell)} MB PSS (the server itself included)`);

const [quiet, flooder] = learners as [LearnerEnv, LearnerEnv];
const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
const kubectl = findTool('kubectl');

function tableRead(l: LearnerEnv): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: l.api.hostname, port: l.api.port, path: '/api/v1/namespaces/default/pods?limit=500', agent, headers: { Authorization: `Bearer ${l.token}`, Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - t));
    });
    req.on('error', reject);
    req.end();
  });
}

function kubectlGetPods(l: LearnerEnv): number {
  const t = performance.now();
  spawnSync(kubectl, ['--kubeconfig', l.kubeconfig, '--cache-dir', join(dir, 'kcache'), 'get', 'pods'], { stdio: 'ignore' });
  return performance.now() - t;
}

function ingressRequest(l: LearnerEnv): Promise<number> {
  const t = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest({ host: l.ingress.host, port: l.ingress.port, path: '/', headers: { host: 'example.com' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - t));
    });
    req.on('error', () => resolve(performance.now() - t));
    req.end();
  });
}

function pct(xs: number[], p: number): string {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(1);
}

async function measure(label: string, seconds: number): Promise<void> {
  const reads: number[] = [];
  const ingress: number[] = [];
  const kubectls: number[] = [];
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    reads.push(await tableRead(quiet));
    ingress.push(await ingressRequest(quiet));
    if (reads.length % 3 === 0) kubectls.push(kubectlGetPods(quiet));
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(`${label}: Q's kubectl get pods p50 ${pct(kubectls, 50)} ms, p99 ${pct(kubectls, 99)} ms (${kubectls.length} runs); its Table read p50 ${pct(reads, 50)} ms, p99 ${pct(reads, 99)} ms (${reads.length}); ingress p50 ${pct(ingress, 50)} ms, p99 ${pct(ingress, 99)} ms`);
}

await measure('no flood', 8);

// F's flood runs in a process of its own, so its client work does not slow Q's measurements.
const flood = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'run-ts.mjs'), fileURLToPath(import.meta.url), 'flood', JSON.stringify({ api: flooder.api.href, token: flooder.token })], { stdio: ['ignore', 'pipe', 'inherit'] });
let floodOut = '';
flood.stdout!.on('data', (d: Buffer) => (floodOut += d.toString()));
await new Promise((r) => setTimeout(r, 1500));
const peak = { rss: 0 };
const sampler = setInterval(() => (peak.rss = Math.max(peak.rss, memory())), 250);
await measure(`during F's flood (${IDLE_CONNECTIONS} idle connections, object and LIST flood, 4 stalled readers)`, FLOOD_SECONDS - 3);
clearInterval(sampler);
await new Promise((r) => flood.once('exit', r));
const counts = JSON.parse(floodOut.trim().split('\n').pop() ?? '{}') as Record<string, number>;
console.log(`F's flood: ${counts.created} ConfigMaps created, ${counts.refused} refused (quota or budget), ${counts.lists} LISTs answered, ${counts.tooMany} answered 429; server peak ${mb(peak.rss)} MB RSS (${mb(loaded.rss)} MB before)`);

await Promise.allSettled(terminals.map((t) => t.close()));
await server.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);

/** The flooding learner's client (the `flood` mode of this file). */
async function runFlood(flooder: { api: URL; token: string }): Promise<void> {
  let stop = false;
  setTimeout(() => (stop = true), FLOOD_SECONDS * 1000);
// F's flood: idle connections, 100 KB ConfigMaps until its budget refuses, LISTs of them, and
// clients that ask for the list and never read.
const sockets: Socket[] = [];
for (let i = 0; i < IDLE_CONNECTIONS; i++) {
  const s = connect(Number(flooder.api.port), flooder.api.hostname);
  s.on('error', () => {});
  sockets.push(s);
}
const counts = { created: 0, refused: 0, lists: 0, tooMany: 0 };
function floodRequest(method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpsRequest({ host: flooder.api.hostname, port: flooder.api.port, method, path, rejectUnauthorized: false, headers: { Authorization: `Bearer ${flooder.token}`, 'Content-Type': 'application/json', ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}
const writers = Array.from({ length: 4 }, async (_, w) => {
  for (let i = 0; !stop; i++) {
    const status = await floodRequest('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `f${w}-${i}` }, data: { k: 'x'.repeat(100_000) } }));
    if (status === 201) counts.created++;
    else if (status === 429) counts.tooMany++;
    else counts.refused++;
  }
});
const listers = Array.from({ length: 2 }, async () => {
  while (!stop) {
    const status = await floodRequest('GET', '/api/v1/configmaps');
    if (status === 429) counts.tooMany++;
    else counts.lists++;
  }
});
const stalled = Array.from({ length: 4 }, () => {
  const s = connect(Number(flooder.api.port), flooder.api.hostname);
  s.on('error', () => {});
  // A TLS client that never reads: the request is sent through a TLS socket paused after writing.
  const req = httpsRequest({ host: flooder.api.hostname, port: flooder.api.port, path: '/api/v1/configmaps', rejectUnauthorized: false, headers: { Authorization: `Bearer ${flooder.token}` } }, (res) => res.pause());
  req.on('error', () => {});
  req.end();
  sockets.push(s);
  return req;
});
await Promise.all([...writers, ...listers]);
for (const s of sockets) s.destroy();
for (const r of stalled) r.destroy();
console.log(JSON.stringify(counts));

}
