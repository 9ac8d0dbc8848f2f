// An API server that defends itself like a real one, through the real kubectl: object size
// limits, ResourceQuota and the cluster budget, LIST paging, the in-flight cap (429 +
// Retry-After) and the connection cap. Expected texts are kube-apiserver's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { kubectlRunner, type RunResult } from './testing/kubectl.ts';
import { apiRequest, startTestApiServer, type TestApiServer } from './testing/server.ts';

let t: TestApiServer;
let kubectl: (args: string[], opts?: { input?: string; timeoutMs?: number }) => Promise<RunResult>;

beforeAll(async () => {
  t = await startTestApiServer({ limits: { maxInFlight: 4, maxConnections: 32, objectBudget: { maxObjects: 200, maxBytes: 16 * 1024 * 1024 } } });
  kubectl = kubectlRunner(t.kubeconfigPath, t.dir);
});

afterAll(async () => {
  await t?.close();
});

const configMap = (name: string, ns: string, size = 10) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { k: 'x'.repeat(size) } });

describe('object size', () => {
  it('a 3 MB ConfigMap gets the real 422', async () => {
    const r = await kubectl(['create', '-f', '-'], { input: configMap('big', 'default', 3_000_000), timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('The ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes');
  });

  it('a body over 3 MiB gets 413 with the real message', async () => {
    const r = await kubectl(['create', '-f', '-'], { input: configMap('huge', 'default', 3_200_000), timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Request entity too large: limit is 3145728');
  });
});

describe('ResourceQuota', () => {
  it('a flood of objects hits the quota with the real Forbidden error, and get/describe show usage', async () => {
    await kubectl(['create', 'namespace', 'flood']);
    const q = await kubectl(['create', 'quota', 'small', '-n', 'flood', '--hard=configmaps=3,secrets=10']);
    expect(q.code, q.stderr).toBe(0);
    for (const name of ['a', 'b']) expect((await kubectl(['create', '-f', '-'], { input: configMap(name, 'flood') })).code).toBe(0);
    const third = await kubectl(['create', '-f', '-'], { input: configMap('c', 'flood') });

    expect(third.code, third.stderr).toBe(0);
    const over = await kubectl(['create', '-f', '-'], { input: configMap('d', 'flood') });
    expect(over.code).toBe(1);
    expect(over.stderr.trim()).toBe('Error from server (Forbidden): error when creating "STDIN": configmaps "d" is forbidden: exceeded quota: small, requested: configmaps=1, used: configmaps=3, limited: configmaps=3');
    await new Promise((r) => setTimeout(r, 50));
    const get = await kubectl(['get', 'resourcequota', '-n', 'flood']);
    expect(get.stdout).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT\nsmall\s+\d+s\s+configmaps: 3\/3, secrets: 0\/10\s*\n$/);
    const describe = await kubectl(['describe', 'quota', 'small', '-n', 'flood']);
    expect(describe.stdout).toBe('Name:       small\nNamespace:  flood\nResource    Used  Hard\n--------    ----  ----\nconfigmaps  3     3\nsecrets     0     10\n');
  });

  it('with no quota, the cluster budget answers the same way', async () => {
    await kubectl(['create', 'namespace', 'budget']);
    const used = t.api.quota.usedInCluster('meshlab.dev/objects');
    const docs = Array.from({ length: 200 - used + 1 }, (_, i) => configMap(`o${i}`, 'budget')).join('\n');
    const r = await kubectl(['create', '-f', '-'], { input: docs, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/configmaps "o\d+" is forbidden: exceeded quota: meshlab-cluster-budget, requested: meshlab\.dev\/objects=1, used: meshlab\.dev\/objects=200, limited: meshlab\.dev\/objects=200/);
    await kubectl(['delete', 'namespace', 'budget', '--wait=false']);
  }, 90_000);
});

describe('LIST paging', () => {
  beforeAll(async () => {
    await kubectl(['create', 'namespace', 'paged']);
    const docs = Array.from({ length: 25 }, (_, i) => configMap(`cm-${String(i).padStart(2, '0')}`, 'paged')).join('\n');
    expect((await kubectl(['create', '-f', '-'], { input: docs })).code).toBe(0);
  });

  it('limit and continue page the list; remainingItemCount says what is left', async () => {
    const first = await apiRequest(t.api, 'GET', '/api/v1/namespaces/paged/configmaps?limit=10');
    expect(first.body.items).toHaveLength(10);
    expect(first.body.metadata.remainingItemCount).toBe(15);
    const second = await apiRequest(t.api, 'GET', `/api/v1/namespaces/paged/configmaps?limit=10&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(second.body.items[0].metadata.name).toBe('cm-10');
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
  });

  it('kubectl get --chunk-size walks every page', async () => {
    const r = await kubectl(['get', 'configmaps', '-n', 'paged', '--chunk-size=4', '-o', 'name']);
    expect(r.stdout.trim().split('\n')).toEqual(Array.from({ length: 25 }, (_, i) => `configmap/cm-${String(i).padStart(2, '0')}`));
    const table = await kubectl(['get', 'configmaps', '-n', 'paged', '--chunk-size=4', '--no-headers']);
    expect(table.stdout.trim().split('\n')).toHaveLength(25);
  });
});

describe('in-flight and connection caps', () => {
  it('requests over the in-flight cap get 429 with Retry-After, as API Priority and Fairness answers', async () => {
    const url = new URL(t.api.url);
    // Requests whose bodies never finish hold their places.
    const held = Array.from({ length: 4 }, () => {
      const req = httpsRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/api/v1/namespaces/default/configmaps', ca: t.api.caPem, headers: { Authorization: `Bearer ${t.api.token}`, 'Content-Type': 'application/json', 'Content-Length': '1000' } });
      req.on('error', () => {});
      req.write('{');
      return req;
    });
    await new Promise((r) => setTimeout(r, 300));
    const r = await apiRequest(t.api, 'GET', '/api/v1/namespaces/default/configmaps');
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', message: 'Too many requests, please try again later.', code: 429, details: { retryAfterSeconds: 1 } });
    for (const req of held) req.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect((await apiRequest(t.api, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
  });

  it('idle connections past the cap are closed, and a new client still gets through', async () => {
    const url = new URL(t.api.url);
    const sockets: Socket[] = [];
    for (let i = 0; i < 300; i++) {
      const s = connect(Number(url.port), url.hostname);
      s.on('error', () => {});
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(t.api.load.connections).toBeLessThanOrEqual(32);
    const r = await apiRequest(t.api, 'GET', '/api/v1/namespaces');
    expect(r.status).toBe(200);
    for (const s of sockets) s.destroy();
  });
});
