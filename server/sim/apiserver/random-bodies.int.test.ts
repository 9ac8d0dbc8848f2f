// Seeded random bodies for every served kind: valid templates with fields swapped for values of
// the wrong shape. The server may refuse them (4xx) or accept them, but never fail with 5xx, and
// whatever it stores must still be readable by kubectl-style clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from './testing/server.ts';
import { apiVersionOf } from './resources.ts';

let t: TestApiServer;

/** mulberry32: a small seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const TEMPLATES: Record<string, Record<string, unknown>> = {
  Pod: { spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: 'b' }] }] } },
  Service: { spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
  Deployment: { spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } },
  ConfigMap: { data: { a: 'b' } },
  Secret: { data: { a: 'Yg==' }, stringData: { b: 'c' } },
  VirtualService: { spec: { hosts: ['a'], gateways: ['g'], http: [{ match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'a', port: { number: 80 } }, weight: 100 }] }] } },
  DestinationRule: { spec: { host: 'a', subsets: [{ name: 'v1', labels: { version: 'v1' } }] } },
  Gateway: { spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } },
  ServiceEntry: { spec: { hosts: ['httpbin.org'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DNS', location: 'MESH_EXTERNAL' } },
  Namespace: {},
};

function randomValue(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (r < 0.15) return null;
  if (r < 0.3) return Math.floor(rand() * 100000) - 50000;
  if (r < 0.45) return ['', 'x', 'UPPER', '../..', 'a'.repeat(300), '$patch', '\u0000'][Math.floor(rand() * 7)];
  if (r < 0.55) return rand() < 0.5;
  if (r < 0.75 && depth < 3) return [randomValue(rand, depth + 1), randomValue(rand, depth + 1)];
  if (depth < 3) return { [['name', 'spec', 'a', '$patch', 'port'][Math.floor(rand() * 5)]!]: randomValue(rand, depth + 1) };
  return 'leaf';
}

/** Replaces one random node of the object (not the top level) with a random value. */
function mutate(obj: unknown, rand: () => number): void {
  const paths: { parent: any; key: string | number }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x, i) => (paths.push({ parent: v, key: i }), walk(x)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (paths.push({ parent: v, key: k }), walk(x));
  };
  walk(obj);
  const pick = paths[Math.floor(rand() * paths.length)];
  if (pick) pick.parent[pick.key] = randomValue(rand);
}

beforeAll(async () => {
  t = await startTestApiServer();
});

afterAll(async () => {
  await t?.close();
});

describe('random bodies', () => {
  it('never produce a server error, and stored objects stay well-formed', async () => {
    const rand = prng(20261125);
    const failures: string[] = [];
    for (const [kind, template] of Object.entries(TEMPLATES)) {
      const type = t.api.registry.types.find((x) => x.kind === kind)!;
      const version = type.versions[0]!;
      const base = type.group ? `/apis/${type.group}/${version}` : `/api/${version}`;
      const collection = type.namespaced ? `${base}/namespaces/default/${type.resource}` : `${base}/${type.resource}`;
      for (let i = 0; i < 25; i++) {
        const name = `${kind.toLowerCase()}-${i}`;
        const body: any = { apiVersion: apiVersionOf(type.group, version), kind, metadata: { name, labels: { app: 'x' } }, ...structuredClone(template) };
        mutate(body, rand);
        if (rand() < 0.5) mutate(body, rand);
        const created = await apiRequest(t.api, 'POST', `${collection}?fieldValidation=Strict`, body);
        if (created.status >= 500) failures.push(`POST ${kind}: ${created.status} ${JSON.stringify(created.body).slice(0, 200)} for ${JSON.stringify(body).slice(0, 300)}`);
        if (created.status !== 201) continue;
        const patch: any = structuredClone(template);
        mutate(patch, rand);
        for (const ct of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
          const r = await apiRequest(t.api, 'PATCH', `${collection}/${name}`, patch, ct);
          if (r.status >= 500) failures.push(`PATCH ${ct} ${kind}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)} for ${JSON.stringify(patch).slice(0, 300)}`);
        }
        const apply = await apiRequest(t.api, 'PATCH', `${collection}/${name}?fieldManager=fuzz&force=true`, JSON.stringify({ apiVersion: body.apiVersion, kind, metadata: { name }, ...patch }), 'application/apply-patch+yaml');
        if (apply.status >= 500) failures.push(`APPLY ${kind}: ${apply.status} ${JSON.stringify(apply.body).slice(0, 200)}`);
        const list = await apiRequest(t.api, 'GET', collection, undefined, 'application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io');
        if (list.status !== 200) failures.push(`GET table ${kind}: ${list.status} ${JSON.stringify(list.body).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    for (const [, items] of t.store.snapshot()) for (const o of items) expect(typeof o.metadata.name).toBe('string');
  }, 120_000);
});
