// Hostile and malformed requests: every one gets an HTTP answer (never a crash or a hang),
// nothing succeeds that should not, and the store is exactly as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type RequestOptions } from 'node:https';
import { startTestApiServer, type TestApiServer } from './testing/server.ts';

let t: TestApiServer;

/** The store's objects; resources with no objects are left out (reads may create empty buckets). */
function objects() {
  return new Map([...t.store.snapshot()].filter(([, items]) => items.length > 0));
}

interface Probe {
  name: string;
  method: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
  auth?: boolean;
  headers?: Record<string, string>;
  /** Acceptable status codes; every probe must be refused (4xx) unless listed otherwise. */
  expect?: number[];
}

function send(p: Probe): Promise<{ status: number; body: string }> {
  const url = new URL(t.api.url);
  const headers: Record<string, string> = { Accept: 'application/json', ...(p.headers ?? {}) };
  if (p.auth !== false) headers.Authorization = `Bearer ${t.api.token}`;
  if (p.contentType) headers['Content-Type'] = p.contentType;
  if (p.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(p.body));
  const opts: RequestOptions = { host: url.hostname, port: url.port, path: p.path, method: p.method, headers, ca: t.api.caPem, timeout: 10_000 };
  return new Promise((resolve, reject) => {
    const req = request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${p.name}`)));
    req.on('error', reject);
    if (p.body !== undefined) req.end(p.body);
    else req.end();
  });
}

const deep = '['.repeat(5000) + ']'.repeat(5000);
const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n`;
const pod = (name: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, ...extra });

const probes: Probe[] = [
  { name: 'no token', method: 'GET', path: '/api/v1/pods', auth: false, expect: [401] },
  { name: 'no token write', method: 'POST', path: '/api/v1/namespaces/default/pods', auth: false, body: pod('x'), contentType: 'application/json', expect: [401] },
  { name: 'malformed json', method: 'POST', path: '/api/v1/namespaces/default/pods', body: '{"apiVersion":', contentType: 'application/json', expect: [400] },
  { name: 'json array', method: 'POST', path: '/api/v1/namespaces/default/pods', body: '[1,2]', contentType: 'application/json', expect: [400] },
  { name: 'json string', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: '"x"', contentType: 'application/json', expect: [400] },
  { name: 'empty body', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: '', contentType: 'application/json', expect: [400] },
  { name: 'deeply nested json', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"d"},"x":${deep}}`, contentType: 'application/json', expect: [400] },
  { name: 'yaml alias bomb', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: bomb, contentType: 'application/yaml', expect: [400] },
  { name: 'malformed yaml', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: 'a: [\n', contentType: 'application/yaml', expect: [400] },
  { name: 'huge body', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: Buffer.alloc(4 * 1024 * 1024, 0x61), contentType: 'application/json', expect: [413] },
  { name: 'unknown content type', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: 'x', contentType: 'text/html', expect: [415] },
  { name: 'protobuf garbage', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: Buffer.from([0x6b, 0x38, 0x73, 0, 0xff, 0xff, 0xff, 0x0f, 1, 2]), contentType: 'application/vnd.kubernetes.protobuf', expect: [400] },
  { name: 'protobuf without magic', method: 'POST', path: '/api/v1/namespaces', body: Buffer.from([1, 2, 3]), contentType: 'application/vnd.kubernetes.protobuf', expect: [400] },
  { name: 'kind mismatch', method: 'POST', path: '/api/v1/namespaces/default/pods', body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }), contentType: 'application/json', expect: [400] },
  { name: 'apiVersion mismatch', method: 'POST', path: '/api/v1/namespaces/default/pods', body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }), contentType: 'application/json', expect: [400] },
  { name: 'namespace mismatch', method: 'POST', path: '/api/v1/namespaces/default/pods', body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'kube-system' }, spec: { containers: [{ name: 'c', image: 'i' }] } }), contentType: 'application/json', expect: [400] },
  { name: 'uppercase name', method: 'POST', path: '/api/v1/namespaces/default/pods', body: pod('BAD'), contentType: 'application/json', expect: [422] },
  { name: 'slash in name', method: 'POST', path: '/api/v1/namespaces/default/pods', body: pod('../etc'), contentType: 'application/json', expect: [422] },
  { name: 'long name', method: 'POST', path: '/api/v1/namespaces/default/pods', body: pod('a'.repeat(300)), contentType: 'application/json', expect: [422] },
  { name: 'numeric name', method: 'POST', path: '/api/v1/namespaces/default/pods', body: pod(42), contentType: 'application/json', expect: [400] },
  { name: 'labels not strings', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: { b: 1 } } } }), contentType: 'application/json', expect: [400] },
  { name: 'metadata array', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: [] }), contentType: 'application/json', expect: [400] },
  { name: 'pod spec is a string', method: 'POST', path: '/api/v1/namespaces/default/pods', body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: 'x' }), contentType: 'application/json', expect: [400] },
  { name: 'containers is an object', method: 'POST', path: '/api/v1/namespaces/default/pods', body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: { name: 'c' } } }), contentType: 'application/json', expect: [400] },
  { name: 'service ports is a number', method: 'POST', path: '/api/v1/namespaces/default/services', body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: 80 } }), contentType: 'application/json', expect: [400] },
  { name: 'deployment template is a list', method: 'POST', path: '/apis/apps/v1/namespaces/default/deployments', body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: [] } }), contentType: 'application/json', expect: [400] },
  { name: 'virtual service hosts is a string', method: 'POST', path: '/apis/networking.istio.io/v1/namespaces/default/virtualservices', body: JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x' }, spec: { hosts: 'a' } }), contentType: 'application/json', expect: [400] },
  { name: 'configmap data is a list', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: ['a'] }), contentType: 'application/json', expect: [400] },
  { name: 'configmap data value is a number', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 1 } }), contentType: 'application/json', expect: [400] },
  { name: 'pod without containers', method: 'POST', path: '/api/v1/namespaces/default/pods', body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {} }), contentType: 'application/json', expect: [422] },
  { name: 'service bad type', method: 'POST', path: '/api/v1/namespaces/default/services', body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { type: 'Weird', ports: [{ port: 80 }] } }), contentType: 'application/json', expect: [422] },
  { name: 'service port out of range', method: 'POST', path: '/api/v1/namespaces/default/services', body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 70000 }] } }), contentType: 'application/json', expect: [422] },
  { name: 'missing namespace', method: 'POST', path: '/api/v1/namespaces/nowhere/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }), contentType: 'application/json', expect: [404] },
  { name: 'create with resourceVersion', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rv', resourceVersion: '12' } }), contentType: 'application/json', expect: [400] },
  { name: 'create existing', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep' } }), contentType: 'application/json', expect: [409] },
  { name: 'strict unknown field', method: 'POST', path: '/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict', body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replica: 1 } }), contentType: 'application/json', expect: [400] },
  { name: 'bad fieldValidation', method: 'POST', path: '/api/v1/namespaces/default/configmaps?fieldValidation=Loose', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } }), contentType: 'application/json', expect: [400] },
  { name: 'bad dryRun', method: 'POST', path: '/api/v1/namespaces/default/configmaps?dryRun=Some', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } }), contentType: 'application/json', expect: [400] },
  { name: 'dry run create changes nothing', method: 'POST', path: '/api/v1/namespaces/default/configmaps?dryRun=All', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } }), contentType: 'application/json', expect: [201] },
  { name: 'put name mismatch', method: 'PUT', path: '/api/v1/namespaces/default/configmaps/keep', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } }), contentType: 'application/json', expect: [400] },
  { name: 'put stale resourceVersion', method: 'PUT', path: '/api/v1/namespaces/default/configmaps/keep', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', resourceVersion: '1' }, data: { x: 'y' } }), contentType: 'application/json', expect: [409] },
  { name: 'put missing', method: 'PUT', path: '/api/v1/namespaces/default/configmaps/nothere', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nothere' } }), contentType: 'application/json', expect: [404] },
  { name: 'json patch bad op', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep', body: '[{"op":"explode","path":"/data"}]', contentType: 'application/json-patch+json', expect: [422, 400] },
  { name: 'json patch not array', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep', body: '{"op":"add"}', contentType: 'application/json-patch+json', expect: [400] },
  { name: 'json patch test fails', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep', body: '[{"op":"test","path":"/data/a","value":"nope"},{"op":"add","path":"/data/b","value":"x"}]', contentType: 'application/json-patch+json', expect: [422] },
  { name: 'merge patch non-object', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep', body: '[1]', contentType: 'application/merge-patch+json', expect: [400] },
  { name: 'merge patch makes invalid', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep', body: '{"data":{"bad key!":"x"}}', contentType: 'application/merge-patch+json', expect: [422] },
  { name: 'merge patch changes kind', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep', body: '{"kind":"Secret"}', contentType: 'application/merge-patch+json', expect: [400] },
  { name: 'smp bad directive', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep', body: '{"data":{"$patch":"explode"}}', contentType: 'application/strategic-merge-patch+json', expect: [400] },
  { name: 'smp on custom resource', method: 'PATCH', path: '/apis/networking.istio.io/v1/namespaces/default/virtualservices/vs', body: '{"spec":{}}', contentType: 'application/strategic-merge-patch+json', expect: [415] },
  { name: 'apply without fieldManager', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep', body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n', contentType: 'application/apply-patch+yaml', expect: [400] },
  { name: 'apply wrong name', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep?fieldManager=x', body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n', contentType: 'application/apply-patch+yaml', expect: [400] },
  { name: 'patch unknown type', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/keep', body: '{}', contentType: 'application/xml', expect: [415] },
  { name: 'delete with garbage body', method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/nothere', body: '{{{', contentType: 'application/json', expect: [400] },
  { name: 'delete bad propagation', method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/keep', body: '{"propagationPolicy":"Sometimes"}', contentType: 'application/json', expect: [422] },
  { name: 'delete precondition', method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/keep', body: '{"preconditions":{"uid":"not-it"}}', contentType: 'application/json', expect: [409] },
  { name: 'delete dry run', method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/keep?dryRun=All', expect: [200] },
  { name: 'delete default namespace', method: 'DELETE', path: '/api/v1/namespaces/default', expect: [403] },
  { name: 'path traversal', method: 'GET', path: '/api/v1/namespaces/../../etc/passwd', expect: [404] },
  { name: 'encoded traversal', method: 'GET', path: '/api/v1/namespaces/%2e%2e/configmaps/%2e%2e', expect: [404] },
  { name: 'bad percent encoding', method: 'GET', path: '/api/v1/namespaces/%zz/pods', expect: [404] },
  { name: 'too many path segments', method: 'GET', path: '/api/v1/namespaces/default/pods/a/log/extra/more', expect: [404] },
  { name: 'unknown group', method: 'GET', path: '/apis/nothing.example.com/v1/things', expect: [404] },
  { name: 'unknown version', method: 'GET', path: '/apis/apps/v9/deployments', expect: [404] },
  { name: 'cluster resource with namespace', method: 'GET', path: '/api/v1/namespaces/default/nodes', expect: [404] },
  { name: 'unknown subresource', method: 'GET', path: '/api/v1/namespaces/default/configmaps/keep/status', expect: [404] },
  { name: 'bad label selector', method: 'GET', path: '/api/v1/pods?labelSelector=a%20in%20(', expect: [400] },
  { name: 'huge label selector', method: 'GET', path: `/api/v1/pods?labelSelector=${'a'.repeat(5000)}`, expect: [400] },
  { name: 'unsupported field selector', method: 'GET', path: '/api/v1/configmaps?fieldSelector=spec.foo%3Dbar', expect: [400] },
  { name: 'garbage field selector', method: 'GET', path: '/api/v1/pods?fieldSelector=%3D%3D%3D', expect: [400] },
  { name: 'watch bad resourceVersion', method: 'GET', path: '/api/v1/configmaps?watch=true&resourceVersion=abc', expect: [400] },
  { name: 'initial events without match', method: 'GET', path: '/api/v1/configmaps?watch=true&sendInitialEvents=true', expect: [422] },
  { name: 'initial events without bookmarks', method: 'GET', path: '/api/v1/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan', expect: [422] },
  { name: 'log of missing pod', method: 'GET', path: '/api/v1/namespaces/default/pods/nope/log', expect: [404] },
  { name: 'log negative tail', method: 'GET', path: '/api/v1/namespaces/default/pods/p/log?tailLines=-4', expect: [422] },
  { name: 'exec without upgrade', method: 'POST', path: '/api/v1/namespaces/default/pods/p/exec?command=ls', expect: [400] },
  { name: 'post to an object path', method: 'POST', path: '/api/v1/namespaces/default/configmaps/keep', body: '{}', contentType: 'application/json', expect: [405] },
  { name: 'unknown method', method: 'PROPFIND', path: '/api/v1/namespaces/default/configmaps/keep', expect: [405] },
  { name: 'scale negative', method: 'PATCH', path: '/apis/apps/v1/namespaces/default/deployments/d/scale', body: '{"spec":{"replicas":-1}}', contentType: 'application/merge-patch+json', expect: [422] },
  { name: 'scale garbage', method: 'PUT', path: '/apis/apps/v1/namespaces/default/deployments/d/scale', body: '{{', contentType: 'application/json', expect: [400] },
  { name: 'openapi unknown', method: 'GET', path: '/openapi/v3/apis/nothing/v1', expect: [404] },
];

beforeAll(async () => {
  t = await startTestApiServer();
  t.store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', namespace: 'default' }, data: { a: '1' } });
  t.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Running' } });
  t.store.create('apps/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
  t.store.create('networking.istio.io/virtualservices', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'default' }, spec: { hosts: ['a'] } });
});

afterAll(async () => {
  await t?.close();
});

describe('hostile requests', () => {
  it('every probe is answered as a real server would and the store is unchanged', async () => {
    const before = objects();
    const revision = t.store.currentRevision;
    const failures: string[] = [];
    for (const p of probes) {
      const r = await send(p).catch((e) => ({ status: -1, body: `${(e as Error).message}` }));
      if (!(p.expect ?? [400]).includes(r.status)) failures.push(`${p.name}: ${r.status} ${r.body.slice(0, 200)}`);
      if (r.status >= 400 && r.status !== 413) {
        const status = JSON.parse(r.body);
        if (status.kind !== 'Status' || status.code !== r.status) failures.push(`${p.name}: not a Status body: ${r.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(objects()).toEqual(before);
    expect(t.store.currentRevision).toBe(revision);
  });

  it('many concurrent garbage requests leave the server responsive', async () => {
    const garbage = Array.from({ length: 60 }, (_, i) => probes[i % probes.length]!).filter((p) => p.name !== 'huge body');
    const results = await Promise.all(garbage.map((p) => send(p)));
    expect(results.every((r) => r.status >= 200 && r.status < 600)).toBe(true);
    const ok = await send({ name: 'list', method: 'GET', path: '/api/v1/namespaces/default/configmaps', expect: [200] });
    expect(ok.status).toBe(200);
  });
});
