// What the content lint reads from the docs pages (Markdown/MDX): fenced shell blocks with the
// line of each command, fenced Mermaid diagrams, and <LabPage>/<LabStep> tags with their positions. Code (fences and
// inline code) is blanked out, not removed, so positions stay those of the file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SHELL_LANGS = new Set(['bash', 'sh', 'shell', 'console', 'zsh']);
const DIAGRAM_LANGS = new Set(['mermaid']);

export interface FencedBlock {
  file: string;
  /** Line of the opening fence (1-based). */
  line: number;
  meta: string;
  text: string;
}

export interface CommandLine {
  text: string;
  /** Line in the file (1-based). */
  line: number;
  column: number;
}

/** Every .md/.mdx file under a directory, sorted. */
export function docFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...docFiles(p));
    else if (/\.mdx?$/.test(entry)) out.push(p);
  }
  return out;
}

/** Fenced shell code blocks of a Markdown/MDX text (``` or ~~~, any indentation). */
export function shellBlocks(file: string, markdown: string): FencedBlock[] {
  return fencedBlocks(file, markdown, SHELL_LANGS);
}

/** Fenced Mermaid diagrams of a Markdown/MDX text. */
export function diagramBlocks(file: string, markdown: string): FencedBlock[] {
  return fencedBlocks(file, markdown, DIAGRAM_LANGS);
}

function fencedBlocks(file: string, markdown: string, langs: ReadonlySet<string>): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const lang = open[3]!.toLowerCase();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(lines[j]!)) break;
      body.push(lines[j]!.slice(open[1]!.length));
    }
    if (langs.has(lang)) blocks.push({ file, line: i + 1, meta: open[4]!, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** A block deliberately not part of a lab: ```bash not-run  or  ```bash title="not run: ...". */
export function isMarkedNotRun(meta: string): boolean {
  return /(^|\s)not-run(\s|$)/.test(meta) || /title=["'][^"']*not run[^"']*["']/i.test(meta);
}

function normalizeCommand(l: string): string {
  return (
    l
      .replace(/^\s*\$\s+/, '')
      // A trailing comment explains the command; it is not part of it.
      .replace(/\s+#\s[^'"]*$/, '')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** Logical command lines with their position: prompts and comments dropped, `\` continuations joined. */
export function commandLines(text: string, firstLine = 1): CommandLine[] {
  const out: CommandLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let joined = lines[i]!;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) joined = `${joined.replace(/\\\s*$/, '')} ${lines[++i]!.trim()}`;
    const t = normalizeCommand(joined);
    if (t && !t.startsWith('#')) out.push({ text: t, line: firstLine + start, column: (/\S/.exec(lines[start]!)?.index ?? 0) + 1 });
  }
  return out;
}

/** Logical command lines of a text (what the lint compares). */
export function logicalLines(text: string): string[] {
  return commandLines(text).map((l) => l.text);
}

/** The text with fenced code blocks and inline code blanked (examples in prose are not uses); offsets kept. */
export function blankCode(markdown: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return markdown.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2\s*$/gm, blank).replace(/`[^`\n]*`/g, blank);
}

export interface LabTag {
  tag: 'LabPage' | 'LabStep';
  lab?: string;
  step?: string;
  line: number;
  column: number;
  /** Column of the step="..." value, for a misspelt step. */
  stepColumn?: number;
}

/** <LabPage lab> and <LabStep lab step> tags outside code, in order. */
export function labTags(markdown: string): LabTag[] {
  const text = blankCode(markdown);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const pos = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const tags: LabTag[] = [];
  for (const m of text.matchAll(/<(LabPage|LabStep)\b([^>]*)>/g)) {
    const attrs = m[2]!;
    const attr = (name: string) => new RegExp(`\\b${name}=["']([^"']*)["']`).exec(attrs);
    const lab = attr('lab');
    const step = attr('step');
    const at = pos(m.index!);
    tags.push({
      tag: m[1] as LabTag['tag'],
      lab: lab?.[1],
      step: step?.[1],
      ...at,
      stepColumn: step ? pos(m.index! + m[1]!.length + 1 + step.index! + 'step="'.length).column : undefined,
    });
  }
  return tags;
}
