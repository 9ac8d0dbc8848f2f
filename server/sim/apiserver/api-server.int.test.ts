// The API server without kubectl: admission, allocation across clusters, garbage collection,
// dry runs, generateName, defaults, discovery content types, Endpoints warnings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionPlugin } from './admission.ts';
import { AGGREGATED_V2_CONTENT_TYPE } from './discovery.ts';
import { apiRequest, startTestApiServer, type TestApiServer } from './testing/server.ts';

const denyBadHosts: AdmissionPlugin = {
  name: 'istio-validation',
  validate(req) {
    if (req.resource !== 'networking.istio.io/virtualservices') return undefined;
    const hosts = (req.object as any).spec?.hosts;
    if (!Array.isArray(hosts) || hosts.length === 0) return { webhook: 'validation.istio.io', message: 'configuration is invalid: virtual service must have at least one host' };
    return undefined;
  },
};

const labelInjector: AdmissionPlugin = {
  name: 'injector',
  mutate(req) {
    if (req.resource === 'pods' && req.namespaceObject?.metadata.labels?.['istio-injection'] === 'enabled') {
      (req.object.metadata.labels ??= {})['security.istio.io/tlsMode'] = 'istio';
    }
  },
};

let a: TestApiServer;
let b: TestApiServer;

beforeAll(async () => {
  a = await startTestApiServer({ admission: [labelInjector, denyBadHosts] });
  b = await startTestApiServer();
});

afterAll(async () => {
  await a?.close();
  await b?.close();
});

const vs = (name: string, hosts: string[]) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name }, spec: { hosts } });

describe('admission', () => {
  it('a validating denial reads like a webhook denial', async () => {
    const r = await apiRequest(a.api, 'POST', '/apis/networking.istio.io/v1/namespaces/default/virtualservices', vs('bad', []));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'admission webhook "validation.istio.io" denied the request: configuration is invalid: virtual service must have at least one host' });
    expect(a.store.get('networking.istio.io/virtualservices', 'default', 'bad')).toBeUndefined();
  });

  it('mutating plugins see the namespace object', async () => {
    a.store.mutate('namespaces', undefined, 'default', (ns) => (ns.metadata.labels = { ...ns.metadata.labels, 'istio-injection': 'enabled' }));
    const r = await apiRequest(a.api, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'inj' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    expect(r.status).toBe(201);
    expect(r.body.metadata.labels).toEqual({ 'security.istio.io/tlsMode': 'istio' });
  });
});

describe('services', () => {
  it('node ports and cluster IPs never collide across clusters in one process', async () => {
    const seen = new Set<number>();
    const ips = new Set<string>();
    for (const [i, t] of [a, b, a, b].entries()) {
      const svc = t.api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `lb-${i}`, namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ name: 'http2', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] } } as any) as any;
      expect(svc.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
      expect(svc.spec.externalTrafficPolicy).toBe('Cluster');
      expect(svc.spec.ports.map((p: any) => p.protocol)).toEqual(['TCP', 'TCP']);
      for (const p of svc.spec.ports) {
        expect(p.nodePort).toBeGreaterThanOrEqual(30000);
        expect(p.nodePort).toBeLessThanOrEqual(32767);
        expect(seen.has(p.nodePort)).toBe(false);
        seen.add(p.nodePort);
      }
      expect(ips.has(svc.spec.clusterIP)).toBe(false);
      ips.add(svc.spec.clusterIP);
    }
  });

  it('an explicit node port already taken in the cluster is Invalid', async () => {
    const first = a.api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'np1', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } } as any) as any;
    const taken = first.spec.ports[0].nodePort;
    const r = await apiRequest(a.api, 'POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np2' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: taken }] } });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(`Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: ${taken}: provided port is already allocated`);
  });

  it('switching NodePort to ClusterIP drops the node port', async () => {
    a.api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'sw', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } } as any);
    const r = await apiRequest(a.api, 'PATCH', '/api/v1/namespaces/default/services/sw', { spec: { type: 'ClusterIP' } }, 'application/strategic-merge-patch+json');
    expect(r.status).toBe(200);
    expect(r.body.spec.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    expect(r.body.spec.externalTrafficPolicy).toBeUndefined();
  });

  it('Endpoints reads carry the deprecation warning', async () => {
    const r = await apiRequest(a.api, 'GET', '/api/v1/namespaces/default/endpoints');
    expect(r.headers.warning).toBe('299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"');
  });
});

