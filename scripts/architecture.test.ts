// ARCHITECTURE.md held against the code: every module path and folder it names exists, the
// fields it says EmbeddedCluster exposes are the class's public members (no more, no fewer), no
// part is found through a module-level lookup keyed by the store, and the API layer reaches the
// runner only through its public module.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';

const DOC = readFileSync(join(PROJECT_ROOT, 'ARCHITECTURE.md'), 'utf8');

/** Project files (not node_modules, not dot folders) under `dir`, relative to the root. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(PROJECT_ROOT, p));
    }
  };
  walk(join(PROJECT_ROOT, dir));
  return out;
}

/** Where the tree's descriptions start; names are to the left of it. */
const DESCRIPTION_COLUMN = 26;

/** The paths the folder tree (the first code block) names, built from its indentation. */
export function treePaths(doc: string): string[] {
  const block = doc.split('```')[1] ?? '';
  const stack: { indent: number; path: string }[] = [];
  const paths: string[] = [];
  for (const line of block.split('\n')) {
    const m = /^( *)(\S+)/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    // A description wrapped onto the next line starts in the description column.
    if (indent >= DESCRIPTION_COLUMN) continue;
    while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
    const parent = stack.at(-1)?.path ?? '';
    // "docs/, i18n/en/" names two folders on one line.
    const names = line.slice(indent).split(/ {2,}/)[0]!.split(', ');
    for (const name of names) {
      const path = `${parent}${name}`;
      if (!path.includes('<')) paths.push(path);
      if (name.endsWith('/')) stack.push({ indent, path });
    }
  }
  return paths;
}

/** Code spans that look like a module path: `server/sim/cluster.ts`, `network-forwarder.ts`. */
export function modulePaths(doc: string): string[] {
  const spans = [...doc.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!);
  return spans.filter((s) => /^[\w@./-]+\.(ts|tsx|mjs|md|json|ya?ml)$/.test(s) && !s.startsWith('.'));
}

/** The names the "Exposes ..." sentence of the EmbeddedCluster contract lists. */
export function exposedNames(doc: string): string[] {
  const contract = doc.slice(doc.indexOf('**EmbeddedCluster**'));
  const sentence = /Exposes ([^.]*(?:\(\)[^.]*)*)\./.exec(contract)?.[1] ?? '';
  return [...sentence.matchAll(/`(\w+)(\(\))?`/g)].map((m) => m[1]!);
}

/** EmbeddedCluster's public instance members (fields, parameter properties, getters, methods). */
function publicMembers(): string[] {
  const file = join(PROJECT_ROOT, 'server/sim/cluster.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  const isPublic = (node: ts.Node): boolean => {
    const mods = ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : [];
    return !mods.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword || m.kind === ts.SyntaxKind.StaticKeyword);
  };
  source.forEachChild((node) => {
    if (!ts.isClassDeclaration(node) || node.name?.text !== 'EmbeddedCluster') return;
    for (const member of node.members) {
      if (ts.isConstructorDeclaration(member)) {
        for (const p of member.parameters) {
          const mods = ts.getModifiers(p) ?? [];
          if (mods.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword || m.kind === ts.SyntaxKind.PublicKeyword) && isPublic(p) && ts.isIdentifier(p.name)) names.push(p.name.text);
        }
        continue;
      }
      if (!isPublic(member) || !member.name || !ts.isIdentifier(member.name)) continue;
      names.push(member.name.text);
    }
  });
  return names;
}

describe('ARCHITECTURE.md', () => {
  it('names only folders and files that exist', () => {
    const tree = treePaths(DOC);
    expect(tree).toContain('server/sim/cluster.ts');
    expect(tree.filter((p) => !existsSync(join(PROJECT_ROOT, p)))).toEqual([]);
  });

  it('names only modules that exist (a bare file name exists somewhere under server/)', () => {
    const named = modulePaths(DOC);
    expect(named).toContain('server/sim/store/object-store.ts');
    const server = filesUnder('server');
    const missing = named.filter((p) => (p.includes('/') ? !existsSync(join(PROJECT_ROOT, p)) && !existsSync(join(PROJECT_ROOT, 'server', p)) : !server.some((f) => f.endsWith(`/${p}`))));
    expect(missing).toEqual([]);
  });

  it("lists exactly EmbeddedCluster's public members", () => {
    const listed = exposedNames(DOC);
    expect(listed).toContain('network');
    expect(listed).toContain('mesh');
    expect([...listed].sort()).toEqual([...publicMembers()].sort());
  });

  it('has no module-level lookups keyed by the store in the simulator or the drivers', () => {
    const found = [...filesUnder('server/sim'), ...filesUnder('server/drivers')]
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /^(export )?const \w+ = new WeakMap\b/m.test(readFileSync(join(PROJECT_ROOT, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it('the API layer imports the runner only through server/runner/index.ts', () => {
    const past = filesUnder('server/api')
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .flatMap((f) => [...readFileSync(join(PROJECT_ROOT, f), 'utf8').matchAll(/['"](\.\.\/runner\/[^'"]+)['"]/g)].map((m) => `${f}: ${m[1]}`))
      .filter((s) => !s.endsWith('../runner/index.ts'));
    expect(past).toEqual([]);
  });
});
