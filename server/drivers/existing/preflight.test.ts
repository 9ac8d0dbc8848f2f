// Preflight of the existing driver against a scripted API server (plain HTTP on loopback), for
// the failures a live cluster rarely shows on demand: missing Istio, missing rights, no gateway.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExistingDriver } from './driver.ts';
import { learnerIdFrom, validLearnerId } from './learner-plan.ts';

interface World {
  crds: string[];
  denied: string[];
  services: Record<string, unknown>[];
}
let world: World;
let server: Server;
let kubeconfig: string;

const gateway = (type: string) => ({
  metadata: { name: 'istio-ingressgateway', namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
  spec: { type, ports: [{ name: 'http2', port: 80, nodePort: 31080 }] },
});
const ALL_CRDS = ['gateways', 'virtualservices', 'destinationrules', 'serviceentries'].map((r) => `${r}.networking.istio.io`);

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (url.pathname === '/version') return send(200, { major: '1', minor: '35', gitVersion: 'v1.35.2' });
      const crd = /^\/apis\/apiextensions\.k8s\.io\/v1\/customresourcedefinitions\/(.+)$/.exec(url.pathname);
      if (crd) return world.crds.includes(crd[1]!) ? send(200, { metadata: { name: crd[1] } }) : send(404, { kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' });
      if (url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
        const attrs = JSON.parse(body).spec.resourceAttributes;
        return send(201, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: {}, status: { allowed: !world.denied.includes(`${attrs.verb} ${attrs.resource}`) } });
      }
      if (url.pathname === '/api/v1/namespaces/istio-system/services') {
        const sel = url.searchParams.get('labelSelector') ?? '';
        const [k, v] = sel.split('=');
        return send(200, { kind: 'ServiceList', items: world.services.filter((s: any) => s.metadata.labels?.[k!] === v) });
      }
      if (url.pathname === '/api/v1/nodes') return send(200, { kind: 'NodeList', items: [{ status: { addresses: [{ type: 'InternalIP', address: '10.0.0.9' }] } }] });
      send(404, { kind: 'Status', code: 404 });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'meshlab-pre-')), 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://10.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}, {name: local, context: {cluster: l, user: u}}]\ncurrent-context: local\n`.replace('clusters: [', `clusters: [{name: l, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}, `));
});
afterAll(() => new Promise((r) => server.close(r)));

describe('existing driver preflight', () => {
  it.each<[string, World, RegExp[]]>([
    ['a ready cluster', { crds: ALL_CRDS, denied: [], services: [gateway('NodePort')] }, []],
    ['no Istio', { crds: [], denied: [], services: [gateway('NodePort')] }, [/^Istio is not installed: missing CRDs gateways\.networking\.istio\.io, virtualservices/]],
    ['one CRD missing', { crds: ALL_CRDS.slice(1), denied: [], services: [gateway('NodePort')] }, [/^Istio is not installed: missing CRDs gateways\.networking\.istio\.io$/]],
    ['no ingress gateway', { crds: ALL_CRDS, denied: [], services: [] }, [/^no ingress gateway Service found in istio-system/]],
    ['a ClusterIP gateway', { crds: ALL_CRDS, denied: [], services: [gateway('ClusterIP')] }, [/has no LoadBalancer address and no HTTP node port/]],
    ['an account without rights', { crds: ALL_CRDS, denied: ['create namespaces', 'create clusterrolebindings'], services: [gateway('NodePort')] }, [/^the kubeconfig's account may not: create namespaces, create clusterrolebindings$/]],
  ])('%s', async (_name, w, expected) => {
    world = w;
    const r = await new ExistingDriver({ kubeconfig }).preflight();
    expect(r.problems.map((p) => p.message)).toEqual(expected.map((e) => expect.stringMatching(e)));
    expect(r.ok).toBe(expected.length === 0);
    for (const p of r.problems) expect(p.fix.length).toBeGreaterThan(10);
  });

  it('reaches node ports on the API server host when it is loopback, else on a node address', async () => {
    world = { crds: ALL_CRDS, denied: [], services: [gateway('NodePort')] };
    const local = new ExistingDriver({ kubeconfig });
    expect((await local.findIngress(local.loadConfig())).address).toEqual({ host: '127.0.0.1', port: 31080, securePort: undefined });
  });
});

describe('learnerIdFrom', () => {
  it.each([
    ['a valid id is kept', 'alice', 'alice'],
    ['a session hash is kept', '0123456789abcdef', '0123456789abcdef'],
  ])('%s', (_n, name, id) => expect(learnerIdFrom(name)).toBe(id));

  it.each([['Alice Smith'], ['alice@example.com'], ['../../etc'], ['名字'], ['x'.repeat(80)]])('makes %s a stable, valid id', (name) => {
    const id = learnerIdFrom(name);
    expect(validLearnerId(id)).toBe(true);
    expect(learnerIdFrom(name)).toBe(id);
  });

  it('keeps names apart that clean to the same text', () => expect(learnerIdFrom('Alice')).not.toBe(learnerIdFrom('ALICE')));
});
