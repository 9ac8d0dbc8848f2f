import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBoundedBody } from './read-body.ts';

describe('readBoundedBody', () => {
  it('returns the whole body within the bound', async () => {
    const s = new PassThrough();
    const p = readBoundedBody(s, 10);
    s.end(Buffer.from('hello'));
    expect((await p).toString()).toBe('hello');
  });

  it('keeps nothing past the bound and says too_large', async () => {
    const s = new PassThrough();
    const p = readBoundedBody(s, 4);
    s.write(Buffer.from('abc'));
    s.end(Buffer.from('defgh'));
    expect(await p).toBe('too_large');
  });

  it('says error when the stream fails', async () => {
    const s = new PassThrough();
    const p = readBoundedBody(s, 4);
    s.destroy(new Error('reset'));
    expect(await p).toBe('error');
  });
});
