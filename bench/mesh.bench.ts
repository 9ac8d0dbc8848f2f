// The embedded mesh's data path on this machine: requests per second and latency percentiles
// through the ingress gateway to an httpbin pod on loopback (keep-alive client, fixed
// concurrency), and the time from a VirtualService write in the store to the first request that
// sees it. Prints numbers; asserts nothing.
import { Agent, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedCluster } from '../server/sim/cluster.ts';
import { meshAddon, meshOf, workloadRuntime } from '../server/sim/mesh/mesh-addon.ts';
import type { KubeObject } from '../server/sim/store/object-store.ts';

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

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'meshlab-mesh-bench-'));
  for (const propagationMs of [100, 0]) {
    const cluster = await EmbeddedCluster.start({
      dataDir: work,
      timing: { podScheduleMs: 5, podStartMs: 5, podReadyMs: 5 },
      podRuntime: workloadRuntime,
      addons: [meshAddon()],
      meshPropagationMs: propagationMs,
    });
    const mesh = meshOf(cluster.store)!;
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

    if (propagationMs === 100) {
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
      const ingressPod = store.list('pods').items.find((p) => p.metadata.labels?.istio === 'ingressgateway')!;
      const call = { proxy: { kind: 'gateway' as const, namespace: ingressPod.metadata.namespace ?? 'istio-system', labels: ingressPod.metadata.labels }, port: 80, authority: 'httpbin.example.com', path: '/status/200' };
      for (let i = 0; i < 1000; i++) mesh.simulate(call, ingressPod);
      const calls = 20_000;
      const ts = performance.now();
      for (let i = 0; i < calls; i++) mesh.simulate(call, ingressPod);
      const perCall = ((performance.now() - ts) * 1000) / calls;
      console.log(`simulate(): one call through the ingress gateway's tables (no sockets), ${calls} calls: ${perCall.toFixed(1)} µs per call`);
      console.log(`ingress → httpbin /status/200, ${REQUESTS} requests, concurrency ${CONCURRENCY}: ${(REQUESTS / secs).toFixed(0)} req/s, p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, errors ${errors}`);
    }

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
    samples.sort((a, b) => a - b);
    console.log(`VirtualService store write → first request routed by it (propagationDelayMs ${propagationMs}, 10 writes): median ${percentile(samples, 50).toFixed(1)} ms, max ${samples[samples.length - 1]!.toFixed(1)} ms`);
    agent.destroy();
    await cluster.stop();
  }
  await rm(work, { recursive: true, force: true });
}

await main();
