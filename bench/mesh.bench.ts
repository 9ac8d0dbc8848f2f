// The embedded mesh's data path on this machine: requests per second and latency percentiles
// through the ingress gateway to an httpbin pod on loopback (keep-alive client, fixed
// concurrency), before and after the proxies carried out simulate() results, in one run: the
// "before" is the mesh at commit BEFORE_REDESIGN (its server/ tree taken from git into a temporary
// directory), measured alternately with this checkout's, 3 rounds each. Then the cost of one
// simulate() call, and the time from a VirtualService write in the store to the first request
// that sees it. Prints numbers; asserts nothing.
import { Agent, request } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EmbeddedCluster } from '../server/sim/cluster.ts';
import { meshAddon, workloadRuntime } from '../server/sim/mesh/mesh-addon.ts';
import type { MeshDataPlane } from '../server/sim/mesh/mesh-data-plane.ts';
import type { KubeObject } from '../server/sim/store/object-store.ts';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';

/** The last commit whose proxies re-read VirtualService objects per request (before the redesign). */
const BEFORE_REDESIGN = 'e142ba6';
const ROUNDS = 3;

const CONCURRENCY = 16;
const REQUESTS = 4000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function get(port: number, path: string, agent: Agent, host = 'httpbin.example.com'): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, agent, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    r.on('error', reject);
    r.end();
  });
}

const vs = (marker: string): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'httpbin', namespace: 'default' },
  spec: {
    hosts: ['httpbin.example.com'],
    gateways: ['httpbin-gateway'],
    http: [{ headers: { response: { set: { 'x-config': marker } } }, route: [{ destination: { host: 'httpbin', port: { number: 8000 } } }] }],
  },
});

interface MeshModules {
  EmbeddedCluster: typeof EmbeddedCluster;
  meshAddon: typeof meshAddon;
  /** How the tree before found a cluster's mesh (by its store); today's cluster has a `mesh` field. */
  meshOf?: (store: object) => MeshDataPlane | undefined;
  workloadRuntime: typeof workloadRuntime;
}

const CURRENT: MeshModules = { EmbeddedCluster, meshAddon, workloadRuntime };

