import { describe, expect, it } from 'vitest';
import { timeLeft } from './time-left.ts';

const NOW = Date.parse('2026-12-03T09:00:00Z');

describe('timeLeft', () => {
  it.each([
    [null, null],
    ['not a time', null],
    ['2026-12-03T08:00:00Z', '0:00'],
    ['2026-12-03T09:00:00Z', '0:00'],
    ['2026-12-03T09:00:59Z', '0:00'],
    ['2026-12-03T09:01:00Z', '0:01'],
    ['2026-12-03T09:45:30Z', '0:45'],
    ['2026-12-03T10:05:00Z', '1:05'],
    ['2026-12-04T09:00:00Z', '24:00'],
  ])('%s → %s', (endsAt, expected) => {
    expect(timeLeft(endsAt, NOW)).toBe(expected);
  });
});
