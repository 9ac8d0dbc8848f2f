// Container logs: bounded per container as a kubelet's rotation keeps them, newest last.
import { describe, expect, it } from 'vitest';
import { LOG_LINES_PER_CONTAINER, LogBook } from './log-book.ts';

describe('LogBook', () => {
  it('reads at most LOG_LINES_PER_CONTAINER lines, the newest, however many were written', () => {
    const book = new LogBook();
    const total = LOG_LINES_PER_CONTAINER * 2 + 7;
    for (let i = 1; i <= total; i++) book.append('default', 'p', 'c', `line ${i}`);
    const lines = book.read('default', 'p', 'c');
    expect(lines).toHaveLength(LOG_LINES_PER_CONTAINER);
    expect(lines[0]!.text).toBe(`line ${total - LOG_LINES_PER_CONTAINER + 1}`);
    expect(lines.at(-1)!.text).toBe(`line ${total}`);
    expect(book.read('default', 'p', 'c', { tailLines: 2 }).map((l) => l.text)).toEqual([`line ${total - 1}`, `line ${total}`]);
  });
  it('splits multi-line text into lines and tells followers', () => {
    const book = new LogBook();
    const seen: string[] = [];
    book.follow('ns', 'p', 'c', (l) => seen.push(l.text));
    book.append('ns', 'p', 'c', 'a\nb\n');
    expect(seen).toEqual(['a', 'b']);
  });
});
