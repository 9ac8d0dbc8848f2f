// The lint rules meshlab relies on, each shown to fire on a small source and to stay quiet on its
// fixed form. The source is written at the named path into a scratch copy of biome.json and its
// plugins, so the overrides (tests, testing/ folders) apply as they do to the tree.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';

interface Report {
  diagnostics: { category: string; location: { path: string } }[];
}

/** The rules (or `plugin`) Biome reports for `source` as the file `path` of the project. */
export function lint(path: string, source: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'meshlab-lint-'));
  try {
    cpSync(join(PROJECT_ROOT, 'biome.json'), join(dir, 'biome.json'));
    cpSync(join(PROJECT_ROOT, 'lint'), join(dir, 'lint'), { recursive: true });
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
    const r = spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'biome'), ['lint', '--vcs-enabled=false', '--reporter=json', path], { cwd: dir, encoding: 'utf8' });
    const json = r.stdout.slice(r.stdout.indexOf('{'));
    return [...new Set((JSON.parse(json) as Report).diagnostics.map((d) => d.category))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases: { name: string; path: string; bad: string; good: string; rule: string }[] = [
  {
    name: 'a `void name;` leftover',
    path: 'server/example.ts',
    bad: 'export function f(req: string): number {\n  void req;\n  return 1;\n}\n',
    good: 'export function f(): number {\n  return 1;\n}\n',
    rule: 'plugin',
  },
  {
    name: 'an unused variable',
    path: 'server/example.ts',
    bad: 'export function f(): number {\n  const left = 2;\n  return 1;\n}\n',
    good: 'export function f(): number {\n  const used = 2;\n  return used;\n}\n',
    rule: 'lint/correctness/noUnusedVariables',
  },
  {
    name: 'an unused import',
    path: 'server/example.ts',
    bad: "import { join } from 'node:path';\nexport const x = 1;\n",
    good: "import { join } from 'node:path';\nexport const x = join('a', 'b');\n",
    rule: 'lint/correctness/noUnusedImports',
  },
  {
    name: 'a floating promise of a local async function',
    path: 'server/example.ts',
    bad: 'async function load(): Promise<number> {\n  return 1;\n}\nexport function f(): void {\n  load();\n}\n',
    good: 'async function load(): Promise<number> {\n  return 1;\n}\nexport async function f(): Promise<void> {\n  await load();\n}\n',
    rule: 'lint/nursery/noFloatingPromises',
  },
  {
    name: 'an explicit any in production code',
    path: 'server/example.ts',
    bad: 'export function f(x: any): string {\n  return String(x);\n}\n',
    good: 'export function f(x: unknown): string {\n  return String(x);\n}\n',
    rule: 'lint/suspicious/noExplicitAny',
  },
];

describe('lint rules', () => {
  it.each(cases)('$name is reported, and its fixed form is not', ({ path, bad, good, rule }) => {
    expect(lint(path, bad)).toContain(rule);
    expect(lint(path, good)).toEqual([]);
  });

  it('keeps vitest and testing/ helpers out of production code under server/', () => {
    const importsVitest = "import { expect } from 'vitest';\nexport const check = (x: number) => expect(x).toBe(1);\n";
    const importsHelper = "import { startHarness } from '../terminals/testing/harness.ts';\nexport const start = startHarness;\n";
    expect(lint('server/api/example.ts', importsVitest)).toContain('lint/style/noRestrictedImports');
    expect(lint('server/api/example.ts', importsHelper)).toContain('lint/style/noRestrictedImports');
    expect(lint('server/api/example.test.ts', importsVitest)).toEqual([]);
    expect(lint('server/api/example.test.ts', importsHelper)).toEqual([]);
    expect(lint('server/api/testing/example.ts', importsHelper)).toEqual([]);
    expect(lint('bench/example.ts', importsHelper)).toEqual([]);
  });

  it('allows an explicit any in a test', () => {
    expect(lint('server/example.test.ts', 'export const f = (x: any) => String(x);\n')).toEqual([]);
  });
});
