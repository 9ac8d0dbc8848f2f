import { describe, expect, it } from 'vitest';
import { elapsedMs, formatElapsed, isoDuration, parseClock } from './lab-clock.ts';
import { nextLabId } from './next-lab.ts';

describe('formatElapsed', () => {
  it.each([
    [0, '0:00'],
    [999, '0:00'],
    [7_000, '0:07'],
    [754_000, '12:34'],
    [3_599_000, '59:59'],
    [3_723_000, '1:02:03'],
    [-5_000, '0:00'],
  ])('%d ms -> %s', (ms, text) => expect(formatElapsed(ms)).toBe(text));

  it('gives the ISO duration for <time>', () => expect(isoDuration(3_723_000)).toBe('PT1H2M3S'));
});

describe('parseClock', () => {
  it.each<[string | null, ReturnType<typeof parseClock>]>([
    [null, {}],
    ['', {}],
    ['not json', {}],
    ['[]', {}],
    ['{"startedAt":"1"}', {}],
    ['{"startedAt":-1}', {}],
    ['{"startedAt":1000}', { startedAt: 1000 }],
    ['{"startedAt":1000,"finishedAt":5000}', { startedAt: 1000, finishedAt: 5000 }],
    // A finish before the start is not a time taken: the lab counts as still running.
    ['{"startedAt":5000,"finishedAt":1000}', { startedAt: 5000 }],
    ['{"startedAt":1000,"finishedAt":null}', { startedAt: 1000 }],
  ])('%s', (text, clock) => expect(parseClock(text)).toEqual(clock));
});

describe('elapsedMs', () => {
  it.each([
    [{}, 10_000, 0],
    [{ startedAt: 1_000 }, 10_000, 9_000],
    [{ startedAt: 1_000, finishedAt: 4_000 }, 10_000, 3_000],
    [{ startedAt: 20_000 }, 10_000, 0], // a clock ahead of this machine's
  ])('%j at %d -> %d', (clock, now, ms) => expect(elapsedMs(clock, now)).toBe(ms));
});

describe('nextLabId', () => {
  const order = ['ingress-gateway', 'ingress-gateway-api', 'egress-gateway', 'egress-gateway-api'];
  const tabOf = (id: string) => (id.endsWith('-api') ? 'gateway-api' : 'istio');
  it.each([
    ['ingress-gateway', 'egress-gateway'],
    ['egress-gateway', null],
    ['ingress-gateway-api', 'egress-gateway-api'],
    ['egress-gateway-api', null],
    ['unknown', null],
  ])('after %s: %s', (current, next) => expect(nextLabId(order, current, tabOf)).toBe(next));
  it('goes through labs outside tabs in order', () => expect(nextLabId(['a', 'b'], 'a')).toBe('b'));
});
