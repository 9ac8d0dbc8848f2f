// Reads labs/<id>/lab.yaml into a Lab. Every problem is reported with file, line, column and
// field path, and says what was expected, e.g.
//   labs/x/lab.yaml:12:7: steps[2].checks[0].type: unknown check type "htp"; expected one of http, k8s, command
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { DEFAULT_STEP_TIMEOUT_SECONDS, type Lab, type LabCommand, type LabFile } from './lab.ts';
import { LabSpec, type CommandSpecT } from './lab-schema.ts';

export const LAB_FILE = 'lab.yaml';
/** Largest lab.yaml or manifest read (labs are small; this bounds memory on bad input). */
const MAX_FILE_BYTES = 1024 * 1024;

export interface LabProblem {
  file: string;
  line: number;
  column: number;
  /** Field path like `steps[2].checks[0].type`; empty for the document itself. */
  path: string;
  message: string;
}

export function formatProblem(p: LabProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export class LabLoadError extends Error {
  constructor(readonly problems: LabProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'LabLoadError';
  }
}

/** `steps[2].checks[0].type` from ['steps', 2, 'checks', 0, 'type']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** Paths in messages are relative to the working directory when inside it (as compilers print them). */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

interface Located {
  node: Node | undefined;
  /** The key node, when the path ends at a map entry (for unknown-field errors). */
  key?: Node;
}

/** The YAML node at a path, or the deepest existing ancestor. */
function locate(doc: Document, path: readonly PropertyKey[], keyName?: string): Located {
  let node = doc.contents as Node | null | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      node = pair.value as Node | null;
      if (!node) return { node: pair.key as Node };
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      node = item;
    } else break;
  }
  if (keyName !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === keyName);
    if (pair) return { node: node as Node, key: pair.key as Node };
  }
  return { node: node ?? undefined };
}

function lineCol(lc: LineCounter, offset: number | undefined): { line: number; column: number } {
  if (offset === undefined) return { line: 1, column: 1 };
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg as string];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const EXPECTED_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

/** The field names a zod schema accepts at a path (for "unknown field" messages). */
function knownKeys(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): string[] {
  type Def = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[] };
  const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let cur = s;
    for (let i = 0; i < 20; i++) {
      const d = defOf(cur);
      if ((d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault') && d.innerType) cur = d.innerType;
      else if (d.type === 'pipe' && d.in) cur = d.in;
      else break;
    }
    return cur;
  };
  const pick = (s: z.ZodType, value: unknown): z.ZodType[] => {
    const u = unwrap(s);
    const d = defOf(u);
    if (d.type !== 'union' || !d.options) return [u];
    const objects = d.options.map(unwrap).filter((o) => defOf(o).type === 'object');
    const type = value && typeof value === 'object' ? (value as Record<string, unknown>).type : undefined;
    const byType = objects.filter((o) => {
      const t = defOf(o).shape?.type;
      const lit = t ? (defOf(t) as unknown as { values?: unknown[] }).values : undefined;
      return lit ? lit.includes(type) : false;
    });
    return byType.length ? byType : objects;
  };
  let current: z.ZodType[] = [schema];
  let value: unknown = data;
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const s of current.flatMap((c) => pick(c, value))) {
      const d = defOf(s);
      if (d.type === 'object' && d.shape && typeof seg === 'string' && d.shape[seg]) next.push(d.shape[seg]);
      if (d.type === 'array' && d.element && typeof seg === 'number') next.push(d.element);
      if (d.type === 'record') next.push((d as unknown as { valueType: z.ZodType }).valueType);
    }
    current = next;
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[seg as string] : undefined;
  }
  const keys = new Set<string>();
  for (const s of current.flatMap((c) => pick(c, value))) {
    const shape = defOf(s).shape;
    if (shape) for (const k of Object.keys(shape)) keys.add(k);
  }
  return [...keys];
}

