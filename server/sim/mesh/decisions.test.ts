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
  it('stays bounded over many more records than its capacity (trimmed in batches, read as the newest)', () => {
    const log = new DecisionLog(100);
    for (let i = 1; i <= 1000; i++) log.record(d(`r${i}`));
    const all = log.list();
    expect(all).toHaveLength(100);
    expect(all[0]!.requestId).toBe('r901');
    expect(all.at(-1)!.id).toBe(1000);
    expect(log.find('r900')).toHaveLength(0);
    expect(log.list(0)).toEqual([]);
    expect(log.list(500)).toHaveLength(100);
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
