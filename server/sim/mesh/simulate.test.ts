// Routing semantics as data: configuration + call → what the proxy answers and why, without
// sockets. Cases: the failure table of Istio's traffic-management docs (no route 404 NR, unknown
// subset 503 NC, no endpoints 503 UH, fault abort FI, REGISTRY_ONLY 502) and the steps of the
// ingress-gateway and egress-gateway chapters (labs/*/lab.yaml).
import { untranslatedWords } from './zh-words.ts';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { simulate, type SimulatedCall, type SimulationResult } from './simulate.ts';
import { buildGatewayTable, translateConfig } from './translate.ts';
import type { ClusterLookup, ClusterQuery } from './upstreams.ts';
import { resolveShortName } from './hosts.ts';

let rv = 1;
const istio = (kind: string, name: string, namespace: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace, creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: String(rv++), generation: 1 }, spec });
const service = (name: string, namespace: string, port: number): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port }] } });
const meshConfig = (mode: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: `outboundTrafficPolicy:\n  mode: ${mode}\n` } });

const httpbinSvc = service('httpbin', 'bookinfo', 8000);
const gateway = istio('Gateway', 'httpbin-gateway', 'bookinfo', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
const toHttpbin = (extra: Record<string, unknown> = {}) => ({ route: [{ destination: { host: 'httpbin', port: { number: 8000 }, ...extra } }] });
const vsWith = (http: unknown[]) => istio('VirtualService', 'httpbin', 'bookinfo', { hosts: ['*'], gateways: ['httpbin-gateway'], http });
const statusAndDelay = vsWith([{ match: [{ uri: { prefix: '/status' } }, { uri: { prefix: '/delay' } }], ...toHttpbin() }]);
const delayOnly = vsWith([{ match: [{ uri: { prefix: '/delay' } }], ...toHttpbin() }]);
const drV1 = istio('DestinationRule', 'httpbin', 'bookinfo', { host: 'httpbin', subsets: [{ name: 'v1', labels: { version: 'v1' } }] });

/**
 * Envoy's clusters (CDS) with their endpoints (EDS): a cluster exists when it is listed; the
 * subset clusters exist only with a DestinationRule defining the subset, as istiod generates them.
 */
function clusters(list: Record<string, string[]>) {
  return (q: ClusterQuery): ClusterLookup => {
    const host = resolveShortName(q.host, q.namespace);
    const name = `outbound|${q.port ?? q.listenerPort ?? ''}|${q.subset ?? ''}|${host}`;
    const eps = list[name];
    if (!eps) return { kind: 'not_found', name };
    return { kind: 'ok', name, host, port: q.port ?? 0, subset: q.subset, endpoints: eps.map((address) => ({ address })), limits: { maxConnections: 1, http1MaxPendingRequests: 1, http2MaxRequests: 1, maxRequestsPerConnection: 0 }, external: !host.endsWith('.svc.cluster.local'), serviceNamespace: host.split('.')[1] };
  };
}
const HTTPBIN = 'outbound|8000||httpbin.bookinfo.svc.cluster.local';
const ingressPod = { namespace: 'istio-system', name: 'istio-ingressgateway-0', labels: { istio: 'ingressgateway' } };
const atIngress = (path: string, extra: Partial<SimulatedCall> = {}): SimulatedCall => ({ proxy: { kind: 'gateway', namespace: 'istio-system', labels: ingressPod.labels }, port: 80, authority: '127.0.0.1:30080', path, ...extra });

function run(config: KubeObject[], cds: Record<string, string[]>, call: SimulatedCall, random = () => 0): SimulationResult {
  const snapshot = translateConfig(config, 1);
  return simulate({ snapshot, gatewayTable: buildGatewayTable(snapshot, ingressPod), cluster: clusters(cds), random }, call);
}

interface Case {
  name: string;
  config: KubeObject[];
  cds?: Record<string, string[]>;
  call: SimulatedCall;
  expect: Partial<Pick<SimulationResult, 'virtualHost' | 'route' | 'destination' | 'destinationRule' | 'cluster' | 'endpoints' | 'fault' | 'timeoutMs' | 'mirrors' | 'outbound' | 'redirect' | 'upstreamRequest' | 'noListener'>> & { status?: number; flags: string; reason?: RegExp; passedOver?: string[] };
}

const cases: Case[] = [
  // Chapter ingress-gateway, step by step.
  { name: 'no Gateway yet: no listener on port 80', config: [httpbinSvc], call: atIngress('/status/200'), expect: { flags: '-', noListener: 'no Gateway server selecting this gateway listens on port 80', reason: /connection refused/ } },
  { name: 'Gateway without a VirtualService: 404 NR, no virtual host', config: [httpbinSvc, gateway], call: atIngress('/status/200'), expect: { status: 404, flags: 'NR', reason: /no virtual host for 127.0.0.1:30080 on port 80/ } },
  { name: 'route /status and /delay: /status/200 goes to httpbin', config: [httpbinSvc, gateway, statusAndDelay], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: atIngress('/status/200'), expect: { flags: '-', virtualHost: '*:80', route: { virtualService: 'bookinfo/httpbin', ruleIndex: 0, ruleName: undefined, matchIndex: 0, matchName: undefined }, destination: { host: 'httpbin', port: 8000, subset: undefined }, cluster: HTTPBIN, endpoints: ['10.244.0.5:8080'], reason: /routed by VirtualService bookinfo\/httpbin rule 0/ } },
  { name: '/delay/2 matches the second match block', config: [httpbinSvc, gateway, statusAndDelay], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: atIngress('/delay/2'), expect: { flags: '-', route: { virtualService: 'bookinfo/httpbin', ruleIndex: 0, ruleName: undefined, matchIndex: 1, matchName: undefined } } },
  { name: '/headers is not routed: 404 NR, the rule passed over', config: [httpbinSvc, gateway, statusAndDelay], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: atIngress('/headers'), expect: { status: 404, flags: 'NR', passedOver: ['path /headers does not start with /status', 'path /headers does not start with /delay'], reason: /only routes \/status, \/delay/ } },
  { name: '/status removed: /status/200 is 404 and the trace names the /delay match', config: [httpbinSvc, gateway, delayOnly], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: atIngress('/status/200'), expect: { status: 404, flags: 'NR', passedOver: ['path /status/200 does not start with /delay'], reason: /VirtualService bookinfo\/httpbin only routes \/delay/ } },
  { name: 'subset v1 without a DestinationRule: 503 NC with the missing subset', config: [httpbinSvc, gateway, vsWith([toHttpbin({ subset: 'v1' })])], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: atIngress('/status/200'), expect: { status: 503, flags: 'NC', cluster: 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local', reason: /subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule/ } },
  { name: 'DestinationRule defines v1: the subset cluster is used', config: [httpbinSvc, gateway, vsWith([toHttpbin({ subset: 'v1' })]), drV1], cds: { 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local': ['10.244.0.5:8080'] }, call: atIngress('/status/200'), expect: { flags: '-', destinationRule: 'bookinfo/httpbin', cluster: 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local' } },
  // Failure cases of istio-semantics (what a client sees).
  { name: 'subset whose labels select no pod: 503 UH', config: [httpbinSvc, gateway, vsWith([toHttpbin({ subset: 'v1' })]), drV1], cds: { 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local': [] }, call: atIngress('/status/200'), expect: { status: 503, flags: 'UH', reason: /no healthy upstream/ } },
  { name: 'a Service with no ready endpoints: 503 UH', config: [httpbinSvc, gateway, vsWith([toHttpbin()])], cds: { [HTTPBIN]: [] }, call: atIngress('/status/200'), expect: { status: 503, flags: 'UH', cluster: HTTPBIN, endpoints: [], reason: /no healthy upstream: no ready pod of httpbin/ } },
  { name: 'unknown destination host: 503 NC', config: [httpbinSvc, gateway, vsWith([{ route: [{ destination: { host: 'httpbin2', port: { number: 8000 } } }] }])], call: atIngress('/status/200'), expect: { status: 503, flags: 'NC', reason: /host httpbin2.bookinfo.svc.cluster.local is neither a Service nor a ServiceEntry host/ } },
  { name: 'wrong destination port: 503 NC', config: [httpbinSvc, gateway, vsWith([{ route: [{ destination: { host: 'httpbin', port: { number: 80 } } }] }])], call: atIngress('/status/200'), expect: { status: 503, flags: 'NC', reason: /Service httpbin.bookinfo.svc.cluster.local has no port 80/ } },
  { name: 'fault abort 100%: FI with the configured status', config: [httpbinSvc, gateway, vsWith([{ fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }, ...toHttpbin() }])], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: atIngress('/status/200'), expect: { status: 418, flags: 'FI', fault: { delayMs: undefined, abortStatus: 418 } } },
  { name: 'fault delay then abort: DI,FI', config: [httpbinSvc, gateway, vsWith([{ fault: { delay: { fixedDelay: '2s', percentage: { value: 100 } }, abort: { httpStatus: 500, percentage: { value: 100 } } }, ...toHttpbin() }])], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: atIngress('/status/200'), expect: { status: 500, flags: 'DI,FI', fault: { delayMs: 2000, abortStatus: 500 } } },
  { name: 'fault without a percentage injects nothing', config: [httpbinSvc, gateway, vsWith([{ fault: { abort: { httpStatus: 500 } }, ...toHttpbin() }])], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: atIngress('/status/200'), expect: { flags: '-', cluster: HTTPBIN } },
  { name: 'redirect keeps the query, default 301', config: [httpbinSvc, gateway, vsWith([{ redirect: { uri: '/get' } }])], call: atIngress('/old?x=1'), expect: { status: 301, flags: '-', redirect: { location: 'http://127.0.0.1/get?x=1' } } },
  { name: 'rewrite replaces the matched prefix; timeout, mirror resolved', config: [httpbinSvc, gateway, vsWith([{ match: [{ uri: { prefix: '/api' } }], rewrite: { uri: '/anything' }, timeout: '3s', mirror: { host: 'httpbin' }, ...toHttpbin() }])], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: atIngress('/api/x'), expect: { flags: '-', upstreamRequest: { path: "/anything/x", authority: "127.0.0.1:30080", rewritten: true }, timeoutMs: 3000, mirrors: ['httpbin.bookinfo.svc.cluster.local'] } },
  { name: 'httpsRedirect server: 301 to https', config: [httpbinSvc, istio('Gateway', 'gw', 'bookinfo', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { httpsRedirect: true } }] })], call: atIngress('/x'), expect: { status: 301, flags: '-', redirect: { location: 'https://127.0.0.1:30080/x' } } },
  // Chapter egress-gateway (a sidecar's outbound side).
  { name: 'ALLOW_ANY: httpbin.org passes through', config: [], call: { proxy: { kind: 'sidecar', namespace: 'egress-demo' }, port: 80, authority: 'httpbin.org', path: '/get' }, expect: { flags: '-', cluster: 'PassthroughCluster', outbound: { mode: 'ALLOW_ANY', result: 'passthrough' } } },
  { name: 'REGISTRY_ONLY without a ServiceEntry: 502 BlackHole', config: [meshConfig('REGISTRY_ONLY')], call: { proxy: { kind: 'sidecar', namespace: 'egress-demo' }, port: 80, authority: 'httpbin.org', path: '/get' }, expect: { status: 502, flags: '-', cluster: 'BlackHoleCluster', outbound: { mode: 'REGISTRY_ONLY', result: 'blocked' }, reason: /no ServiceEntry for httpbin.org/ } },
  { name: 'REGISTRY_ONLY with a ServiceEntry: the entry allows it', config: [meshConfig('REGISTRY_ONLY'), istio('ServiceEntry', 'httpbin-ext', 'egress-demo', { hosts: ['httpbin.org'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DNS', location: 'MESH_EXTERNAL' })], cds: { 'outbound|80||httpbin.org': ['httpbin.org:80'] }, call: { proxy: { kind: 'sidecar', namespace: 'egress-demo' }, port: 80, authority: 'httpbin.org', path: '/get' }, expect: { flags: '-', cluster: 'outbound|80||httpbin.org', outbound: { mode: 'REGISTRY_ONLY', serviceEntry: 'egress-demo/httpbin-ext', result: 'service' } } },
  // A sidecar's own service resolution (no VirtualService): Kubernetes DNS names and cluster IPs.
  { name: 'sidecar, Host httpbin.bookinfo:8000 from another namespace: the service cluster', config: [httpbinSvc], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: { proxy: { kind: 'sidecar', namespace: 'default' }, port: 8000, authority: 'httpbin.bookinfo:8000', path: '/get' }, expect: { flags: '-', cluster: HTTPBIN, destination: { host: 'httpbin.bookinfo.svc.cluster.local', port: 8000 }, outbound: { mode: 'ALLOW_ANY', result: 'service' } } },
  { name: 'sidecar, cluster IP with an unknown Host: the service the address belongs to', config: [{ ...httpbinSvc, spec: { ...(httpbinSvc.spec as object), clusterIP: '10.96.0.20' } }], cds: { [HTTPBIN]: ['10.244.0.5:8080'] }, call: { proxy: { kind: 'sidecar', namespace: 'default' }, port: 8000, authority: 'whatever', path: '/get', originalDestination: { host: '10.96.0.20', port: 8000 } }, expect: { flags: '-', cluster: HTTPBIN } },
  { name: 'sidecar, REGISTRY_ONLY, a pod IP: passed through to that address', config: [meshConfig('REGISTRY_ONLY')], call: { proxy: { kind: 'sidecar', namespace: 'default' }, port: 8080, authority: '10.244.0.5:8080', path: '/get', originalDestination: { host: '10.244.0.5', port: 8080, pod: true } }, expect: { flags: '-', cluster: 'PassthroughCluster', endpoints: ['10.244.0.5:8080'], outbound: { mode: 'REGISTRY_ONLY', result: 'passthrough' } } },
  { name: 'VirtualService timeout 3s on httpbin.org', config: [istio('ServiceEntry', 'httpbin-ext', 'egress-demo', { hosts: ['httpbin.org'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DNS' }), istio('VirtualService', 'httpbin-ext', 'egress-demo', { hosts: ['httpbin.org'], http: [{ timeout: '3s', route: [{ destination: { host: 'httpbin.org' } }] }] })], cds: { 'outbound|80||httpbin.org': ['httpbin.org:80'] }, call: { proxy: { kind: 'sidecar', namespace: 'egress-demo' }, port: 80, authority: 'httpbin.org', path: '/delay/5' }, expect: { flags: '-', timeoutMs: 3000, route: { virtualService: 'egress-demo/httpbin-ext', ruleIndex: 0, ruleName: undefined, matchIndex: -1, matchName: undefined } } },
  { name: 'egress via the egress gateway: mesh rule goes to the gateway subset', config: [service('istio-egressgateway', 'istio-system', 80), istio('DestinationRule', 'egressgateway-for-httpbin', 'egress-demo', { host: 'istio-egressgateway.istio-system.svc.cluster.local', subsets: [{ name: 'httpbin' }] }), istio('VirtualService', 'direct-httpbin-through-egress-gateway', 'egress-demo', { hosts: ['httpbin.org'], gateways: ['istio-egressgateway', 'mesh'], http: [{ match: [{ gateways: ['mesh'], port: 80 }], route: [{ destination: { host: 'istio-egressgateway.istio-system.svc.cluster.local', subset: 'httpbin', port: { number: 80 } } }] }, { match: [{ gateways: ['istio-egressgateway'], port: 80 }], route: [{ destination: { host: 'httpbin.org', port: { number: 80 } } }] }] })], cds: { 'outbound|80|httpbin|istio-egressgateway.istio-system.svc.cluster.local': ['10.244.0.9:8080'] }, call: { proxy: { kind: 'sidecar', namespace: 'egress-demo' }, port: 80, authority: 'httpbin.org', path: '/status/200' }, expect: { flags: '-', cluster: 'outbound|80|httpbin|istio-egressgateway.istio-system.svc.cluster.local', destinationRule: 'egress-demo/egressgateway-for-httpbin' } },
];

describe('simulate', () => {
  it.each(cases)('$name', ({ config, cds, call, expect: want }) => {
    const r = run(config, cds ?? {}, call);
    expect(r.response.flags).toBe(want.flags);
    if (want.status !== undefined) expect(r.response.status).toBe(want.status);
    if (want.reason) expect(r.reason).toMatch(want.reason);
    if (want.passedOver) expect(r.passedOver.flatMap((p) => p.failures)).toEqual(want.passedOver);
    const { status: _s, flags: _f, reason: _r, passedOver: _p, ...fields } = want;
    for (const [k, v] of Object.entries(fields)) expect(r[k as keyof SimulationResult], k).toEqual(v);
  });

  it('weights choose the destination with the random source passed in', () => {
    const vs = vsWith([{ route: [{ destination: { host: 'httpbin', port: { number: 8000 }, subset: 'v1' }, weight: 90 }, { destination: { host: 'httpbin', port: { number: 8000 }, subset: 'v2' }, weight: 10 }] }]);
    const cds = { 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local': ['a:1'], 'outbound|8000|v2|httpbin.bookinfo.svc.cluster.local': ['b:1'] };
    expect(run([httpbinSvc, gateway, vs], cds, atIngress('/'), () => 0.5).destination?.subset).toBe('v1');
    expect(run([httpbinSvc, gateway, vs], cds, atIngress('/'), () => 0.95).destination?.subset).toBe('v2');
  });
});

describe('simulate: every reason also in Chinese', () => {
  it.each(cases)('$name', ({ config, cds, call }) => {
    const r = run(config, cds ?? {}, call);
    expect(r.reasonZh).not.toBe(r.reason);
    expect(untranslatedWords(r.reasonZh, [r.destination?.host, r.destination?.subset, r.route?.ruleName, r.cluster].filter((x): x is string => Boolean(x)))).toEqual([]);
  });
});

// The retry policy a route gets, as istiod converts `retries` (pilot/pkg/networking/core/route/retry,
// ConvertPolicy) and as https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
// describes it ("If `0`, retries will be disabled. The maximum possible number of requests made will be
// 1 + `attempts`"). Istio 1.24+ leaves 503 out of the default (EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY).
describe('simulate: retry policies', () => {
  const DEFAULT_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
  const meshRetries = (yaml: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: yaml } });
  const withRetries = (retries: unknown) => vsWith([{ ...toHttpbin(), ...(retries === undefined ? {} : { retries }) }]);
  const sidecarCall: SimulatedCall = { proxy: { kind: 'sidecar', namespace: 'bookinfo' }, port: 8000, authority: 'httpbin:8000', path: '/status/503' };
  const retryCases: { name: string; config: KubeObject[]; call?: SimulatedCall; retries: SimulationResult['retries'] }[] = [
    { name: 'no retries in the route: Istio’s default, 2 retries, no retriable status code', config: [withRetries(undefined)], retries: { attempts: 2, retryOn: DEFAULT_ON, retriableStatusCodes: [], previousHosts: true } },
    { name: 'attempts 0 turns retries off', config: [withRetries({ attempts: 0 })], retries: { attempts: 0, retryOn: '', retriableStatusCodes: [], previousHosts: false } },
    { name: 'attempts only: the default conditions with that many retries', config: [withRetries({ attempts: 5 })], retries: { attempts: 5, retryOn: DEFAULT_ON, retriableStatusCodes: [], previousHosts: true } },
    { name: 'retryOn replaces the conditions', config: [withRetries({ attempts: 3, retryOn: '5xx,reset' })], retries: { attempts: 3, retryOn: '5xx,reset', retriableStatusCodes: [], previousHosts: true } },
    { name: 'status codes in retryOn become retriable status codes', config: [withRetries({ attempts: 2, retryOn: 'connect-failure,503' })], retries: { attempts: 2, retryOn: 'connect-failure,retriable-status-codes', retriableStatusCodes: [503], previousHosts: true } },
    { name: 'retriable-status-codes written out is not added twice', config: [withRetries({ attempts: 2, retryOn: 'retriable-status-codes,503,504' })], retries: { attempts: 2, retryOn: 'retriable-status-codes', retriableStatusCodes: [503, 504], previousHosts: true } },
    { name: 'a number that is no HTTP status stays a condition', config: [withRetries({ attempts: 2, retryOn: '999' })], retries: { attempts: 2, retryOn: '999', retriableStatusCodes: [], previousHosts: true } },
    { name: 'perTryTimeout and retryIgnorePreviousHosts: false', config: [withRetries({ attempts: 2, perTryTimeout: '500ms', retryIgnorePreviousHosts: false })], retries: { attempts: 2, retryOn: DEFAULT_ON, perTryTimeoutMs: 500, retriableStatusCodes: [], previousHosts: false } },
    { name: 'the mesh’s defaultHttpRetryPolicy applies to routes without retries', config: [meshRetries('defaultHttpRetryPolicy:\n  attempts: 4\n  retryOn: gateway-error\n'), withRetries(undefined)], retries: { attempts: 4, retryOn: 'gateway-error', retriableStatusCodes: [], previousHosts: true } },
    { name: 'a route’s own retries win over the mesh default', config: [meshRetries('defaultHttpRetryPolicy:\n  attempts: 4\n'), withRetries({ attempts: 1 })], retries: { attempts: 1, retryOn: DEFAULT_ON, retriableStatusCodes: [], previousHosts: true } },
    { name: 'sidecar, no VirtualService: the default route to the service has the default policy', config: [], call: sidecarCall, retries: { attempts: 2, retryOn: DEFAULT_ON, retriableStatusCodes: [], previousHosts: true } },
    { name: 'sidecar, no VirtualService, mesh default: that policy', config: [meshRetries('defaultHttpRetryPolicy:\n  attempts: 0\n')], call: sidecarCall, retries: { attempts: 0, retryOn: '', retriableStatusCodes: [], previousHosts: false } },
    { name: 'sidecar, passthrough to an unknown host: no retry policy', config: [], call: { proxy: { kind: 'sidecar', namespace: 'bookinfo' }, port: 80, authority: 'httpbin.org', path: '/get' }, retries: undefined },
  ];
  it.each(retryCases)('$name', ({ config, call, retries }) => {
    const r = run([httpbinSvc, gateway, ...config], { [HTTPBIN]: ['10.244.0.5:8080'] }, call ?? atIngress('/status/503'));
    expect(r.retries).toEqual(retries);
  });
});

// Delegates, as the Delegate section of https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
// shows them (a root VirtualService bound to a gateway sends /productpage and /reviews to delegate
// VirtualServices without hosts in other namespaces), merged as Istio's mergeVirtualServicesIfNeeded merges:
// each delegate rule's matches must narrow the root rule's; conflicting rules, missing delegates and
// delegates not exported to the root's namespace are left out; the root rule fills what the delegate leaves unset.
describe('simulate: VirtualService delegates', () => {
  const svc = (name: string, ns: string) => service(name, ns, 9080);
  const services = [svc('productpage', 'nsa'), svc('productpage-v1', 'nsa'), svc('reviews', 'nsb')];
  const bookinfoGw = istio('Gateway', 'mygateway', 'default', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['bookinfo.com'] }] });
  const root = (http: unknown[]) => istio('VirtualService', 'bookinfo', 'default', { hosts: ['bookinfo.com'], gateways: ['mygateway'], http });
  const rootRules = [
    { match: [{ uri: { prefix: '/productpage' } }], delegate: { name: 'productpage', namespace: 'nsa' } },
    { match: [{ uri: { prefix: '/reviews' } }], delegate: { name: 'reviews', namespace: 'nsb' } },
  ];
  const productpage = istio('VirtualService', 'productpage', 'nsa', { http: [{ match: [{ uri: { prefix: '/productpage/v1/' } }], route: [{ destination: { host: 'productpage-v1.nsa.svc.cluster.local' } }] }, { route: [{ destination: { host: 'productpage.nsa.svc.cluster.local' } }] }] });
  const reviews = (spec: Record<string, unknown> = {}) => istio('VirtualService', 'reviews', 'nsb', { http: [{ route: [{ destination: { host: 'reviews' } }] }], ...spec });
  const cds = { 'outbound|9080||productpage.nsa.svc.cluster.local': ['10.244.0.11:9080'], 'outbound|9080||productpage-v1.nsa.svc.cluster.local': ['10.244.0.12:9080'], 'outbound|9080||reviews.nsb.svc.cluster.local': ['10.244.0.13:9080'] };
  const at = (path: string, headers?: Record<string, string>) => atIngress(path, { authority: 'bookinfo.com', ...(headers ? { headers } : {}) });
  const delegateCases: { name: string; config: KubeObject[]; call: SimulatedCall; want: Partial<SimulationResult> & { status?: number } }[] = [
    { name: 'the first delegate rule narrower than /productpage', config: [root(rootRules), productpage, reviews()], call: at('/productpage/v1/x'), want: { route: { virtualService: 'nsa/productpage', ruleIndex: 0, ruleName: undefined, matchIndex: 0, matchName: undefined, delegatedBy: { virtualService: 'default/bookinfo', ruleIndex: 0 } }, cluster: 'outbound|9080||productpage-v1.nsa.svc.cluster.local' } },
    { name: 'the delegate’s catch-all takes the root’s match', config: [root(rootRules), productpage, reviews()], call: at('/productpage'), want: { route: { virtualService: 'nsa/productpage', ruleIndex: 1, ruleName: undefined, matchIndex: 0, matchName: undefined, delegatedBy: { virtualService: 'default/bookinfo', ruleIndex: 0 } }, cluster: 'outbound|9080||productpage.nsa.svc.cluster.local' } },
    { name: 'a short name in a delegate resolves in the delegate’s namespace', config: [root(rootRules), productpage, reviews()], call: at('/reviews/1'), want: { route: { virtualService: 'nsb/reviews', ruleIndex: 0, ruleName: undefined, matchIndex: 0, matchName: undefined, delegatedBy: { virtualService: 'default/bookinfo', ruleIndex: 1 } }, cluster: 'outbound|9080||reviews.nsb.svc.cluster.local' } },
    { name: 'outside every root match: 404', config: [root(rootRules), productpage, reviews()], call: at('/ratings'), want: { status: 404 } },
    { name: 'a delegate rule wider than the root’s match conflicts and is left out', config: [root(rootRules), productpage, reviews({ http: [{ match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'reviews' } }] }] })], call: at('/reviews/1'), want: { status: 404 } },
    { name: 'an exact match under the root prefix is a subset', config: [root(rootRules), productpage, reviews({ http: [{ match: [{ uri: { exact: '/reviews/2' } }], route: [{ destination: { host: 'reviews' } }] }] })], call: at('/reviews/2'), want: { cluster: 'outbound|9080||reviews.nsb.svc.cluster.local' } },
    { name: 'a regex under a prefix conflicts', config: [root(rootRules), productpage, reviews({ http: [{ match: [{ uri: { regex: '/reviews/.*' } }], route: [{ destination: { host: 'reviews' } }] }] })], call: at('/reviews/2'), want: { status: 404 } },
    { name: 'a missing delegate leaves only its rule out', config: [root(rootRules), reviews()], call: at('/productpage'), want: { status: 404 } },
    { name: '…and the other rules still route', config: [root(rootRules), reviews()], call: at('/reviews/1'), want: { cluster: 'outbound|9080||reviews.nsb.svc.cluster.local' } },
    { name: 'a delegate exported only to its own namespace is not merged', config: [root(rootRules), productpage, reviews({ exportTo: ['.'] })], call: at('/reviews/1'), want: { status: 404 } },
    { name: 'a VirtualService with hosts is no delegate', config: [root(rootRules), productpage, reviews({ hosts: ['reviews'] })], call: at('/reviews/1'), want: { status: 404 } },
    { name: 'the root rule’s timeout, name and headers fill the delegate rule', config: [root([{ name: 'rv', match: [{ uri: { prefix: '/reviews' } }], timeout: '3s', delegate: { name: 'reviews', namespace: 'nsb' } }]), reviews({ http: [{ name: 'all', route: [{ destination: { host: 'reviews' } }] }] })], call: at('/reviews/1'), want: { timeoutMs: 3000, route: { virtualService: 'nsb/reviews', ruleIndex: 0, ruleName: 'rv-all', matchIndex: 0, matchName: undefined, delegatedBy: { virtualService: 'default/bookinfo', ruleIndex: 0 } } } },
    { name: 'the delegate’s own timeout wins', config: [root([{ match: [{ uri: { prefix: '/reviews' } }], timeout: '3s', delegate: { name: 'reviews', namespace: 'nsb' } }]), reviews({ http: [{ timeout: '1s', route: [{ destination: { host: 'reviews' } }] }] })], call: at('/reviews/1'), want: { timeoutMs: 1000 } },
    { name: 'merged matches AND the root’s header with the delegate’s path', config: [root([{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], delegate: { name: 'reviews', namespace: 'nsb' } }]), reviews({ http: [{ match: [{ uri: { prefix: '/reviews' } }], route: [{ destination: { host: 'reviews' } }] }] })], call: at('/reviews/1'), want: { status: 404 } },
    { name: '…which the request with the header passes', config: [root([{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], delegate: { name: 'reviews', namespace: 'nsb' } }]), reviews({ http: [{ match: [{ uri: { prefix: '/reviews' } }], route: [{ destination: { host: 'reviews' } }] }] })], call: at('/reviews/1', { 'end-user': 'jason' }), want: { cluster: 'outbound|9080||reviews.nsb.svc.cluster.local' } },
    { name: 'delegate namespace defaults to the root’s', config: [root([{ match: [{ uri: { prefix: '/local' } }], delegate: { name: 'local' } }]), istio('VirtualService', 'local', 'default', { http: [{ route: [{ destination: { host: 'reviews.nsb.svc.cluster.local' } }] }] })], call: at('/local'), want: { route: { virtualService: 'default/local', ruleIndex: 0, ruleName: undefined, matchIndex: 0, matchName: undefined, delegatedBy: { virtualService: 'default/bookinfo', ruleIndex: 0 } } } },
  ];
  // Every service here has the one port 9080, which a destination without a port means.
  const runAt9080 = (config: KubeObject[], call: SimulatedCall) => {
    const snapshot = translateConfig(config, 1);
    const lookup = clusters(cds);
    return simulate({ snapshot, gatewayTable: buildGatewayTable(snapshot, ingressPod), cluster: (q) => lookup({ ...q, port: q.port ?? 9080 }), random: () => 0 }, call);
  };
  it.each(delegateCases)('$name', ({ config, call, want }) => {
    const { status, ...rest } = want;
    const r = runAt9080([...services, bookinfoGw, ...config], call);
    expect(r).toMatchObject(rest);
    if (status !== undefined) expect(r.response.status).toBe(status);
    else expect(r.response.kind).toBe('upstream');
  });

  it('a sidecar merges delegates of a mesh VirtualService too', () => {
    const meshRoot = istio('VirtualService', 'reviews-root', 'nsb', { hosts: ['reviews'], http: [{ match: [{ uri: { prefix: '/v2' } }], delegate: { name: 'reviews-v2' } }, { route: [{ destination: { host: 'reviews' } }] }] });
    const d = istio('VirtualService', 'reviews-v2', 'nsb', { http: [{ route: [{ destination: { host: 'productpage.nsa.svc.cluster.local' } }] }] });
    const r = runAt9080([...services, meshRoot, d], { proxy: { kind: 'sidecar', namespace: 'nsb' }, port: 9080, authority: 'reviews:9080', path: '/v2/x' });
    expect(r.route).toMatchObject({ virtualService: 'nsb/reviews-v2', delegatedBy: { virtualService: 'nsb/reviews-root', ruleIndex: 0 } });
    expect(r.cluster).toBe('outbound|9080||productpage.nsa.svc.cluster.local');
  });
});

// Mirroring percentages as Istio translates them (mirrorPercent in pilot's route translation):
// mirrorPercentage, else the deprecated integer mirrorPercent, else every request; an explicit 0 mirrors
// nothing. https://istio.io/latest/docs/tasks/traffic-management/mirroring/ ("Mirroring traffic to v2":
// mirrorPercentage value 100.0) and the VirtualService reference (HTTPRoute.mirrorPercentage, HTTPMirrorPolicy).
describe('simulate: mirrors and their percentages', () => {
  const drV2 = istio('DestinationRule', 'httpbin', 'bookinfo', { host: 'httpbin', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
  const v1 = { route: [{ destination: { host: 'httpbin', subset: 'v1', port: { number: 8000 } }, weight: 100 }] };
  const mirrorV2 = { host: 'httpbin', subset: 'v2', port: { number: 8000 } };
  const V2 = 'outbound|8000|v2|httpbin.bookinfo.svc.cluster.local';
  const cds = { 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local': ['10.244.0.5:80'], [V2]: ['10.244.0.6:80'] };
  const mirrorCases: { name: string; rule: Record<string, unknown>; random: number; clusters: string[] | undefined }[] = [
    { name: 'mirror without a percentage: every request', rule: { ...v1, mirror: mirrorV2 }, random: 0.99, clusters: [V2] },
    { name: 'mirrorPercentage 100.0 (the task’s rule)', rule: { ...v1, mirror: mirrorV2, mirrorPercentage: { value: 100.0 } }, random: 0.99, clusters: [V2] },
    { name: 'mirrorPercentage 50: a draw under 50 mirrors', rule: { ...v1, mirror: mirrorV2, mirrorPercentage: { value: 50 } }, random: 0.4, clusters: [V2] },
    { name: 'mirrorPercentage 50: a draw over 50 does not', rule: { ...v1, mirror: mirrorV2, mirrorPercentage: { value: 50 } }, random: 0.6, clusters: undefined },
    { name: 'mirrorPercentage 0: nothing', rule: { ...v1, mirror: mirrorV2, mirrorPercentage: { value: 0 } }, random: 0, clusters: undefined },
    { name: 'mirrorPercentage without a value: nothing', rule: { ...v1, mirror: mirrorV2, mirrorPercentage: {} }, random: 0, clusters: undefined },
    { name: 'the deprecated mirrorPercent', rule: { ...v1, mirror: mirrorV2, mirrorPercent: 30 }, random: 0.5, clusters: undefined },
    { name: 'the deprecated mirrorPercent, under it', rule: { ...v1, mirror: mirrorV2, mirrorPercent: 30 }, random: 0.2, clusters: [V2] },
    { name: 'mirrors[] each with its own percentage', rule: { ...v1, mirrors: [{ destination: mirrorV2, percentage: { value: 10 } }, { destination: { host: 'httpbin', subset: 'v1', port: { number: 8000 } } }] }, random: 0.5, clusters: ['outbound|8000|v1|httpbin.bookinfo.svc.cluster.local'] },
  ];
  it.each(mirrorCases)('$name', ({ rule, random, clusters }) => {
    const r = run([httpbinSvc, gateway, vsWith([rule]), drV2], cds, atIngress('/headers'), () => random);
    expect(r.mirrorClusters).toEqual(clusters);
    expect(r.cluster).toBe('outbound|8000|v1|httpbin.bookinfo.svc.cluster.local');
  });
});
