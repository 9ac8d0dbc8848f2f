// Embedded cluster: time from start() to ready (API listening, bootstrap pods Running), and
// memory per idle cluster. Targets (issue 4): ready <= 300 ms median, <= 20 MB per idle cluster.
// Run with --expose-gc (npm run bench does) so memory is measured after a collection.
//   node --expose-gc bin/run-ts.mjs bench/cluster.bench.ts [runs] [idle-clusters] [bare|full]
// Without a mode it runs each mode in a process of its own, so one mode's garbage does not skew
// the other's memory numbers.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedCluster, type EmbeddedClusterOptions } from '../server/sim/cluster.ts';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';
import { fullClusterOptions } from '../server/drivers/embedded/composition.ts';
import { acquireSimulatedInternet } from '../server/sim/world/simulated-internet.ts';

const runs = Number(process.argv[2] ?? 15);
const idle = Number(process.argv[3] ?? 20);
const mode = process.argv[4];
if (mode !== 'bare' && mode !== 'full') {
  for (const m of ['bare', 'full']) {
    const r = spawnSync(process.execPath, ['--expose-gc', join(PROJECT_ROOT, 'bin', 'run-ts.mjs'), fileURLToPath(import.meta.url), String(runs), String(idle), m], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  process.exit(0);
}
const dataDir = await mkdtemp(join(tmpdir(), 'meshlab-bench-'));
const gc = (globalThis as { gc?: () => void }).gc;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function settleMemory(): Promise<{ heap: number; rss: number }> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

// The simulated internet is shared by all clusters of a process and stops with the last one; a
// server keeps it up, so hold a lease for the whole run and time its own start apart.
const t0 = performance.now();
const worldLease = await acquireSimulatedInternet();
console.log(`simulated internet start (once per process): ${(performance.now() - t0).toFixed(0)} ms`);

try {
  for (const [label, optionsFor] of (
    [
      ['bare', 'bare (API server, controllers, preinstalled objects)', (): EmbeddedClusterOptions => ({ dataDir })],
      ['full', 'full (plus workloads, mesh, simulated internet, exec)', (): EmbeddedClusterOptions => fullClusterOptions({ dataDir })],
    ] as const
  )
    .filter(([m]) => m === mode)
    .map(([, l, f]) => [l, f] as const)) {
    console.log(`\n${label}`);
    // The first start pays for TLS material, the simulated internet and module loading; report it apart.
    let t = performance.now();
    await (await EmbeddedCluster.start(optionsFor())).stop();
    const cold = performance.now() - t;

    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      const c = await EmbeddedCluster.start(optionsFor());
      times.push(performance.now() - t);
      await c.stop();
    }
    console.log(`  start → ready, first cluster (cold):  ${cold.toFixed(0)} ms`);
    console.log(`  start → ready, median of ${runs}:        ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}; target <= 300 ms)`);

    if (!gc) console.log('  (run with --expose-gc for memory numbers after collection)');
    const base = await settleMemory();
    const clusters: EmbeddedCluster[] = [];
    for (let i = 0; i < idle; i++) clusters.push(await EmbeddedCluster.start(optionsFor()));
    await new Promise((r) => setTimeout(r, 500));
    const loaded = await settleMemory();
    console.log(`  idle clusters: ${idle}`);
    console.log(`  heap per idle cluster:  ${mb((loaded.heap - base.heap) / idle)} MB`);
    console.log(`  RSS per idle cluster:   ${mb((loaded.rss - base.rss) / idle)} MB (target <= 20 MB)`);
    console.log(`  objects per cluster:    ${[...clusters[0]!.store.snapshot().values()].reduce((n, items) => n + items.length, 0)}`);
    await Promise.all(clusters.map((c) => c.stop()));

    // Reset after a small lab: a namespace with an injected two-replica deployment and a service.
    const c = await EmbeddedCluster.start({ ...optionsFor(), timing: { podScheduleMs: 0, podStartMs: 0, podReadyMs: 0 } });
    const resets: number[] = [];
    for (let i = 0; i < 5; i++) {
      c.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab', labels: { 'istio-injection': 'enabled' } } });
      c.store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'lab' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] } });
      c.store.create('apps/deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'lab' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
      });
      for (let w = 0; w < 200 && (c.store.get('apps/deployments', 'lab', 'web')?.status as { availableReplicas?: number } | undefined)?.availableReplicas !== 2; w++) await new Promise((r) => setTimeout(r, 10));
      t = performance.now();
      await c.reset();
      resets.push(performance.now() - t);
    }
    console.log(`  reset after a small lab, median of 5: ${median(resets).toFixed(0)} ms`);
    await c.stop();
  }
} finally {
  await worldLease.release();
  await rm(dataDir, { recursive: true, force: true });
}