describe('lifecycle', () => {
  it('deleting a deployment removes its replicasets and their pods', async () => {
    const d = a.api.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } } as any);
    const rs = a.store.create('apps/replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-5d8f', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid!, controller: true }] }, spec: {} });
    a.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-5d8f-abcde', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: rs.metadata.uid!, controller: true }] }, spec: { containers: [] } });
    const r = await apiRequest(a.api, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/web', { propagationPolicy: 'Background' });
    expect(r.status).toBe(200);
    for (let i = 0; i < 50 && a.store.get('pods', 'default', 'web-5d8f-abcde'); i++) await new Promise((res) => setTimeout(res, 10));
    expect(a.store.get('apps/replicasets', 'default', 'web-5d8f')).toBeUndefined();
    expect(a.store.get('pods', 'default', 'web-5d8f-abcde')).toBeUndefined();
  });

  it('Orphan keeps dependents and drops the owner reference', async () => {
    const cm = a.store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: 'default' } });
    a.store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dependent', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: cm.metadata.uid! }] } });
    await apiRequest(a.api, 'DELETE', '/api/v1/namespaces/default/configmaps/owner', { propagationPolicy: 'Orphan' });
    await new Promise((res) => setTimeout(res, 30));
    expect(a.store.get('configmaps', 'default', 'dependent')?.metadata.ownerReferences).toBeUndefined();
  });

  it('generateName, dry run and pod defaults', async () => {
    const dry = await apiRequest(a.api, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'job-' }, spec: { containers: [{ name: 'c', image: 'curlimages/curl' }] } });
    expect(dry.status).toBe(201);
    expect(dry.body.metadata.name).toMatch(/^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(a.store.get('pods', 'default', dry.body.metadata.name)).toBeUndefined();
    expect(dry.body.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, serviceAccountName: 'default', schedulerName: 'default-scheduler' });
    expect(dry.body.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    expect(dry.body.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('secret stringData is folded into data', async () => {
    const r = await apiRequest(a.api, 'POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sd' }, data: { a: 'MQ==' }, stringData: { b: 'two' } });
    expect(r.status).toBe(201);
    expect(r.body.data).toEqual({ a: 'MQ==', b: Buffer.from('two').toString('base64') });
    expect(r.body.stringData).toBeUndefined();
    expect(r.body.type).toBe('Opaque');
  });

  it('resourceVersion and generation follow spec changes only', async () => {
    const created = (await apiRequest(a.api, 'POST', '/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen' }, spec: { selector: { matchLabels: { app: 'g' } }, template: { metadata: { labels: { app: 'g' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } })).body;
    expect(created.metadata.generation).toBe(1);
    const labelled = (await apiRequest(a.api, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json')).body;
    expect(labelled.metadata.generation).toBe(1);
    expect(Number(labelled.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const scaled = (await apiRequest(a.api, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { spec: { replicas: 4 } }, 'application/strategic-merge-patch+json')).body;
    expect(scaled.metadata.generation).toBe(2);
    const same = (await apiRequest(a.api, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { spec: { replicas: 4 } }, 'application/merge-patch+json')).body;
    expect(same.metadata.resourceVersion).toBe(scaled.metadata.resourceVersion);
  });
});

describe('pods/log', () => {
  const pod = (name: string, nodeName: string | undefined, state: Record<string, unknown>, lastState: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'app', image: 'x' }, { name: 'side', image: 'y' }] },
    status: { phase: 'Pending', containerStatuses: [{ name: 'app', state, lastState }, { name: 'side', state }] },
  });
  const cases: { name: string; pod: ReturnType<typeof pod>; query: string; status: number; body: unknown }[] = [
    { name: 'image pull backoff', pod: pod('l1', 'n1', { waiting: { reason: 'ImagePullBackOff' } }), query: 'container=app', status: 400, body: 'container "app" in pod "l1" is waiting to start: trying and failing to pull image' },
    { name: 'err image pull', pod: pod('l2', 'n1', { waiting: { reason: 'ErrImagePull' } }), query: 'container=app', status: 400, body: 'container "app" in pod "l2" is waiting to start: image can\'t be pulled' },
    { name: 'no previous run', pod: pod('l3', 'n1', { running: {} }), query: 'container=app&previous=true', status: 400, body: 'previous terminated container "app" in pod "l3" not found' },
    { name: 'container must be named', pod: pod('l4', 'n1', { running: {} }), query: '', status: 400, body: 'a container name must be specified for pod l4, choose one of: [app side]' },
    { name: 'unknown container', pod: pod('l5', 'n1', { running: {} }), query: 'container=nope', status: 400, body: 'container nope is not valid for pod l5' },
    { name: 'unscheduled pod has an empty log', pod: pod('l6', undefined, {}), query: 'container=app', status: 200, body: '' },
  ];
  it.each(cases)('$name', async ({ pod: p, query, status, body }) => {
    a.store.create('pods', p);
    const r = await apiRequest(a.api, 'GET', `/api/v1/namespaces/default/pods/${p.metadata.name}/log?${query}`);
    expect(r.status).toBe(status);
    expect(status === 200 ? r.body : r.body.message).toBe(body);
  });
});

describe('discovery', () => {
  it('aggregated discovery has the exact content type', async () => {
    const r = await apiRequest(a.api, 'GET', '/apis', undefined, 'application/json', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json');
    expect(r.headers['content-type']).toBe(AGGREGATED_V2_CONTENT_TYPE);
    const istio = r.body.items.find((g: any) => g.metadata.name === 'networking.istio.io');
    expect(istio.versions.map((v: any) => v.version)).toEqual(['v1', 'v1beta1', 'v1alpha3']);
    const vsEntry = istio.versions[0].resources.find((x: any) => x.resource === 'virtualservices');
    expect(vsEntry).toMatchObject({ scope: 'Namespaced', singularResource: 'virtualservice', shortNames: ['vs'], categories: ['istio-io', 'networking-istio-io'] });
  });

  it('legacy discovery without the aggregated Accept', async () => {
    const r = await apiRequest(a.api, 'GET', '/api');
    expect(r.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const gv = await apiRequest(a.api, 'GET', '/apis/apps/v1');
    expect(gv.body.resources.map((x: any) => x.name)).toContain('deployments/scale');
  });

  it('metadata-only clients get PartialObjectMetadataList', async () => {
    const r = await apiRequest(a.api, 'GET', '/api/v1/namespaces', undefined, 'application/json', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json');
    expect(r.body.kind).toBe('PartialObjectMetadataList');
    expect(r.body.items.map((i: any) => i.metadata.name)).toContain('default');
    expect(r.body.items[0]).not.toHaveProperty('spec');
  });

  it('OpenAPI v3 advertises fieldValidation on PATCH', async () => {
    const index = await apiRequest(a.api, 'GET', '/openapi/v3');
    const rel = index.body.paths['apis/apps/v1'].serverRelativeURL as string;
    const doc = await apiRequest(a.api, 'GET', rel);
    const patch = doc.body.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
  });
});
