// Embedded API server numbers on this machine: time to a listening server, memory per idle
// server, and requests per second of `kubectl get pods`-shaped Table reads over HTTPS keep-alive.
// Prints numbers; asserts nothing.
import { Agent, request } from 'node:https';
import { ObjectStore } from '../server/sim/store/object-store.ts';
import { LogBook } from '../server/sim/logs/log-book.ts';
import { ApiServer } from '../server/sim/apiserver/api-server.ts';
import { tlsMaterial } from '../server/sim/apiserver/tls.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function seed(store: ObjectStore, pods: number): void {
  store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' }, status: { phase: 'Active' } });
  for (let i = 0; i < pods; i++) {
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `httpbin-7d8f9c-${i}`, namespace: 'default', labels: { app: 'httpbin' } },
      spec: { nodeName: 'meshlab-control-plane', containers: [{ name: 'httpbin', image: 'mccutchen/go-httpbin' }] },
      status: { phase: 'Running', podIPs: [{ ip: `10.244.0.${i + 2}` }], containerStatuses: [{ name: 'httpbin', ready: true, restartCount: 0, state: { running: {} } }] },
    });
  }
}

async function startOne(): Promise<ApiServer> {
  const store = new ObjectStore();
  seed(store, 3);
  const api = new ApiServer({ store, logs: new LogBook(), clusterName: 'bench' });
  await api.listen();
  return api;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  tlsMaterial();
  console.log(`process-wide CA and serving key: ${(performance.now() - t0).toFixed(0)} ms (once per process)`);

  const starts: number[] = [];
  const warm: ApiServer[] = [];
  for (let i = 0; i < 15; i++) {
    const s = performance.now();
    warm.push(await startOne());
    starts.push(performance.now() - s);
  }
  console.log(`start to listening (median of ${starts.length}): ${median(starts).toFixed(1)} ms`);
  await Promise.all(warm.map((a) => a.close()));

  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const idle: ApiServer[] = [];
  for (let i = 0; i < 20; i++) idle.push(await startOne());
  global.gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(`heap per idle API server (20 servers${global.gc ? '' : ', no --expose-gc'}): ${((after - before) / 20 / 1024 / 1024).toFixed(2)} MB`);
  await Promise.all(idle.map((a) => a.close()));

  const store = new ObjectStore();
  seed(store, 20);
  const api = new ApiServer({ store, logs: new LogBook(), clusterName: 'bench' });
  await api.listen();
  const url = new URL(api.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: api.caPem });
  const get = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/api/v1/namespaces/default/pods?limit=500', agent, headers: { Authorization: `Bearer ${api.token}`, Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
  for (let i = 0; i < 200; i++) await get();
  const durationMs = 3000;
  let count = 0;
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        await get();
        count++;
      }
    }),
  );
  console.log(`get pods (Table, 20 pods, 8 keep-alive connections): ${Math.round(count / (durationMs / 1000))} requests/s`);
  agent.destroy();
  await api.close();
}

await main();
