// `meshlab explain`'s text, built from the simulation a proxy executes: the chapter's 404 after
// the `/status` match is removed names the VirtualService and the `/delay` match it failed, and
// its 503 names the subset no DestinationRule defines (istio.io/latest/docs/ops/common-problems/
// network-issues/, "503 errors after setting destination rule"; the ingress-control task).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { decisionOf } from './explain.ts';
import { formatExplanation } from './explain-text.ts';
import { simulate, type SimulatedCall, type SimulationResult } from './simulate.ts';
import { buildGatewayTable, translateConfig } from './translate.ts';
import type { ClusterLookup, ClusterQuery } from './upstreams.ts';
import type { RouteDecision } from './decisions.ts';

let rv = 1;
const istio = (kind: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace: 'bookinfo', creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: String(rv++), generation: 1 }, spec });
const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'bookinfo' }, spec: { ports: [{ name: 'http', port: 8000 }] } };
const gateway = istio('Gateway', 'httpbin-gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
const route = (match: unknown[] | undefined, subset?: string) => ({ ...(match ? { match } : {}), route: [{ destination: { host: 'httpbin', port: { number: 8000 }, ...(subset ? { subset } : {}) } }] });
const vs = (http: unknown[]) => istio('VirtualService', 'httpbin', { hosts: ['*'], gateways: ['httpbin-gateway'], http });
const dr = istio('DestinationRule', 'httpbin', { host: 'httpbin', subsets: [{ name: 'v1', labels: { version: 'v1' } }] });
const pod = { namespace: 'istio-system', name: 'istio-ingressgateway-0', labels: { istio: 'ingressgateway' } };

/** Only the plain service cluster exists; subset clusters exist when a DestinationRule defines them. */
function cds(config: KubeObject[]) {
  return (q: ClusterQuery): ClusterLookup => {
    const name = `outbound|${q.port}|${q.subset ?? ''}|httpbin.bookinfo.svc.cluster.local`;
    if (q.subset && !config.includes(dr)) return { kind: 'not_found', name };
    return { kind: 'ok', name, host: 'httpbin.bookinfo.svc.cluster.local', port: 8000, subset: q.subset, endpoints: [{ address: '10.244.0.7:80' }], limits: { maxConnections: 1, http1MaxPendingRequests: 1, http2MaxRequests: 1, maxRequestsPerConnection: 0 }, external: false, serviceNamespace: 'bookinfo' };
  };
}

/** What the gateway records for a call it answered exactly as simulated. */
function explained(config: KubeObject[], path: string, lang: 'en' | 'zh' = 'en'): { sim: SimulationResult; text: string } {
  const snapshot = translateConfig(config, 1);
  const call: SimulatedCall = { proxy: { kind: 'gateway', namespace: 'istio-system', labels: pod.labels }, port: 80, authority: '127.0.0.1:30080', path };
  const sim = simulate({ snapshot, gatewayTable: buildGatewayTable(snapshot, pod), cluster: cds(config), random: () => 0 }, call);
  const d: RouteDecision = {
    id: 1,
    ...decisionOf(sim, { time: '2026-12-03T07:00:00.000Z', requestId: 'r1', proxy: { kind: 'gateway', namespace: 'istio-system', pod: pod.name }, listener: { port: 80 }, request: { method: 'GET', authority: call.authority, path }, upstreamCluster: sim.cluster, response: { status: sim.response.status ?? 200, kind: sim.response.kind, flags: sim.response.flags, details: sim.response.details } }),
  };
  return { sim, text: formatExplanation(d, lang) };
}

describe('meshlab explain from the simulation', () => {
  it('404 after /status is removed: the VirtualService and the /delay match that failed', () => {
    const { text } = explained([service, gateway, vs([route([{ uri: { prefix: '/delay' } }])])], '/status/200');
    expect(text).toContain('GET 127.0.0.1:30080/status/200 → 404 (flag NR)');
    expect(text).toContain('Why: no route matched; VirtualService bookinfo/httpbin only routes /delay');
    expect(text).toContain('VirtualService bookinfo/httpbin rule 0: path /status/200 does not start with /delay');
    expect(text).toContain('Gateway server: Gateway bookinfo/httpbin-gateway server 0');
  });

  it('503 for subset v1: the subset no DestinationRule defines, where the request stopped', () => {
    const { text } = explained([service, gateway, vs([route([{ uri: { prefix: '/' } }], 'v1')])], '/headers');
    expect(text).toContain('→ 503 (flag NC)');
    expect(text).toContain('Why: cluster not found: subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule (VirtualService bookinfo/httpbin rule 0)');
    expect(text).toContain('DestinationRule: none (subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule)');
    expect(text).toContain('[subset v1 ✗ stopped here]');
    expect(text).toContain('VirtualService: bookinfo/httpbin rule 0 match 0');
  });

  it('with the DestinationRule: the rule, the endpoints and the default retries', () => {
    const { text } = explained([service, gateway, vs([route([{ uri: { prefix: '/' } }], 'v1')]), dr], '/headers', 'zh');
    expect(text).toContain('DestinationRule: bookinfo/httpbin');
    expect(text).toContain('可用端点: 10.244.0.7:80');
    expect(text).toContain('重试: 2 (条件 connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes)');
  });

  it('a delegate’s rule names the root rule that delegated to it', () => {
    const root = vs([{ match: [{ uri: { prefix: '/status' } }], delegate: { name: 'status' } }]);
    const delegate = istio('VirtualService', 'status', { http: [route(undefined)] });
    expect(explained([service, gateway, root, delegate], '/status/200').text).toContain('VirtualService: bookinfo/status rule 0 match 0 (delegated by bookinfo/httpbin rule 0)');
    expect(explained([service, gateway, root, delegate], '/status/200', 'zh').text).toContain('VirtualService: bookinfo/status 规则 0 匹配 0 (委托自 bookinfo/httpbin 规则 0)');
  });

  it('an exchange that ended otherwise than simulated says what happened', () => {
    const { sim } = explained([service, gateway, vs([route(undefined)])], '/delay/5');
    const d = decisionOf(sim, { time: '', requestId: 'r2', proxy: { kind: 'gateway', namespace: 'istio-system', pod: pod.name }, listener: { port: 80 }, request: { method: 'GET', authority: 'x', path: '/delay/5' }, upstreamCluster: sim.cluster, response: { status: 504, kind: 'timeout', flags: 'UT', details: 'response_timeout' } });
    expect(sim.response.kind).toBe('upstream');
    expect(d.trace?.reason).toBe('upstream request timeout (timeout set by VirtualService bookinfo/httpbin rule 0)');
    expect(d.simulation).toBe(sim);
  });
});
