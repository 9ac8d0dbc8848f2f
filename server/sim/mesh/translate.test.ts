// Config → route tables, table-driven. Cases follow Istio's docs on Gateway host binding
// (networking/v1alpha3/gateway.proto `hosts`), VirtualService `gateways` and merging
// (docs/ops/best-practices/traffic-management "Split large virtual services").
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { buildGatewayTable, isCatchAll, SidecarRouteTable, mergeRoutes, outboundModeFor, routesFor, sidecarAllowsHost, sidecarFor, sidecarVirtualHost, translateConfig, wellFormed, type ConfigConverter, type MeshSnapshot } from './translate.ts';
import { resolveRoute } from './routes.ts';

let rv = 1;
function obj(kind: string, name: string, namespace: string, spec: Record<string, unknown>, created = '2026-01-01T00:00:00Z'): KubeObject {
  return { apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace, creationTimestamp: created, resourceVersion: String(rv++), generation: 1 }, spec };
}

function snapshot(parts: Partial<MeshSnapshot>): MeshSnapshot {
  return { revision: 1, gateways: [], virtualServices: [], destinationRules: [], serviceEntries: [], sidecars: [], services: [], outboundTrafficPolicy: 'ALLOW_ANY', ...parts };
}

const ingressPod = { namespace: 'istio-system', name: 'istio-ingressgateway-1', labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } };
const gw = (hosts: string[], ns = 'default', name = 'gw', port = 80) => obj('Gateway', name, ns, { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts }] });
const vs = (name: string, ns: string, hosts: string[], gateways: string[] | undefined, http: unknown[], created?: string) => obj('VirtualService', name, ns, { hosts, ...(gateways ? { gateways } : {}), http }, created);
const route = (host: string) => ({ route: [{ destination: { host } }] });

