import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeDetail } from './runner-events.ts';

describe('runner-events', () => {
  it('imports nothing, so the browser can import it', () => {
    const source = readFileSync(new URL('./runner-events.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\brequire\(/);
  });
  it('describes a comparison as expected vs actual', () => {
    expect(describeDetail({ what: 'status', expected: '200', actual: '404', ok: false })).toBe('status: expected 200, got 404');
  });
});
