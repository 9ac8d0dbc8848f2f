// Single source: every shell command the docs show must be one `meshlab verify` runs. Chapters
// show lab commands through <LabStep lab step> (rendered from labs/), so their fenced shell
// blocks should be rare; a block that is deliberately not part of a lab (how to start meshlab,
// how to run verify) says so in its meta: ```bash not-run  or  ```bash title="not run ...".
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabs } from '../server/runner/load-lab.ts';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';

const SHELL_LANGS = new Set(['bash', 'sh', 'shell', 'console', 'zsh']);
const DOC_ROOTS = ['docs', join('i18n', 'en')];

export interface ShellBlock {
  file: string;
  line: number;
  meta: string;
  text: string;
}

/** Fenced shell code blocks of a Markdown/MDX text (``` or ~~~, any indentation). */
export function shellBlocks(file: string, markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
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
    if (SHELL_LANGS.has(lang)) blocks.push({ file, line: i + 1, meta: open[4]!, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

export function isMarkedNotRun(meta: string): boolean {
  return /(^|\s)not-run(\s|$)/.test(meta) || /title=["'][^"']*not run[^"']*["']/i.test(meta);
}

/** Logical command lines: prompts and comments dropped, `\` continuations joined, spaces squeezed. */
export function logicalLines(text: string): string[] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((l) =>
      l
        .replace(/^\s*\$\s+/, '')
        // A trailing comment explains the command; it is not part of it.
        .replace(/\s+#\s[^'"]*$/, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((l) => l && !l.startsWith('#'));
}

/** The text with fenced code blocks and inline code removed (examples in prose are not uses). */
export function withoutCode(markdown: string): string {
  return markdown.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2\s*$/gm, '').replace(/`[^`\n]*`/g, '');
}

function docFiles(dir: string): string[] {
  let out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(docFiles(p));
    else if (/\.mdx?$/.test(e.name)) out.push(p);
  }
  return out;
}

describe('docs show only commands that meshlab verify runs', () => {
  const labs = loadLabs(join(PROJECT_ROOT, 'labs'));
  // What verify executes: every step's solution (the commands, unless a solution is given) and cleanups.
  const executed = new Set(
    labs.flatMap((l) => [
      ...l.steps.flatMap((s) => [...s.solution.map((c) => c.run), ...s.cleanup]),
      ...l.cleanup,
    ]).flatMap(logicalLines),
  );
  const blocks = DOC_ROOTS.flatMap((root) => docFiles(join(PROJECT_ROOT, root))).flatMap((f) =>
    shellBlocks(relative(PROJECT_ROOT, f), readFileSync(f, 'utf8')),
  );

  it('every fenced shell command in docs/ and i18n/en/ is executed by a lab, or marked not-run', () => {
    const offenders = blocks
      .filter((b) => !isMarkedNotRun(b.meta))
      .flatMap((b) => logicalLines(b.text).filter((l) => !executed.has(l)).map((l) => `${b.file}:${b.line}: ${l}`));
    expect(offenders, `show these through <LabStep>, add them to a lab, or mark the block not-run:\n${offenders.join('\n')}`).toEqual([]);
  });

  it('every <LabStep> in the docs names an existing lab and step', () => {
    const known = new Set(labs.flatMap((l) => l.steps.map((s) => `${l.id}/${s.id}`)));
    const refs = DOC_ROOTS.flatMap((root) => docFiles(join(PROJECT_ROOT, root))).flatMap((f) =>
      [...withoutCode(readFileSync(f, 'utf8')).matchAll(/<LabStep\s+lab="([^"]+)"\s+step="([^"]+)"/g)].map((m) => ({ file: relative(PROJECT_ROOT, f), ref: `${m[1]}/${m[2]}` })),
    );
    expect(refs.filter((r) => !known.has(r.ref)).map((r) => `${r.file}: ${r.ref}`)).toEqual([]);
  });

  it('every step of every lab is shown in both languages', () => {
    for (const root of DOC_ROOTS) {
      const shown = new Set(
        docFiles(join(PROJECT_ROOT, root)).flatMap((f) => [...withoutCode(readFileSync(f, 'utf8')).matchAll(/<LabStep\s+lab="([^"]+)"\s+step="([^"]+)"/g)].map((m) => `${m[1]}/${m[2]}`)),
      );
      const missing = labs.flatMap((l) => l.steps.map((s) => `${l.id}/${s.id}`)).filter((ref) => !shown.has(ref));
      expect(missing, `steps with no <LabStep> under ${root}`).toEqual([]);
    }
  });
});

describe('the docs check itself', () => {
  it('finds shell blocks with their line and meta, and ignores other languages', () => {
    const md = 'text\n```yaml\nkind: X\n```\n\n```bash title="not run: start meshlab"\nnpm start\n```\n~~~sh\n$ kubectl get pods \\\n    -n bookinfo\n~~~\n';
    const blocks = shellBlocks('x.md', md);
    expect(blocks.map((b) => [b.line, b.meta])).toEqual([
      [6, 'title="not run: start meshlab"'],
      [9, ''],
    ]);
    expect(isMarkedNotRun(blocks[0]!.meta)).toBe(true);
    expect(isMarkedNotRun(blocks[1]!.meta)).toBe(false);
    expect(isMarkedNotRun('not-run')).toBe(true);
    expect(logicalLines(blocks[1]!.text)).toEqual(['kubectl get pods -n bookinfo']);
    expect(logicalLines('$ kubectl get ns   # list namespaces\n# a comment\n\necho "a # b"')).toEqual(['kubectl get ns', 'echo "a # b"']);
    expect(withoutCode('see `<LabStep lab="a" step="b" />`\n```mdx\n<LabStep lab="c" step="d" />\n```\n<LabStep lab="e" step="f" />')).not.toMatch(/lab="[ac]"/);
  });

  it('would flag a command that no lab runs', () => {
    const labsLines = new Set(logicalLines('kubectl -n bookinfo apply -f httpbin.yaml'));
    const doc = shellBlocks('d.md', '```bash\nkubectl -n bookinfo apply -f httpbin.yaml\nkubectl apply -f httpbin_vs.yaml\n```\n');
    expect(logicalLines(doc[0]!.text).filter((l) => !labsLines.has(l))).toEqual(['kubectl apply -f httpbin_vs.yaml']);
  });
});
