// The panel's list: a snapshot replaces it, batches add to it, no request twice, the newest kept.
import { describe, expect, it } from 'vitest';
import type { TrafficEntry } from '../../../server/protocol/traffic.ts';
import { applyMessage, mergeEntries, type FeedView } from './traffic-feed.ts';

const e = (id: number): TrafficEntry => ({ id, time: '', method: 'GET', host: 'h', path: `/${id}`, status: 200, flags: '-', reason: '', stages: [], explanation: '' });
const ids = (list: TrafficEntry[]) => list.map((x) => x.id);

describe('mergeEntries', () => {
  it('orders by id, drops repeats, keeps the newest', () => {
    expect(ids(mergeEntries([e(1), e(2)], [e(2), e(4), e(3)]))).toEqual([1, 2, 3, 4]);
    expect(ids(mergeEntries([e(1), e(2)], [e(3)], 2))).toEqual([2, 3]);
  });
});

describe('applyMessage', () => {
  const start: FeedView = { state: 'offline', entries: [e(1)], dropped: 0 };
  it('a snapshot replaces the list (a reset or a new cluster leaves nothing old)', () => {
    const v = applyMessage(start, { type: 'snapshot', available: true, entries: [e(7)] });
    expect(v.state).toBe('live');
    expect(ids(v.entries)).toEqual([7]);
  });
  it('a cluster that records nothing says so', () => {
    expect(applyMessage(start, { type: 'snapshot', available: false, entries: [] }).state).toBe('unavailable');
  });
  it('batches add, and count what the server left out', () => {
    const v = applyMessage(applyMessage(start, { type: 'requests', entries: [e(2)], dropped: 3 }), { type: 'requests', entries: [e(3)], dropped: 1 });
    expect(ids(v.entries)).toEqual([1, 2, 3]);
    expect(v.dropped).toBe(4);
  });
});
