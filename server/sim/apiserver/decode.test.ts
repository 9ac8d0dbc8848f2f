// Deep documents are refused before the YAML or JSON parser runs (its cost grows with depth).
import { describe, expect, it } from 'vitest';
import { decodeJson, decodeYaml, nestingBound } from './decode.ts';

describe('nestingBound', () => {
  it.each([
    ['a: 1', 1],
    ['a:\n  b:\n    c: 1\n  d: 2', 3],
    ['- - - x', 4],
    ['items:\n- name: a\n  value: [1, {b: 2}]', 4],
    ['a: "x"\n# comment\n\nb: 2', 1],
  ])('%j ≤ %i', (text, depth) => expect(nestingBound(text)).toBe(depth));

  it('is never below the real depth', () => {
    const nested = (d: number): unknown => (d === 0 ? 1 : { k: nested(d - 1) });
    const text = JSON.stringify(nested(50), null, 2);
    expect(nestingBound(text)).toBeGreaterThanOrEqual(50);
  });
});

describe('deep bodies cost no parse', () => {
  const n = 100_000;
  it.each([
    ['flow sequences', `a: ${'['.repeat(n)}${']'.repeat(n)}`],
    ['flow maps', `a: ${'{a: '.repeat(n)}${'}'.repeat(n)}`],
    ['block sequences', `${'- '.repeat(n)}x`],
  ])('YAML %s: refused within 100 ms', (_, text) => {
    const started = performance.now();
    expect(() => decodeYaml(Buffer.from(text))).toThrow('json: exceeded max depth of 1000');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('JSON', () => {
    expect(() => decodeJson(Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`))).toThrow('json: exceeded max depth of 1000');
  });

  it('a manifest of ordinary depth still decodes', () => {
    expect(decodeYaml(Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: |\n    {"a": [1, 2]}\n'))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: '{"a": [1, 2]}\n' } });
  });
});