function issueToProblems(issue: z.core.$ZodIssue, data: unknown, doc: Document, lc: LineCounter, file: string): LabProblem[] {
  const path = issue.path as PropertyKey[];
  const at = (p: readonly PropertyKey[], keyName?: string) => {
    const loc = locate(doc, p, keyName);
    const target = loc.key ?? loc.node;
    return lineCol(lc, target?.range?.[0]);
  };
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(LabSpec, data, path);
      return issue.keys.map((k) => ({
        file,
        ...at(path, k),
        path: formatPath([...path, k]),
        message:
          `unknown field "${k}"${known.length ? `; expected one of ${known.join(', ')}` : ''}` +
          // `- curl -H "Host: x"` parses as a mapping: the usual YAML trap with commands.
          (/\s/.test(k) ? '; a command containing ": " must be quoted or written as a block (- |-)' : ''),
      }));
    }
    case 'invalid_union': {
      const i = issue as z.core.$ZodIssueInvalidUnion & { discriminator?: string; options?: unknown[] };
      if (i.discriminator) {
        const value = valueAt(data, path);
        const what = path.includes('checks') ? 'check type' : i.discriminator;
        const options = (i.options ?? []).map(String).join(', ');
        const message = value === undefined ? `missing; expected one of ${options}` : `unknown ${what} ${JSON.stringify(value)}; expected one of ${options}`;
        return [{ file, ...at(path), path: formatPath(path), message }];
      }
      // Plain unions (a command is a string or a mapping): report the closest alternative's problems.
      const branches = i.errors.filter((b) => b.length > 0);
      const objectBranch = branches.find((b) => b.some((x) => x.code !== 'invalid_type' || x.path.length > 0));
      if (objectBranch && valueAt(data, path) !== null && typeof valueAt(data, path) === 'object')
        return objectBranch.flatMap((x) => issueToProblems({ ...x, path: [...path, ...x.path] } as z.core.$ZodIssue, data, doc, lc, file));
      return [{ file, ...at(path), path: formatPath(path), message: `got ${describeValue(valueAt(data, path))}; ${unionExpectation(i)}` }];
    }
    case 'invalid_type': {
      const value = valueAt(data, path);
      const expected = EXPECTED_NAMES[issue.expected] ?? issue.expected;
      if (value === undefined) return [{ file, ...at(path.slice(0, -1)), path: formatPath(path), message: `missing; expected ${expected}` }];
      return [{ file, ...at(path), path: formatPath(path), message: `expected ${expected}, got ${describeValue(value)}` }];
    }
    case 'invalid_value': {
      const value = valueAt(data, path);
      return [
        {
          file,
          ...at(path),
          path: formatPath(path),
          message: `${JSON.stringify(value)} is not allowed; expected one of ${issue.values.map((v) => String(v)).join(', ')}`,
        },
      ];
    }
    default:
      return [{ file, ...at(path), path: formatPath(path), message: issue.message }];
  }
}

function unionExpectation(i: z.core.$ZodIssueInvalidUnion): string {
  const kinds = new Set<string>();
  for (const b of i.errors) for (const x of b) if (x.code === 'invalid_type' && x.path.length === 0) kinds.add(EXPECTED_NAMES[x.expected] ?? x.expected);
  return kinds.size ? `expected ${[...kinds].join(' or ')}` : 'no allowed form matches';
}

function readBounded(file: string): string {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) throw new Error(`${displayPath(file)} is ${size} bytes; lab files are limited to ${MAX_FILE_BYTES} bytes`);
  return readFileSync(file, 'utf8');
}

function toCommand(c: CommandSpecT, at?: { line: number; column: number }): LabCommand {
  if (typeof c === 'string') return { run: c, exitCode: [0], deliberateWaitSeconds: 0, ...at };
  const codes = c.exitCode === undefined ? [0] : Array.isArray(c.exitCode) ? c.exitCode : [c.exitCode];
  return {
    run: c.run,
    exitCode: codes,
    output: c.output,
    verify: c.verify ?? (c.output !== undefined ? 'same' : undefined),
    deliberateWaitSeconds: c.deliberateWaitSeconds ?? 0,
    timeoutSeconds: c.timeoutSeconds,
    ...at,
  };
}

