// Which of the decisions recorded under a check's request id explains its answer, and how the
// status comparison carries the reason.
import { describe, expect, it } from 'vitest';
import { DecisionLog, type RouteDecision } from '../../sim/mesh/decisions.ts';
import { decisionFor, requestIdFor, traceLookup, withReason } from './request-trace.ts';

const rec = (pod: string, status: number, kind: RouteDecision['response']['kind'], proxy: 'gateway' | 'sidecar' = 'gateway'): Omit<RouteDecision, 'id'> => ({
  time: '', requestId: 'meshlab-check-1', proxy: { kind: proxy, namespace: 'ns', pod }, listener: { port: 80 },
  request: { method: 'GET', authority: 'h', path: '/' }, response: { status, kind, flags: kind === 'upstream' ? '-' : 'NR', details: '' },
  trace: { passedOver: [], reason: `${pod} ${kind}` },
});
const ids = (ds: Omit<RouteDecision, 'id'>[]) => ds.map((d, i) => ({ ...d, id: i + 1 }) as RouteDecision);

describe('decisionFor', () => {
  const cases: { name: string; decisions: Omit<RouteDecision, 'id'>[]; status: number; expected: string | undefined }[] = [
    { name: 'the gateway answered itself', decisions: [rec('gw', 404, 'no_route')], status: 404, expected: 'gw' },
    // The inner proxy finishes (and records) first; the outer one's record explains the whole path.
    { name: 'through to the workload: the outermost proxy', decisions: [rec('httpbin', 200, 'upstream', 'sidecar'), rec('gw', 200, 'upstream')], status: 200, expected: 'gw' },
    { name: 'the inner sidecar answered: where it stopped', decisions: [rec('httpbin', 503, 'no_healthy_upstream', 'sidecar'), rec('gw', 503, 'upstream')], status: 503, expected: 'httpbin' },
    { name: 'no record with the status the client got', decisions: [rec('gw', 200, 'upstream')], status: 404, expected: undefined },
  ];
  it.each(cases)('$name', ({ decisions, status, expected }) => {
    expect(decisionFor(ids(decisions), status)?.proxy.pod).toBe(expected);
  });
});

describe('requestIdFor', () => {
  it("keeps the check's own x-request-id, in any case", () => {
    expect(requestIdFor({ 'X-Request-Id': 'mine' })).toEqual({ id: 'mine', own: true });
  });
  it('makes an id Envoy keeps otherwise', () => {
    expect(requestIdFor(undefined).id).toMatch(/^meshlab-check-[0-9a-f]{18}$/);
  });
});

describe('withReason', () => {
  const trace = { status: 404, flags: 'NR', reason: 'no route matched', reasons: { en: 'no route matched', 'zh-Hans': '没有匹配的路由' }, explanation: { en: '', 'zh-Hans': '' } };
  it("a failing status carries the mesh's reason instead of the headers' guess", () => {
    const details = [
      { what: 'status', expected: '200', actual: "404 (the gateway answered itself: no route matches this request; check the VirtualService's hosts, gateways and match)", ok: false },
      { what: 'header server', expected: 'istio-envoy', actual: 'istio-envoy', ok: true },
    ];
    expect(withReason(details, trace).map((d) => d.actual)).toEqual(['404: no route matched', 'istio-envoy']);
    expect(withReason(details, trace)[0]!.actualZh).toBe('404：没有匹配的路由');
    expect(withReason([{ what: 'status', expected: '404', actual: '404', ok: true }], trace)[0]!.actual).toBe('404');
  });
});

describe('traceLookup', () => {
  it('waits for a record that trails the response', async () => {
    const log = new DecisionLog(10);
    setTimeout(() => log.record(rec('gw', 404, 'no_route')), 60);
    const t = await traceLookup(log)('meshlab-check-1', 404);
    expect(t).toMatchObject({ status: 404, flags: 'NR', reason: 'gw no_route' });
    expect(t?.explanation['zh-Hans']).toContain('原因');
  });
  it('gives up after a short wait', async () => {
    const started = Date.now();
    expect(await traceLookup(new DecisionLog(10))('nothing', 200)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
