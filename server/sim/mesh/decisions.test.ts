// The decision ring: bounded, newest last, searchable by request id, subscribers isolated.
import { describe, expect, it } from 'vitest';
import { DecisionLog, type RouteDecision } from './decisions.ts';

const d = (requestId: string): Omit<RouteDecision, 'id'> => ({
  time: '2026-01-01T00:00:00.000Z',
  requestId,
  proxy: { kind: 'gateway', namespace: 'istio-system', pod: 'gw' },
  listener: { port: 80 },
  request: { method: 'GET', authority: 'h', path: '/' },
  response: { status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found' },
});

describe('DecisionLog', () => {
  it('keeps only the newest entries up to its capacity, with increasing ids', () => {
    const log = new DecisionLog(3);
    for (const id of ['a', 'b', 'c', 'd']) log.record(d(id));
    expect(log.list().map((x) => x.requestId)).toEqual(['b', 'c', 'd']);
    expect(log.list(1)[0]!.id).toBe(4);
    expect(log.find('c')).toHaveLength(1);
    expect(log.find('a')).toHaveLength(0);
  });
  it('a throwing subscriber does not stop recording or other subscribers', () => {
    const log = new DecisionLog();
    const seen: string[] = [];
    log.subscribe(() => {
      throw new Error('boom');
    });
    const off = log.subscribe((x) => seen.push(x.requestId));
    log.record(d('x'));
    off();
    log.record(d('y'));
    expect(seen).toEqual(['x']);
    expect(log.list()).toHaveLength(2);
  });
});