describe('buildGatewayTable', () => {
  const cases: { name: string; gateways: KubeObject[]; vss: KubeObject[]; expectDomains: string[] }[] = [
    { name: 'server * and VS * → domain *', gateways: [gw(['*'])], vss: [vs('a', 'default', ['*'], ['gw'], [route('httpbin')])], expectDomains: ['*'] },
    { name: 'server * and VS host → that host', gateways: [gw(['*'])], vss: [vs('a', 'default', ['httpbin.example.com'], ['gw'], [route('httpbin')])], expectDomains: ['httpbin.example.com'] },
    { name: 'server *.example.com and VS a.example.com', gateways: [gw(['*.example.com'])], vss: [vs('a', 'default', ['a.example.com'], ['gw'], [route('httpbin')])], expectDomains: ['a.example.com'] },
    { name: 'disjoint hosts bind nothing', gateways: [gw(['a.example.com'])], vss: [vs('a', 'default', ['b.example.com'], ['gw'], [route('httpbin')])], expectDomains: [] },
    { name: 'VS not naming the gateway binds nothing', gateways: [gw(['*'])], vss: [vs('a', 'default', ['*'], ['other'], [route('httpbin')])], expectDomains: [] },
    { name: 'VS without gateways is mesh-only', gateways: [gw(['*'])], vss: [vs('a', 'default', ['httpbin'], undefined, [route('httpbin')])], expectDomains: [] },
    { name: 'ns/name reference from another namespace', gateways: [gw(['*'], 'istio-system', 'shared')], vss: [vs('a', 'bookinfo', ['x.example.com'], ['istio-system/shared'], [route('httpbin')])], expectDomains: ['x.example.com'] },
    { name: 'server host ns/ prefix binds only that namespace', gateways: [gw(['bookinfo/*'], 'istio-system', 'shared')], vss: [vs('a', 'default', ['x.example.com'], ['istio-system/shared'], [route('httpbin')]), vs('b', 'bookinfo', ['y.example.com'], ['istio-system/shared'], [route('httpbin')])], expectDomains: ['y.example.com'] },
    { name: './ means the gateway namespace', gateways: [gw(['./*'], 'bookinfo')], vss: [vs('b', 'bookinfo', ['y.example.com'], ['gw'], [route('httpbin')])], expectDomains: ['y.example.com'] },
    { name: 'gateway selecting other pods is ignored', gateways: [obj('Gateway', 'eg', 'default', { selector: { istio: 'egressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] })], vss: [vs('a', 'default', ['*'], ['eg'], [route('httpbin')])], expectDomains: [] },
  ];
  it.each(cases)('$name', ({ gateways, vss, expectDomains }) => {
    const table = buildGatewayTable(snapshot({ gateways, virtualServices: vss }), ingressPod);
    const domains = table.listeners.flatMap((l) => l.virtualHosts.flatMap((v) => v.domains));
    expect(domains.sort()).toEqual(expectDomains.sort());
  });

  it('several VirtualServices for one host merge in creation order, catch-alls last', () => {
    const older = vs('older', 'default', ['*'], ['gw'], [{ match: [{ uri: { prefix: '/a' } }], ...route('a') }, route('catchall-older')], '2026-01-01T00:00:00Z');
    const newer = vs('newer', 'default', ['*'], ['gw'], [{ match: [{ uri: { prefix: '/b' } }], ...route('b') }], '2026-01-02T00:00:00Z');
    const table = buildGatewayTable(snapshot({ gateways: [gw(['*'])], virtualServices: [older, newer] }), ingressPod);
    const routes = table.listeners[0]!.virtualHosts[0]!.routes;
    expect(routes.map((r) => `${r.vs.name}#${r.ruleIndex}`)).toEqual(['older#0', 'newer#0', 'older#1']);
  });

  it('listeners are per Gateway server port; match.port drops routes for other ports', () => {
    const g = obj('Gateway', 'gw', 'default', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }, { port: { number: 8080, name: 'http2', protocol: 'HTTP' }, hosts: ['*'] }] });
    const v = vs('a', 'default', ['*'], ['gw'], [{ match: [{ port: 8080, uri: { prefix: '/' } }], ...route('httpbin') }]);
    const table = buildGatewayTable(snapshot({ gateways: [g], virtualServices: [v] }), ingressPod);
    expect(table.listeners.map((l) => [l.port, l.virtualHosts.length])).toEqual([[80, 0], [8080, 1]]);
  });
});

describe('routesFor / isCatchAll / mergeRoutes', () => {
  it('match.gateways overrides the top-level list', () => {
    const v = vs('a', 'default', ['httpbin.org'], ['istio-egressgateway', 'mesh'], [
      { match: [{ gateways: ['mesh'], port: 80 }], ...route('istio-egressgateway.istio-system.svc.cluster.local') },
      { match: [{ gateways: ['istio-egressgateway'], port: 80 }], ...route('httpbin.org') },
    ]);
    expect(routesFor(v, new Set(['mesh']), 80).map((r) => r.ruleIndex)).toEqual([0]);
    expect(routesFor(v, new Set(['default/istio-egressgateway']), 80).map((r) => r.ruleIndex)).toEqual([1]);
  });
  it.each([
    ['no match', [], true],
    ['prefix / only', [{ uri: { prefix: '/' } }], true],
    ['named empty match', [{ name: 'all' }], true],
    ['prefix /status', [{ uri: { prefix: '/status' } }], false],
    ['header match', [{ headers: { a: { exact: 'b' } } }], false],
  ])('isCatchAll: %s', (_n, matches, e) => {
    expect(isCatchAll({ vs: { name: 'v', namespace: 'd' }, ruleIndex: 0, route: {}, resolved: resolveRoute({}), matches: matches as Record<string, unknown>[] })).toBe(e);
  });
  it('routes after a catch-all in one VirtualService are dropped when merging', () => {
    const e = (i: number, m: Record<string, unknown>[]) => ({ vs: { name: 'v', namespace: 'd' }, ruleIndex: i, route: {}, resolved: resolveRoute({}), matches: m });
    expect(mergeRoutes([[e(0, []), e(1, [{ uri: { prefix: '/x' } }])]]).map((r) => r.ruleIndex)).toEqual([0]);
  });
});

describe('sidecarVirtualHost', () => {
  it('short VS hosts resolve in the VS namespace; the oldest mesh VS wins', () => {
    const a = vs('a', 'default', ['reviews'], undefined, [route('reviews')], '2026-01-01T00:00:00Z');
    const b = vs('b', 'default', ['reviews'], undefined, [route('other')], '2026-01-02T00:00:00Z');
    const vh = sidecarVirtualHost(snapshot({ virtualServices: [a, b] }), 'default', 'reviews.default.svc.cluster.local', 9080)!;
    expect(vh.routes[0]!.vs.name).toBe('a');
  });
  it('sourceLabels and sourceNamespace pick routes by the client', () => {
    const a = vs('a', 'default', ['reviews'], undefined, [
      { match: [{ sourceLabels: { app: 'productpage' } }], ...route('v2') },
      { match: [{ sourceNamespace: 'team' }], ...route('v3') },
      route('v1'),
    ]);
    const pick = (ns: string, labels: Record<string, string>) => sidecarVirtualHost(snapshot({ virtualServices: [a] }), ns, 'reviews.default.svc.cluster.local', 9080, labels)!.routes.map((r) => r.ruleIndex);
    expect(pick('default', { app: 'productpage' })).toEqual([0, 2]);
    expect(pick('team', { app: 'curl' })).toEqual([1, 2]);
    expect(pick('default', { app: 'curl' })).toEqual([2]);
  });
    it('a VS bound only to a gateway does not apply to sidecars', () => {
    const a = vs('a', 'default', ['httpbin.org'], ['gw'], [route('httpbin.org')]);
    expect(sidecarVirtualHost(snapshot({ virtualServices: [a] }), 'default', 'httpbin.org', 80)).toBeUndefined();
  });
  it('exportTo . hides a VS from other namespaces', () => {
    const a = obj('VirtualService', 'a', 'team', { hosts: ['httpbin.org'], exportTo: ['.'], http: [route('httpbin.org')] });
    expect(sidecarVirtualHost(snapshot({ virtualServices: [a] }), 'default', 'httpbin.org', 80)).toBeUndefined();
    expect(sidecarVirtualHost(snapshot({ virtualServices: [a] }), 'team', 'httpbin.org', 80)).toBeDefined();
  });
});

describe('SidecarRouteTable (one per sidecar and push)', () => {
  it('builds a virtual host once and serves the same table to later requests; a new push builds anew', () => {
    const a = vs('a', 'default', ['reviews'], undefined, [{ match: [{ uri: { prefix: '/x' } }], ...route('reviews'), timeout: '2s' }]);
    const snap = snapshot({ virtualServices: [a] });
    const table = new SidecarRouteTable(snap, { namespace: 'default', labels: {} });
    const first = table.virtualHost('reviews.default.svc.cluster.local', 9080)!;
    expect(first.routes[0]!.resolved.timeoutMs).toBe(2000);
    expect(table.virtualHost('reviews.default.svc.cluster.local', 9080)).toBe(first);
    expect(table.virtualHost('httpbin.org', 80)).toBeUndefined();
    expect(new SidecarRouteTable({ ...snap, revision: 2 }, { namespace: 'default', labels: {} }).virtualHost('reviews.default.svc.cluster.local', 9080)).not.toBe(first);
  });
});

describe('wellFormed', () => {
  it.each([
    ['a normal VirtualService', { hosts: ['a'], http: [{ match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'a' } }] }] }, true],
    ['hosts as a string', { hosts: 'a' }, false],
    ['http as an object', { hosts: ['a'], http: { route: [] } }, false],
    ['match gateways as a string', { hosts: ['a'], http: [{ match: [{ gateways: 'mesh' }] }] }, false],
    ['servers hosts as a number', { servers: [{ hosts: 1, port: { number: 80 } }] }, false],
    ['no spec fields at all', {}, true],
  ])('%s', (_n, spec, e) => {
    expect(wellFormed(obj('VirtualService', 'x', 'default', spec as Record<string, unknown>))).toBe(e);
  });
});