/** Loads and validates one lab directory. Throws LabLoadError listing every problem found. */
export function loadLab(dir: string): Lab {
  const labDir = resolve(dir);
  const file = join(labDir, LAB_FILE);
  const shown = displayPath(file);
  if (!existsSync(file)) throw new LabLoadError([{ file: shown, line: 1, column: 1, path: '', message: `no ${LAB_FILE} in ${displayPath(labDir)}` }]);
  let text: string;
  try {
    text = readBounded(file);
  } catch (err) {
    throw new LabLoadError([{ file: shown, line: 1, column: 1, path: '', message: (err as Error).message }]);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new LabLoadError(
      doc.errors.map((e) => ({
        file: shown,
        ...lineCol(lc, e.pos[0]),
        path: '',
        message: `YAML syntax error: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // e.g. an alias bomb: too many alias expansions.
    throw new LabLoadError([{ file: shown, line: 1, column: 1, path: '', message: `YAML error: ${(err as Error).message}` }]);
  }
  const parsed = LabSpec.safeParse(data);
  if (!parsed.success) throw new LabLoadError(parsed.error.issues.flatMap((i) => issueToProblems(i, data, doc, lc, shown)));
  const spec = parsed.data;

  const problems: LabProblem[] = [];
  const problemAt = (path: PropertyKey[], message: string) => {
    const loc = locate(doc, path);
    problems.push({ file: shown, ...lineCol(lc, loc.node?.range?.[0]), path: formatPath(path), message });
  };

  const dirName = labDir.split(sep).pop();
  if (spec.id !== dirName) problemAt(['id'], `"${spec.id}" must equal the lab's directory name "${dirName}"`);

  const seen = new Map<string, number>();
  spec.steps.forEach((s, i) => {
    const first = seen.get(s.id);
    if (first !== undefined) {
      const firstLine = lineCol(lc, locate(doc, ['steps', first, 'id']).node?.range?.[0]).line;
      problemAt(['steps', i, 'id'], `duplicate step id "${s.id}" (first used by steps[${first}] at line ${firstLine}); step ids must be unique`);
    } else seen.set(s.id, i);
  });

  const realLabDir = realpathSync(labDir);
  const readLabFile = (rel: string, path: PropertyKey[]): LabFile | undefined => {
    const abs = resolve(labDir, rel);
    if (isAbsolute(rel) || !abs.startsWith(labDir + sep)) {
      problemAt(path, `"${rel}" must be a path inside the lab directory`);
      return undefined;
    }
    if (!existsSync(abs) || !statSync(abs).isFile()) {
      problemAt(path, `file "${rel}" not found; expected it at ${displayPath(abs)}`);
      return undefined;
    }
    if (!realpathSync(abs).startsWith(realLabDir + sep)) {
      problemAt(path, `"${rel}" must not point outside the lab directory`);
      return undefined;
    }
    try {
      const content = readBounded(abs);
      if (/\.ya?ml$/.test(rel)) {
        const fileLc = new LineCounter();
        for (const d of parseAllDocuments(content, { lineCounter: fileLc, prettyErrors: false }) as Document[]) {
          for (const e of d.errors ?? []) {
            const pos = lineCol(fileLc, e.pos[0]);
            problemAt(path, `${rel}:${pos.line}:${pos.column}: YAML syntax error: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
          }
        }
      }
      return { path: rel, content };
    } catch (err) {
      problemAt(path, (err as Error).message);
      return undefined;
    }
  };

  const regexFields = (value: unknown, path: PropertyKey[]) => {
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if ((k === 'matches' || k === 'stdoutMatches' || k === 'stderrMatches') && typeof v === 'string') {
        try {
          new RegExp(v);
        } catch (err) {
          problemAt([...path, k], `not a valid regular expression: ${(err as Error).message}`);
        }
      } else regexFields(v, [...path, k]);
    }
  };

  const steps = spec.steps.map((s, i) => {
    const files = s.files.map((f, j) => readLabFile(f, ['steps', i, 'files', j])).filter((f): f is LabFile => Boolean(f));
    const alternatives = s.alternatives.map((a, j) => ({
      title: a.title,
      text: a.text,
      files: a.files.map((f, k) => readLabFile(f, ['steps', i, 'alternatives', j, 'files', k])).filter((f): f is LabFile => Boolean(f)),
    }));
    s.checks.forEach((c, j) => regexFields(c, ['steps', i, 'checks', j]));
    if (s.commands.length === 0 && s.checks.length === 0) problemAt(['steps', i], `step "${s.id}" has neither commands nor checks; expected at least one`);
    const posOf = (path: PropertyKey[]) => lineCol(lc, locate(doc, path).node?.range?.[0]);
    const lineOf = (path: PropertyKey[]) => posOf(path).line;
    const commands = s.commands.map((c, j) => toCommand(c, posOf(['steps', i, 'commands', j])));
    return {
      id: s.id,
      title: s.title,
      text: s.text,
      commands,
      files,
      alternatives,
      checks: s.checks,
      solution: s.solution ? s.solution.map((c, j) => toCommand(c, posOf(['steps', i, 'solution', j]))) : commands,
      hints: s.hints,
      cleanup: s.cleanup,
      ...(s.undo ? { undo: s.undo } : {}),
      timeoutSeconds: s.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS,
      ...posOf(['steps', i]),
      checkLines: s.checks.map((_c, j) => lineOf(['steps', i, 'checks', j])),
      checksExpectedBefore: s.checks.map((c) => c.expectedBefore === true),
    };
  });
  if (problems.length) throw new LabLoadError(problems);

  return {
    id: spec.id,
    dir: labDir,
    file,
    title: spec.title,
    summary: spec.summary,
    estimatedMinutes: spec.estimatedMinutes,
    prerequisites: spec.prerequisites,
    requires: spec.requires,
    steps,
    cleanup: spec.cleanup,
  };
}

/** Every lab under a directory (each subdirectory holding a lab.yaml), sorted by id. */
export function loadLabs(labsDir: string): Lab[] {
  const root = resolve(labsDir);
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, LAB_FILE)))
    .map((d) => d.name)
    .sort();
  const labs: Lab[] = [];
  const problems: LabProblem[] = [];
  for (const d of dirs) {
    try {
      labs.push(loadLab(join(root, d)));
    } catch (err) {
      if (err instanceof LabLoadError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new LabLoadError(problems);
  return labs;
}
