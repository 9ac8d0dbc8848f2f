// One lint for a site's content, run by `meshlab verify` (before any cluster) and by the site
// build (the labs plugin). It keeps the pages and labs/ one source:
//   - every <LabStep> names a lab and a step that exist;
//   - every step of a lab is shown, in order, on its pages in both languages;
//   - every shell command on a page is run by a lab, or its block is marked `not-run`;
//   - every manifest a lab command applies (`kubectl apply -f x.yaml`) is listed in `files:`;
//   - every diagram has a text alternative (Mermaid's accTitle and accDescr);
//   - every page and theme string has its translation.
// Each problem is `file:line:col: what is wrong; what to do`, with "did you mean" for near misses.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Lab } from '../lab.ts';
import { displayPath } from '../load-lab.ts';
import { closest, didYouMean } from './did-you-mean.ts';
import { commandLines, diagramBlocks, docFiles, isMarkedNotRun, labTags, logicalLines, shellBlocks, type FencedBlock, type LabTag } from './doc-pages.ts';
import { findTranslationProblems } from './translations.ts';

export interface LintProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export function formatLintProblem(p: LintProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

/** The docs roots of a Docusaurus site: the default locale's pages and each translation. */
export const DOC_LOCALES = [
  { locale: 'zh-Hans', dir: 'docs' },
  { locale: 'en', dir: join('i18n', 'en', 'docusaurus-plugin-content-docs', 'current') },
] as const;

export interface LintOptions {
  /** The site (the directory holding docs/ and i18n/); without docs/ only the labs are linted. */
  siteDir: string;
  labs: Lab[];
}

const tagText = (lab: string, step: string) => `<LabStep lab="${lab}" step="${step}" />`;

export function lintContent({ siteDir, labs }: LintOptions): LintProblem[] {
  const problems: LintProblem[] = [];
  for (const lab of labs) problems.push(...lintManifests(lab));
  const root = resolve(siteDir);
  if (!existsSync(join(root, 'docs'))) return problems;

  const byId = new Map(labs.map((l) => [l.id, l]));
  const executed = new Set(
    labs.flatMap((l) => [...l.steps.flatMap((s) => [...s.solution.map((c) => c.run), ...s.commands.map((c) => c.run), ...s.cleanup]), ...l.cleanup]).flatMap(logicalLines),
  );

  for (const { locale, dir } of DOC_LOCALES) {
    const pages = docFiles(join(root, dir)).map((f) => ({ file: displayPath(f), text: readFileSync(f, 'utf8') }));
    /** Per lab: the steps shown in this locale, by page. */
    const shown = new Map<string, { file: string; tags: LabTag[] }[]>();
    for (const page of pages) {
      const tags = labTags(page.text);
      const perLab = new Map<string, LabTag[]>();
      for (const t of tags) {
        if (!t.lab) {
          problems.push({ file: page.file, line: t.line, column: t.column, message: `<${t.tag}> has no lab="..."; name the lab (a directory under labs/)` });
          continue;
        }
        const lab = byId.get(t.lab);
        if (!lab) {
          problems.push({ file: page.file, line: t.line, column: t.column, message: `<${t.tag}> names lab "${t.lab}", which does not exist${didYouMean(t.lab, byId.keys())}; the labs are: ${[...byId.keys()].join(', ') || '(none)'}` });
          continue;
        }
        if (t.tag !== 'LabStep') {
          if (!perLab.has(lab.id)) perLab.set(lab.id, []);
          continue;
        }
        if (!t.step) {
          problems.push({ file: page.file, line: t.line, column: t.column, message: `<LabStep lab="${lab.id}"> has no step="..."; name one of: ${lab.steps.map((s) => s.id).join(', ')}` });
          continue;
        }
        const stepIds = lab.steps.map((s) => s.id);
        if (!stepIds.includes(t.step)) {
          const near = closest(t.step, stepIds);
          problems.push({
            file: page.file,
            line: t.line,
            column: t.stepColumn ?? t.column,
            message: `lab ${lab.id} has no step "${t.step}"${near ? `; did you mean "${near}"?` : `; its steps are: ${stepIds.join(', ')}`}`,
          });
          continue;
        }
        perLab.set(lab.id, [...(perLab.get(lab.id) ?? []), t]);
      }
      for (const [id, t] of perLab) shown.set(id, [...(shown.get(id) ?? []), { file: page.file, tags: t }]);
      problems.push(...lintOrder(page.file, perLab, byId));

      for (const block of shellBlocks(page.file, page.text)) {
        if (isMarkedNotRun(block.meta)) continue;
        for (const cmd of commandLines(block.text, block.line + 1)) {
          if (executed.has(cmd.text)) continue;
          const near = closest(cmd.text, executed);
          problems.push({
            file: page.file,
            line: cmd.line,
            column: cmd.column,
            message: `\`${cmd.text}\` is run by no lab${near ? ` (did you mean \`${near}\`?)` : ''}; show the step with <LabStep>, add the command to a lab's commands, or mark the block \`\`\`bash not-run`,
          });
        }
      }
      for (const diagram of diagramBlocks(page.file, page.text)) problems.push(...lintDiagram(diagram));
    }
    problems.push(...lintCoverage(locale, dir, labs, shown));
  }
  for (const t of findTranslationProblems(root)) {
    // Pages are named without extension by the translation check: point at the real file.
    const real = /\.[a-z]+$/.test(t.file) ? t.file : (['.mdx', '.md'].map((e) => t.file + e).find((f) => existsSync(join(root, f))) ?? t.file);
    problems.push({ file: displayPath(join(root, real)), line: 1, column: 1, message: t.message });
  }
  return problems;
}

/**
 * A diagram is a picture to a screen reader unless it has an accessible title and description,
 * which Mermaid puts in the SVG's <title> and <desc> (aria-labelledby, aria-describedby).
 */
export function lintDiagram(block: FencedBlock): LintProblem[] {
  const missing = [
    !/^[ \t]*accTitle[ \t]*:[ \t]*\S/m.test(block.text) && 'accessible title (`accTitle: what it shows`)',
    !/^[ \t]*accDescr[ \t]*(:[ \t]*\S|\{)/m.test(block.text) && 'description (`accDescr { the path or the steps, in words }`)',
  ].filter((m): m is string => !!m);
  if (!missing.length) return [];
  // After the diagram's type line (`flowchart TD`, `sequenceDiagram`), past any front matter.
  const lines = block.text.split('\n');
  const frontMatterEnd = lines[0]?.trim() === '---' ? lines.findIndex((l, i) => i > 0 && l.trim() === '---') : -1;
  const typeLine = lines.slice(frontMatterEnd + 1).find((l) => l.trim() !== '')?.trim() ?? 'the diagram type';
  return [
    {
      file: block.file,
      line: block.line,
      column: 1,
      message: `this diagram has no ${missing.join(' and no ')}; add ${missing.length > 1 ? 'them' : 'it'} under \`${typeLine}\`, so that screen readers can say what the drawing shows`,
    },
  ];
}

/** Steps of a lab shown on a page must follow the lab's order (the page tells one story). */
function lintOrder(file: string, perLab: Map<string, LabTag[]>, byId: Map<string, Lab>): LintProblem[] {
  const out: LintProblem[] = [];
  for (const [id, tags] of perLab) {
    const order = byId.get(id)!.steps.map((s) => s.id);
    let last = -1;
    let lastId = '';
    for (const t of tags) {
      const i = order.indexOf(t.step!);
      if (i < last)
        out.push({ file, line: t.line, column: t.column, message: `step "${t.step}" is shown after step "${lastId}", but lab ${id} runs it before; move it up so the page follows lab.yaml` });
      else if (i === last) out.push({ file, line: t.line, column: t.column, message: `step "${t.step}" of lab ${id} is shown twice on this page; remove one` });
      else [last, lastId] = [i, t.step!];
    }
  }
  return out;
}

/** Every step of every lab appears on some page of each locale. */
function lintCoverage(locale: string, dir: string, labs: Lab[], shown: Map<string, { file: string; tags: LabTag[] }[]>): LintProblem[] {
  const out: LintProblem[] = [];
  for (const lab of labs) {
    const pages = shown.get(lab.id) ?? [];
    const present = new Set(pages.flatMap((p) => p.tags.map((t) => t.step!)));
    lab.steps.forEach((step, i) => {
      if (present.has(step.id)) return;
      const page = pages[0];
      if (page) {
        // Point at the page, just after the step that comes before this one.
        const prev = lab.steps.slice(0, i).reverse().find((s) => present.has(s.id));
        const anchor = (prev && page.tags.find((t) => t.step === prev.id)) || page.tags[0];
        out.push({
          file: page.file,
          line: anchor?.line ?? 1,
          column: anchor?.column ?? 1,
          message: `step "${step.id}" of lab ${lab.id} is not shown on this page (${locale}); add ${tagText(lab.id, step.id)} ${prev ? `after the step "${prev.id}"` : 'before the first step'}`,
        });
      } else {
        out.push({
          file: displayPath(lab.file),
          line: step.line ?? 1,
          column: step.column ?? 1,
          message: `step "${step.id}" is shown on no page in ${locale} (${dir.split('\\').join('/')}/); add ${tagText(lab.id, step.id)} to the lab's page there (\`meshlab new lab\` makes both pages)`,
        });
      }
    });
  }
  return out;
}

/** Files a command applies with kubectl (-f/--filename) or gives helm (-f/--values). */
export function appliedFiles(command: string): string[] {
  const out: string[] = [];
  for (const line of command.split('\n')) {
    const words = line.trim().split(/\s+/);
    const tool = words.findIndex((w) => w === 'kubectl' || w === 'helm');
    if (tool < 0) continue;
    const kubectl = words[tool] === 'kubectl';
    if (kubectl && !words.slice(tool + 1).some((w) => ['apply', 'create', 'replace'].includes(w))) continue;
    for (let i = tool + 1; i < words.length; i++) {
      const w = words[i]!;
      let value: string | undefined;
      const eq = /^--(filename|values)=(.+)$/.exec(w);
      if (eq && (kubectl || eq[1] === 'values')) value = eq[2];
      else if (w === '-f' || (kubectl ? w === '--filename' : w === '--values')) value = words[++i];
      if (!value || value === '-' || /^[a-z]+:\/\//.test(value) || /[$`*]/.test(value)) continue;
      out.push(value.replace(/^['"]|['"]$/g, '').replace(/^\.\//, ''));
    }
  }
  return out;
}

function filesIn(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, base))) {
    const rel = base ? `${base}/${e}` : e;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...filesIn(dir, rel));
    else if (e !== 'lab.yaml') out.push(rel);
  }
  return out;
}

/** A manifest a step's command applies must be listed in that step's (or an earlier step's) files: the page shows only those. */
function lintManifests(lab: Lab): LintProblem[] {
  const out: LintProblem[] = [];
  const listed = new Set<string>();
  const onDisk = existsSync(lab.dir) ? filesIn(lab.dir) : [];
  const file = displayPath(lab.file);
  for (const [i, step] of lab.steps.entries()) {
    for (const f of [...step.files, ...step.alternatives.flatMap((a) => a.files)]) listed.add(f.path);
    const commands = [...step.commands, ...step.solution.filter((c) => !step.commands.includes(c))];
    for (const cmd of commands)
      for (const applied of appliedFiles(cmd.run)) {
        if (listed.has(applied)) continue;
        const exists = onDisk.includes(applied);
        out.push({
          file,
          line: cmd.line ?? step.line ?? 1,
          column: cmd.column ?? 1,
          message: exists
            ? `\`${firstLine(cmd.run)}\` applies ${applied}, which steps[${i}].files does not list; add "${applied}" to the files of step "${step.id}" so the page shows it`
            : `\`${firstLine(cmd.run)}\` applies ${applied}, which is neither in the lab's directory nor in files:${didYouMean(applied, onDisk)}; add ${relative(process.cwd(), join(lab.dir, applied)) || applied} and list it in the files of step "${step.id}"`,
        });
      }
  }
  return out;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0]!;
  return s.includes('\n') ? `${line} …` : line;
}
