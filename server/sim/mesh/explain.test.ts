// The explanation of each request, table-driven: configuration plus a request → the rules passed
// over with the condition that failed, the missing subset, and the one-sentence reason. Cases are
// the failures of Istio's ingress task and the chapter (istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/,
// istio.io/latest/docs/ops/common-problems/network-issues/ "503 errors after setting destination rule").
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { destinationProblem, firstFailedCondition, passedOverRules, traceOf } from './explain.ts';
import type { MeshRequest } from './match.ts';
import { buildGatewayTable, type MeshSnapshot } from './translate.ts';
import type { RouteDecision } from './decisions.ts';

let rv = 1;
function obj(kind: string, name: string, namespace: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: kind === 'Service' ? 'v1' : 'networking.istio.io/v1', kind, metadata: { name, namespace, creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: String(rv++), generation: 1 }, spec };
}
function snapshot(parts: Partial<MeshSnapshot>): MeshSnapshot {
  return { revision: 1, gateways: [], virtualServices: [], destinationRules: [], serviceEntries: [], sidecars: [], services: [], outboundTrafficPolicy: 'ALLOW_ANY', ...parts };
}
const req = (path: string, extra: Partial<MeshRequest> = {}): MeshRequest => ({ method: 'GET', path, authority: 'httpbin.example.com', scheme: 'http', port: 80, headers: {}, ...extra });