/** The mesh at BEFORE_REDESIGN, loaded from its own server/ tree (undefined when git cannot give it). */
async function loadBefore(work: string): Promise<MeshModules | undefined> {
  const root = join(work, 'before');
  try {
    await mkdir(root, { recursive: true });
    execFileSync('sh', ['-c', `git -C "$0" archive ${BEFORE_REDESIGN} server package.json | tar -x -C "$1"`, PROJECT_ROOT, root]);
    await symlink(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
  } catch (err) {
    console.log(`before (${BEFORE_REDESIGN}): not measured, git could not give its tree (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
  const cluster = (await import(pathToFileURL(join(root, 'server/sim/cluster.ts')).href)) as { EmbeddedCluster: typeof EmbeddedCluster };
  const addon = (await import(pathToFileURL(join(root, 'server/sim/mesh/mesh-addon.ts')).href)) as Pick<MeshModules, 'meshAddon' | 'meshOf' | 'workloadRuntime'>;
  return { EmbeddedCluster: cluster.EmbeddedCluster, ...addon };
}

async function startCluster(m: MeshModules, work: string, propagationMs: number) {
  const cluster = await m.EmbeddedCluster.start({
    dataDir: work,
    timing: { podScheduleMs: 5, podStartMs: 5, podReadyMs: 5 },
    podRuntime: m.workloadRuntime,
    addons: [m.meshAddon()],
    meshPropagationMs: propagationMs,
  });
  const store = cluster.store;
  store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'default' }, spec: { selector: { app: 'httpbin' }, ports: [{ name: 'http', port: 8000, targetPort: 8080, protocol: 'TCP' }], clusterIP: '10.96.200.10', type: 'ClusterIP' } });
  store.create('apps/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'httpbin', namespace: 'default' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'httpbin' } }, template: { metadata: { labels: { app: 'httpbin' } }, spec: { containers: [{ name: 'httpbin', image: 'docker.io/mccutchen/go-httpbin:v2.15.0', ports: [{ containerPort: 8080 }] }] } } },
  });
  store.create('networking.istio.io/gateways', { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'httpbin-gateway', namespace: 'default' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } });
  store.create('networking.istio.io/virtualservices', vs('0'));
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const port = cluster.ingress.port;
  for (let i = 0; i < 400; i++) {
    const r = await get(port, '/status/200', agent).catch(() => ({ status: 0 }));
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 25));
  }
  const mesh = cluster.mesh ?? m.meshOf?.(store);
  if (!mesh) throw new Error('the cluster started without its mesh');
  return { cluster, agent, port, mesh };
}

interface IngressNumbers {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  simulateUs: number;
}

/** REQUESTS through the ingress gateway at CONCURRENCY, then the cost of one simulate() call. */
async function measureIngress(m: MeshModules, work: string): Promise<IngressNumbers> {
  const { cluster, agent, port, mesh } = await startCluster(m, work, 100);
  for (let i = 0; i < 200; i++) await get(port, '/status/200', agent); // warm-up
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        const s = performance.now();
        const r = await get(port, '/status/200', agent).catch(() => ({ status: 0 }));
        if (r.status !== 200) errors++;
        latencies.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const ingressPod = cluster.store.list('pods').items.find((p) => p.metadata.labels?.istio === 'ingressgateway')!;
  const call = { proxy: { kind: 'gateway' as const, namespace: ingressPod.metadata.namespace ?? 'istio-system', labels: ingressPod.metadata.labels }, port: 80, authority: 'httpbin.example.com', path: '/status/200' };
  for (let i = 0; i < 1000; i++) mesh.simulate(call, ingressPod);
  const calls = 20_000;
  const ts = performance.now();
  for (let i = 0; i < calls; i++) mesh.simulate(call, ingressPod);
  const simulateUs = ((performance.now() - ts) * 1000) / calls;
  agent.destroy();
  await cluster.stop();
  return { rps: REQUESTS / secs, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, simulateUs };
}

function line(label: string, n: IngressNumbers): string {
  return `${label}: ${n.rps.toFixed(0)} req/s, p50 ${n.p50.toFixed(2)} ms, p99 ${n.p99.toFixed(2)} ms, errors ${n.errors}, simulate() ${n.simulateUs.toFixed(1)} µs per call`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'meshlab-mesh-bench-'));
  const before = await loadBefore(work);
  const runs: { before: IngressNumbers[]; after: IngressNumbers[] } = { before: [], after: [] };
  console.log(`ingress → httpbin /status/200, ${REQUESTS} requests, concurrency ${CONCURRENCY}, ${ROUNDS} rounds alternating before (${BEFORE_REDESIGN}) and after (this checkout):`);
  for (let round = 1; round <= ROUNDS; round++) {
    if (before) {
      const b = await measureIngress(before, work);
      runs.before.push(b);
      console.log(line(`  round ${round} before`, b));
    }
    const a = await measureIngress(CURRENT, work);
    runs.after.push(a);
    console.log(line(`  round ${round} after `, a));
  }
  const summary = (xs: IngressNumbers[]) => ({ rps: median(xs.map((x) => x.rps)), p99: median(xs.map((x) => x.p99)), simulateUs: median(xs.map((x) => x.simulateUs)) });
  const a = summary(runs.after);
  if (runs.before.length) {
    const b = summary(runs.before);
    console.log(`median before: ${b.rps.toFixed(0)} req/s, p99 ${b.p99.toFixed(2)} ms; median after: ${a.rps.toFixed(0)} req/s, p99 ${a.p99.toFixed(2)} ms (req/s ${(((a.rps - b.rps) / b.rps) * 100).toFixed(1)}%, p99 ${(((a.p99 - b.p99) / b.p99) * 100).toFixed(1)}%)`);
  }
  console.log(`simulate(): one call through the ingress gateway's tables (no sockets), median of ${ROUNDS} × 20000 calls: ${a.simulateUs.toFixed(1)} µs per call`);

  for (const propagationMs of [100, 0]) {
    const { cluster, agent, port } = await startCluster(CURRENT, work, propagationMs);
    const store = cluster.store;
    const samples: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const current = store.get('networking.istio.io/virtualservices', 'default', 'httpbin')!;
      const t = performance.now();
      store.update('networking.istio.io/virtualservices', { ...current, spec: vs(String(i)).spec });
      for (;;) {
        const r = await get(port, '/status/200', agent);
        if (r.headers['x-config'] === String(i)) break;
      }
      samples.push(performance.now() - t);
    }
    samples.sort((x, y) => x - y);
    console.log(`VirtualService store write → first request routed by it (propagationDelayMs ${propagationMs}, 10 writes): median ${percentile(samples, 50).toFixed(1)} ms, max ${samples[samples.length - 1]!.toFixed(1)} ms`);
    agent.destroy();
    await cluster.stop();
  }
  await rm(work, { recursive: true, force: true });
}

await main();
