import { describe, expect, it } from 'vitest';
import { humanDuration } from './human-duration.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

// want: values from k8s.io/apimachinery/pkg/util/duration/duration_test.go
const cases: [string, number, string][] = [
  ['far negative', -2 * s, '<invalid>'],
  ['slightly negative', -1 * s, '0s'],
  ['zero', 0, '0s'],
  ['1s', 1 * s, '1s'],
  ['70s', 70 * s, '70s'],
  ['119s', 119 * s, '119s'],
  ['2m', 2 * m, '2m'],
  ['2m1s', 2 * m + 1 * s, '2m1s'],
  ['9m59s', 9 * m + 59 * s, '9m59s'],
  ['10m', 10 * m, '10m'],
  ['70m', 70 * m, '70m'],
  ['179m', 179 * m, '179m'],
  ['3h', 3 * h, '3h'],
  ['3h1m', 3 * h + 1 * m, '3h1m'],
  ['7h59m', 7 * h + 59 * m, '7h59m'],
  ['8h', 8 * h, '8h'],
  ['47h', 47 * h + 59 * m, '47h'],
  ['2d', 48 * h, '2d'],
  ['2d1h', 49 * h, '2d1h'],
  ['7d23h', 8 * d - 1 * h, '7d23h'],
  ['8d', 8 * d, '8d'],
  ['367d', 367 * d, '367d'],
  ['729d', 2 * y - 1 * d, '729d'],
  ['2y', 2 * y, '2y'],
  ['2y1d', 2 * y + 1 * d, '2y1d'],
  ['7y364d', 8 * y - 1 * d, '7y364d'],
  ['8y', 8 * y, '8y'],
  ['9y', 9 * y, '9y'],
];

describe('humanDuration', () => {
  it.each(cases)('%s', (_name, ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});