const service = obj('Service', 'httpbin', 'bookinfo', { ports: [{ name: 'http', port: 8000, targetPort: 80 }], selector: { app: 'httpbin' } });
const gateway = obj('Gateway', 'httpbin-gateway', 'bookinfo', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
const vsWith = (matches: unknown[], subset?: string) =>
  obj('VirtualService', 'httpbin', 'bookinfo', { hosts: ['*'], gateways: ['httpbin-gateway'], http: [{ match: matches, route: [{ destination: { host: 'httpbin', port: { number: 8000 }, ...(subset ? { subset } : {}) } }] }] });
const drV1 = obj('DestinationRule', 'httpbin', 'bookinfo', { host: 'httpbin', subsets: [{ name: 'v1', labels: { version: 'v1' } }] });
const ingressPod = { namespace: 'istio-system', name: 'istio-ingressgateway-1', labels: { istio: 'ingressgateway' } };

function routesOf(snap: MeshSnapshot) {
  return buildGatewayTable(snap, ingressPod).listeners[0]?.virtualHosts[0]?.routes ?? [];
}

function decision(kind: RouteDecision['response']['kind'], status: number, extra: Partial<RouteDecision> = {}): Omit<RouteDecision, 'id' | 'trace'> {
  return { time: '', requestId: 'r', proxy: { kind: 'gateway', namespace: 'istio-system', pod: 'gw' }, listener: { port: 80 }, request: { method: 'GET', authority: 'httpbin.example.com', path: '/status/200' }, response: { status, kind, flags: '-', details: '' }, ...extra };
}

describe('firstFailedCondition', () => {
  const cases: { name: string; match: Record<string, unknown>; request: MeshRequest; expected: string | undefined }[] = [
    { name: 'prefix', match: { uri: { prefix: '/delay' } }, request: req('/status/200'), expected: 'path /status/200 does not start with /delay' },
    { name: 'prefix holds', match: { uri: { prefix: '/status' } }, request: req('/status/200'), expected: undefined },
    { name: 'exact ignores the query', match: { uri: { exact: '/headers' } }, request: req('/headers?a=1'), expected: undefined },
    { name: 'exact fails', match: { uri: { exact: '/headers' } }, request: req('/get'), expected: 'path /get is not /headers' },
    { name: 'regex (RE2 full match)', match: { uri: { regex: '/status/[0-9]+' } }, request: req('/status/abc'), expected: 'path /status/abc does not match the regex /status/[0-9]+' },
    { name: 'ignoreUriCase', match: { uri: { prefix: '/Status' }, ignoreUriCase: true }, request: req('/status/200'), expected: undefined },
    { name: 'method', match: { method: { exact: 'POST' } }, request: req('/'), expected: 'method GET is not POST' },
    { name: 'header absent', match: { headers: { 'end-user': { exact: 'jason' } } }, request: req('/'), expected: 'header end-user is absent' },
    { name: 'header value', match: { headers: { 'end-user': { exact: 'jason' } } }, request: req('/', { headers: { 'end-user': 'bob' } }), expected: 'header end-user bob is not jason' },
    { name: 'withoutHeaders', match: { withoutHeaders: { 'x-debug': {} } }, request: req('/', { headers: { 'x-debug': '1' } }), expected: 'header x-debug is present (withoutHeaders)' },
    { name: 'port', match: { port: 8080 }, request: req('/'), expected: 'port 80 is not 8080' },
    { name: 'path checked before headers', match: { uri: { prefix: '/a' }, headers: { x: { exact: 'y' } } }, request: req('/b'), expected: 'path /b does not start with /a' },
    { name: 'query parameter', match: { queryParams: { v: { exact: '2' } } }, request: req('/?v=1'), expected: 'query parameter v 1 is not 2' },
  ];
  it.each(cases)('$name', ({ match, request, expected }) => {
    expect(firstFailedCondition(match, request)).toBe(expected);
  });
});

describe('passedOverRules', () => {
  it('the chapter after /status is removed: the one rule, with the /delay condition that failed', () => {
    const routes = routesOf(snapshot({ gateways: [gateway], virtualServices: [vsWith([{ uri: { prefix: '/delay' } }])], services: [service] }));
    expect(passedOverRules(routes, req('/status/200'))).toEqual([{ virtualService: 'bookinfo/httpbin', ruleIndex: 0, ruleName: undefined, failures: ['path /status/200 does not start with /delay'], failuresZh: ['路径 /status/200 不以 /delay 开头'] }]);
  });
  it('rules before the winner are listed, the winner and later ones are not', () => {
    const vs = obj('VirtualService', 'httpbin', 'bookinfo', { hosts: ['*'], gateways: ['httpbin-gateway'], http: [{ name: 'delay', match: [{ uri: { prefix: '/delay' } }], route: [{ destination: { host: 'httpbin' } }] }, { match: [{ uri: { prefix: '/status' } }], route: [{ destination: { host: 'httpbin' } }] }, { route: [{ destination: { host: 'httpbin' } }] }] });
    const out = passedOverRules(routesOf(snapshot({ gateways: [gateway], virtualServices: [vs], services: [service] })), req('/status/418'));
    expect(out.map((r) => [r.ruleName ?? r.ruleIndex, r.failures])).toEqual([['delay', ['path /status/418 does not start with /delay']]]);
  });
});

describe('destinationProblem', () => {
  const cases: { name: string; snap: MeshSnapshot; dest: { host: string; port?: number; subset?: string }; expected: string | undefined }[] = [
    { name: 'subset with no DestinationRule (istio/istio#6335)', snap: snapshot({ services: [service] }), dest: { host: 'httpbin', port: 8000, subset: 'v1' }, expected: 'subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule' },
    { name: 'DestinationRule without that subset', snap: snapshot({ services: [service], destinationRules: [drV1] }), dest: { host: 'httpbin', subset: 'v2' }, expected: 'DestinationRule bookinfo/httpbin defines no subset v2 of httpbin.bookinfo.svc.cluster.local' },
    { name: 'subset defined', snap: snapshot({ services: [service], destinationRules: [drV1] }), dest: { host: 'httpbin', port: 8000, subset: 'v1' }, expected: undefined },
    { name: 'unknown host', snap: snapshot({ services: [service] }), dest: { host: 'httpbin2' }, expected: 'host httpbin2.bookinfo.svc.cluster.local is neither a Service nor a ServiceEntry host' },
    { name: 'wrong port', snap: snapshot({ services: [service] }), dest: { host: 'httpbin', port: 80 }, expected: 'Service httpbin.bookinfo.svc.cluster.local has no port 80 (ports: 8000)' },
  ];
  it.each(cases)('$name', ({ snap, dest, expected }) => {
    expect(destinationProblem(snap, dest, 'bookinfo', 'istio-system')).toBe(expected);
  });
});

describe('traceOf: the reason sentence', () => {
  it('404 after /status is removed names the VirtualService and what it routes', () => {
    const snap = snapshot({ gateways: [gateway], virtualServices: [vsWith([{ uri: { prefix: '/delay' } }])], services: [service] });
    const t = traceOf(decision('no_route', 404, { virtualHost: '*:80' }), { routes: routesOf(snap), request: req('/status/200'), snapshot: snap });
    expect(t.reason).toBe('no route matched; VirtualService bookinfo/httpbin only routes /delay');
  });
  it('404 without a virtual host names the Host and port', () => {
    expect(traceOf(decision('no_route', 404), {}).reason).toBe('no route matched: no virtual host for httpbin.example.com on port 80');
  });
  it('503 NC for a subset no DestinationRule defines', () => {
    const snap = snapshot({ gateways: [gateway], virtualServices: [vsWith([{ uri: { prefix: '/' } }], 'v1')], services: [service] });
    const d = decision('cluster_not_found', 503, { virtualService: { name: 'httpbin', namespace: 'bookinfo', ruleIndex: 0, matchIndex: 0 }, destination: { host: 'httpbin', port: 8000, subset: 'v1' }, upstreamCluster: 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local' });
    const t = traceOf(d, { routes: routesOf(snap), request: req('/headers'), snapshot: snap, configNamespace: 'bookinfo', clientNamespace: 'istio-system' });
    expect(t.destinationProblem).toBe('subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule');
    expect(t.reason).toBe('cluster not found: subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule (VirtualService bookinfo/httpbin rule 0)');
    expect(t.passedOver).toEqual([]);
  });
  const simple: [RouteDecision['response']['kind'], number, string][] = [
    ['no_healthy_upstream', 503, 'no healthy upstream: no ready pod of httpbin subset v1 has the subset\'s labels'],
    ['registry_only_blocked', 502, 'blocked: outboundTrafficPolicy REGISTRY_ONLY and no ServiceEntry for httpbin.example.com'],
    ['fault_abort', 418, 'fault injection aborted the request with 418'],
  ];
  it.each(simple)('%s', (kind, status, expected) => {
    expect(traceOf(decision(kind, status, { destination: { host: 'httpbin', subset: 'v1' } }), {}).reason).toBe(expected);
  });
});