// networking/v1alpha3/sidecar.proto: egress hosts `namespace/dnsName`, `.` = the Sidecar's
// namespace, `*` = any; workloadSelector Sidecars win over the namespace default, which wins
// over the root namespace's.
describe('Sidecar resource', () => {
  const sc = (name: string, ns: string, spec: Record<string, unknown>) => obj('Sidecar', name, ns, spec);
  const pod = { namespace: 'default', labels: { app: 'curl' } };
  it('precedence: selector match, then namespace default, then root namespace', () => {
    const root = sc('root', 'istio-system', {});
    const nsDefault = sc('ns', 'default', {});
    const selected = sc('sel', 'default', { workloadSelector: { labels: { app: 'curl' } } });
    expect(sidecarFor(snapshot({ sidecars: [root] }), pod)?.metadata.name).toBe('root');
    expect(sidecarFor(snapshot({ sidecars: [root, nsDefault] }), pod)?.metadata.name).toBe('ns');
    expect(sidecarFor(snapshot({ sidecars: [root, nsDefault, selected] }), pod)?.metadata.name).toBe('sel');
    expect(sidecarFor(snapshot({ sidecars: [sc('other', 'default', { workloadSelector: { labels: { app: 'x' } } })] }), pod)).toBeUndefined();
  });
  it.each([
    ['./* sees its own namespace', ['./*'], 'httpbin.default.svc.cluster.local', 'default', true],
    ['./* hides other namespaces', ['./*'], 'httpbin.other.svc.cluster.local', 'other', false],
    ['istio-system/* sees the root namespace', ['istio-system/*'], 'istiod.istio-system.svc.cluster.local', 'istio-system', true],
    ['*/httpbin.org sees that ServiceEntry anywhere', ['*/httpbin.org'], 'httpbin.org', 'team', true],
    ['*/httpbin.org hides other hosts', ['*/httpbin.org'], 'edition.cnn.com', 'team', false],
    ['~/* hides everything', ['~/*'], 'httpbin.default.svc.cluster.local', 'default', false],
  ])('egress hosts: %s', (_n, hosts, host, hostNs, e) => {
    expect(sidecarAllowsHost(sc('s', 'default', { egress: [{ hosts }] }), 'default', host, hostNs)).toBe(e);
  });
  it('no egress section: everything is visible; outboundTrafficPolicy overrides the mesh mode', () => {
    const s = sc('s', 'default', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
    expect(sidecarAllowsHost(s, 'default', 'anything.example', undefined)).toBe(true);
    expect(outboundModeFor(snapshot({}), s)).toBe('REGISTRY_ONLY');
    expect(outboundModeFor(snapshot({ outboundTrafficPolicy: 'REGISTRY_ONLY' }), undefined)).toBe('REGISTRY_ONLY');
    expect(outboundModeFor(snapshot({}), undefined)).toBe('ALLOW_ANY');
  });
});

describe('translateConfig (the one input of translation)', () => {
  const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'default' }, spec: { ports: [{ port: 8000 }] } };
  const meshConfig: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: 'outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n' } };
  const foreignGateway: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web', namespace: 'default' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } };

  it('sorts config objects into the snapshot by kind and reads the mesh config', () => {
    const s = translateConfig([svc, meshConfig, gw(['*']), vs('a', 'default', ['*'], ['gw'], [route('httpbin')])], 7);
    expect([s.revision, s.services.length, s.gateways.length, s.virtualServices.length, s.outboundTrafficPolicy]).toEqual([7, 1, 1, 1, 'REGISTRY_ONLY']);
  });

  it('ignores a kind of the same name from another API unless a converter turns it into Istio config', () => {
    expect(translateConfig([foreignGateway], 1).gateways).toEqual([]);
    const converter: ConfigConverter = {
      resources: ['gateway.networking.k8s.io/gateways'],
      convert: (input) => input.map((g) => gw(['*'], g.metadata.namespace, `${g.metadata.name}-istio`)),
    };
    const s = translateConfig([foreignGateway, vs('a', 'default', ['*'], ['web-istio'], [route('httpbin')])], 1, [converter]);
    expect(s.gateways.map((g) => g.metadata.name)).toEqual(['web-istio']);
    const table = buildGatewayTable(s, ingressPod);
    expect(table.listeners[0]!.virtualHosts.map((v) => v.name)).toEqual(['*:80']);
  });
});
