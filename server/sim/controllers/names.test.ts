import { describe, expect, it } from 'vitest';
import { SAFE_ALPHABET, fnv32a, podTemplateHash, randomSuffix, safeEncodeString } from './names.ts';

describe('names', () => {
  it('FNV-32a matches the published test vectors', () => {
    // Vectors from the FNV reference (Landon Curt Noll): "" and "a" and "foobar".
    expect(fnv32a('')).toBe(0x811c9dc5);
    expect(fnv32a('a')).toBe(0xe40c292c);
    expect(fnv32a('foobar')).toBe(0xbf9cf968);
  });

  it('safe-encodes a decimal hash byte by byte (rand.SafeEncodeString)', () => {
    // '0' is byte 48: 48 % 27 = 21 → alphabet[21] = '4'; '9' is 57 % 27 = 3 → 'f'.
    expect(safeEncodeString('09')).toBe('4f');
  });

  it('gives a pod-template-hash of 8-10 safe characters, stable for equal templates', () => {
    const a = podTemplateHash({ metadata: { labels: { app: 'x', v: '1' } }, spec: { containers: [{ name: 'x', image: 'nginx' }] } });
    const b = podTemplateHash({ spec: { containers: [{ image: 'nginx', name: 'x' }] }, metadata: { labels: { v: '1', app: 'x' } } });
    const c = podTemplateHash({ metadata: { labels: { app: 'x', v: '1' } }, spec: { containers: [{ name: 'x', image: 'nginx:1.27' }] } });
    expect(a).toMatch(new RegExp(`^[${SAFE_ALPHABET}]{8,10}$`));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(podTemplateHash({ a: 1 }, 1)).not.toBe(podTemplateHash({ a: 1 }));
  });

  it('draws random suffixes from the safe alphabet', () => {
    for (let i = 0; i < 50; i++) expect(randomSuffix()).toMatch(new RegExp(`^[${SAFE_ALPHABET}]{5}$`));
  });
});
