// The recent-requests view: filters as `meshlab explain --path/--host/--status` sends them, and
// the text with where along the path the request stopped.
import { describe, expect, it } from 'vitest';
import type { RouteDecision } from './decisions.ts';
import { formatExplanation, pathSteps } from './explain-text.ts';
import { filterOf, matches } from './recent-requests-api.ts';

const d = (over: Partial<RouteDecision> = {}): RouteDecision => ({
  id: 1, time: '2026-12-02T00:00:00.000Z', requestId: 'r1', proxy: { kind: 'gateway', namespace: 'istio-system', pod: 'istio-ingressgateway-1' }, listener: { port: 80 },
  request: { method: 'GET', authority: 'httpbin.example.com:8080', path: '/status/200' }, response: { status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found' }, ...over,
});

describe('filters', () => {
  const cases: { name: string; query: string; decision: RouteDecision; expected: boolean }[] = [
    { name: 'path prefix', query: 'path=/status', decision: d(), expected: true },
    { name: 'other path', query: 'path=/delay', decision: d(), expected: false },
    { name: 'host ignores the port and case', query: 'host=HTTPBIN.example.com', decision: d(), expected: true },
    { name: 'status', query: 'status=503', decision: d(), expected: false },
    { name: 'request id', query: 'requestId=r1', decision: d(), expected: true },
  ];
  it.each(cases)('$name', ({ query, decision, expected }) => {
    const f = filterOf(new URL(`https://x/meshlab/v1/requests?${query}`));
    expect('error' in f).toBe(false);
    expect(matches(decision, f as Exclude<typeof f, { error: string }>)).toBe(expected);
  });
  it('a status that is not three digits is refused with what to send', () => {
    expect(filterOf(new URL('https://x/?status=4O4'))).toEqual({ error: 'status must be a three-digit HTTP status, not "4O4"' });
  });
});

describe('where the request stopped', () => {
  it('404: at the gateway', () => {
    expect(pathSteps(d())).toEqual([{ label: 'gateway istio-system/istio-ingressgateway-1:80', stopped: true }]);
  });
  it('503 NC: at the subset', () => {
    const steps = pathSteps(d({ response: { status: 503, kind: 'cluster_not_found', flags: 'NC', details: 'cluster_not_found' }, virtualService: { name: 'httpbin', namespace: 'bookinfo', ruleIndex: 0, matchIndex: 0 }, destination: { host: 'httpbin', port: 8000, subset: 'v1' } }));
    expect(steps.map((s) => `${s.label}${s.stopped ? ' ✗' : ''}`)).toEqual(['gateway istio-system/istio-ingressgateway-1:80', 'VirtualService bookinfo/httpbin', 'httpbin:8000', 'subset v1 ✗']);
  });
  it('200: through to the pod, nothing stopped', () => {
    const steps = pathSteps(d({ response: { status: 200, kind: 'upstream', flags: '-', details: 'via_upstream' }, destination: { host: 'httpbin', port: 8000 }, upstreamHost: '10.244.0.5:80' }));
    expect(steps.some((s) => s.stopped)).toBe(false);
    expect(steps.at(-1)!.label).toBe('10.244.0.5:80');
  });
  it('text in Chinese keeps Istio names and translates the labels', () => {
    const text = formatExplanation(d({ trace: { passedOver: [], reason: 'no route matched' } }), 'zh');
    expect(text).toContain('原因: no route matched');
    expect(text).toContain('路径: 客户端 → [gateway istio-system/istio-ingressgateway-1:80 ✗ 在此停止]');
  });
});
