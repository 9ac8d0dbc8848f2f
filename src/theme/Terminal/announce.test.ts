import { describe, expect, it } from 'vitest';
import { ANNOUNCE_MAX_CHARS, ANNOUNCE_MAX_LINES, announcementText } from './announce.ts';

const line = (text: string, wrapped = false) => ({ text, wrapped });

describe('announcementText', () => {
  it.each([
    ['output then status', [line('namespace/bookinfo created')], 'exit 0', 'namespace/bookinfo created\nexit 0'],
    ['wrapped lines are one line', [line('abc'), line('def', true)], 'exit 0', 'abcdef\nexit 0'],
    ['blank lines dropped, right trimmed', [line('a   '), line('   '), line('b')], 'exit 1', 'a\nb\nexit 1'],
    ['no output: only the status', [], 'exit 0', 'exit 0'],
  ])('%s', (_name, lines, status, text) => expect(announcementText(lines, status)).toBe(text));

  it('keeps the last lines only', () => {
    const lines = Array.from({ length: 50 }, (_, i) => line(`line ${i}`));
    const text = announcementText(lines, 'exit 0').split('\n');
    expect(text).toHaveLength(ANNOUNCE_MAX_LINES + 1);
    expect(text[0]).toBe(`line ${50 - ANNOUNCE_MAX_LINES}`);
  });

  it('bounds a flood to a few hundred words', () => {
    const text = announcementText([line('y'.repeat(100_000))], 'exit 130');
    expect(text.length).toBeLessThanOrEqual(ANNOUNCE_MAX_CHARS + 1 + '\nexit 130'.length);
    expect(text.startsWith('…')).toBe(true);
  });
});
