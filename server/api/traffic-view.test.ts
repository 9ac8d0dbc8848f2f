// Where along client → proxy → VirtualService → service → subset → pod each kind of answer stops,
// as the Traffic panel draws it (Envoy's response flags: NR at the listener, NC/UH at the cluster,
// UF/UT at the upstream host; https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage).
import { describe, expect, it } from 'vitest';
import type { RouteDecision } from '../sim/mesh/decisions.ts';
import { trafficEntry, trafficFinding, trafficStages } from './traffic-view.ts';

const vs = { name: 'httpbin', namespace: 'bookinfo', ruleIndex: 0, matchIndex: 0 };
const d = (kind: RouteDecision['response']['kind'], status: number, flags: string, over: Partial<RouteDecision> = {}): RouteDecision => ({
  id: 7,
  time: '2026-12-03T06:00:00.000Z',
  requestId: 'r1',
  proxy: { kind: 'gateway', namespace: 'istio-system', pod: 'istio-ingressgateway-1' },
  listener: { port: 80 },
  request: { method: 'GET', authority: 'httpbin.example.com', path: '/status/200' },
  response: { status, kind, flags, details: '' },
  ...over,
});

/** The stages as one line: `kind` for passed stages, `kind✗` where it stopped, `(kind)` never reached. */
const drawn = (x: RouteDecision) => trafficStages(x).map((s) => (s.stopped ? `${s.kind}✗` : s.skipped ? `(${s.kind})` : s.kind)).join(' ');

describe('trafficStages', () => {
  const routed = { virtualService: vs, destination: { host: 'httpbin', port: 8000 } };
  const cases: { name: string; decision: RouteDecision; expected: string }[] = [
    { name: '404 NR: no route at the gateway', decision: d('no_route', 404, 'NR'), expected: 'client gateway✗ (service) (pod)' },
    { name: '503 NC: a subset no DestinationRule defines', decision: d('cluster_not_found', 503, 'NC', { virtualService: vs, destination: { host: 'httpbin', port: 8000, subset: 'v1' } }), expected: 'client gateway route service subset✗ (pod)' },
    { name: '503 UH: no ready pod of the service', decision: d('no_healthy_upstream', 503, 'UH', routed), expected: 'client gateway route service✗ (pod)' },
    { name: '504 UT: the pod did not answer in time', decision: d('timeout', 504, 'UT', { ...routed, upstreamHost: '10.244.0.5:80' }), expected: 'client gateway route service pod✗' },
    { name: 'fault abort: the VirtualService answered', decision: d('fault_abort', 503, 'FI', routed), expected: 'client gateway route✗ (service) (pod)' },
    { name: 'REGISTRY_ONLY: the sidecar refused', decision: d('registry_only_blocked', 502, '-', { proxy: { kind: 'sidecar', namespace: 'default', pod: 'sleep-1' } }), expected: 'client sidecar✗ (service) (pod)' },
    { name: '200: through to the pod', decision: d('upstream', 200, '-', { ...routed, upstreamHost: '10.244.0.5:80' }), expected: 'client gateway route service pod' },
  ];
  it.each(cases)('$name', ({ decision, expected }) => {
    expect(drawn(decision)).toBe(expected);
  });

  it('labels say what is at each stage', () => {
    const stages = trafficStages(d('cluster_not_found', 503, 'NC', { virtualService: vs, destination: { host: 'httpbin', port: 8000, subset: 'v1' } }));
    expect(stages.map((s) => s.label)).toEqual(['', 'istio-system/istio-ingressgateway-1:80', 'VirtualService bookinfo/httpbin', 'httpbin:8000', 'v1', '']);
  });
});

describe('trafficEntry', () => {
  it('carries the request, the answer, the reason and the explanation in the page language', () => {
    const e = trafficEntry(d('no_route', 404, 'NR', { trace: { passedOver: [], reason: 'no route matched; VirtualService bookinfo/httpbin only routes /delay' } }), 'zh');
    expect(e).toMatchObject({ id: 7, method: 'GET', host: 'httpbin.example.com', path: '/status/200', status: 404, flags: 'NR', reason: 'no route matched; VirtualService bookinfo/httpbin only routes /delay' });
    expect(e.explanation).toContain('原因: no route matched');
  });
  it('shows the Chinese reason on zh pages and the English one on en pages, when the trace has both', () => {
    const trace = { passedOver: [], reason: 'no route matched; VirtualService bookinfo/httpbin only routes /delay', reasonZh: '没有匹配的路由；VirtualService bookinfo/httpbin 只路由 /delay' };
    const zh = trafficEntry(d('no_route', 404, 'NR', { trace }), 'zh');
    expect(zh.reason).toBe(trace.reasonZh);
    expect(zh.explanation).toContain(`原因: ${trace.reasonZh}`);
    expect(trafficEntry(d('no_route', 404, 'NR', { trace }), 'en').reason).toBe(trace.reason);
  });
});

describe('trafficFinding', () => {
  it('keeps istioctl analyze’s line', () => {
    const f = trafficFinding({ code: 'IST0101', name: 'ReferencedResourceNotFound', level: 'Error', origin: { kind: 'VirtualService', namespace: 'bookinfo', name: 'httpbin' }, text: 'Referenced host not found: "httpbin2"' });
    expect(f).toEqual({ level: 'Error', code: 'IST0101', origin: 'VirtualService bookinfo/httpbin', text: 'Referenced host not found: "httpbin2"', line: 'Error [IST0101] (VirtualService bookinfo/httpbin) Referenced host not found: "httpbin2"' });
  });
});
