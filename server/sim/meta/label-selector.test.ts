import { describe, expect, it } from 'vitest';
import { mapSelectorMatches, selectorMatches } from './label-selector.ts';

describe('selectorMatches (metav1.LabelSelector)', () => {
  const labels = { app: 'httpbin', version: 'v1' };
  it.each([
    ['matchLabels equal', { matchLabels: { app: 'httpbin' } }, true],
    ['matchLabels differ', { matchLabels: { app: 'other' } }, false],
    ['In', { matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }] }, true],
    ['NotIn', { matchExpressions: [{ key: 'version', operator: 'NotIn', values: ['v1'] }] }, false],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    ['unknown operator', { matchExpressions: [{ key: 'app', operator: 'Like', values: ['x'] }] }, false],
    ['empty selector selects nothing', {}, false],
    ['missing selector', undefined, false],
    ['malformed matchExpressions', { matchLabels: { app: 'httpbin' }, matchExpressions: 3 }, true],
  ])('%s', (_name, selector, want) => {
    expect(selectorMatches(selector, labels)).toBe(want);
  });
});

describe('mapSelectorMatches (Service selector)', () => {
  it('needs every pair, and an empty map selects nothing', () => {
    expect(mapSelectorMatches({ app: 'httpbin' }, { app: 'httpbin', version: 'v1' })).toBe(true);
    expect(mapSelectorMatches({ app: 'httpbin', version: 'v2' }, { app: 'httpbin', version: 'v1' })).toBe(false);
    expect(mapSelectorMatches({}, { app: 'httpbin' })).toBe(false);
  });
});
