import { describe, expect, it } from 'vitest';
import { OutputRing } from './ring-buffer.ts';

const b = (s: string) => Buffer.from(s);

describe('OutputRing', () => {
  const cases: { name: string; capacity: number; writes: string[]; from: number; want: string; offset: number; truncated: boolean }[] = [
    { name: 'everything fits', capacity: 16, writes: ['hello', ' world'], from: 0, want: 'hello world', offset: 0, truncated: false },
    { name: 'from the middle', capacity: 16, writes: ['hello', ' world'], from: 6, want: 'world', offset: 6, truncated: false },
    { name: 'wraps and keeps the newest', capacity: 8, writes: ['abcdef', 'ghij'], from: 0, want: 'cdefghij', offset: 2, truncated: true },
    { name: 'one write larger than the ring', capacity: 4, writes: ['abcdefghij'], from: 0, want: 'ghij', offset: 6, truncated: true },
    { name: 'from the end is empty', capacity: 8, writes: ['abc'], from: 3, want: '', offset: 3, truncated: false },
    { name: 'from beyond the end is clamped', capacity: 8, writes: ['abc'], from: 99, want: '', offset: 3, truncated: false },
    { name: 'exactly full after wrap', capacity: 4, writes: ['ab', 'cd', 'ef'], from: 2, want: 'cdef', offset: 2, truncated: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ring = new OutputRing(c.capacity);
      for (const w of c.writes) ring.append(b(w));
      const got = ring.since(c.from);
      expect(got.data.toString()).toBe(c.want);
      expect(got.offset).toBe(c.offset);
      expect(got.truncated).toBe(c.truncated);
      expect(ring.offset).toBe(c.writes.join('').length);
    });
  }

  it('never holds more than its capacity', () => {
    const ring = new OutputRing(1024);
    for (let i = 0; i < 10_000; i++) ring.append(Buffer.alloc(333, i % 256));
    expect(ring.since(0).data.length).toBe(1024);
    expect(ring.start).toBe(ring.offset - 1024);
  });

  it('rejects a bad capacity', () => {
    expect(() => new OutputRing(0)).toThrow();
    expect(() => new OutputRing(1.5)).toThrow();
  });
});
