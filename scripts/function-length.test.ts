// No function in server/ (tests and testing/ helpers aside) is longer than 100 lines, so each one can
// be read on one screen and named for one concern. The printer tables, which mirror kubectl's own
// column tables kind by kind, are the one exception. A function's length is its whole span, nested
// functions included, from its first line to its closing brace.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';

const LIMIT = 100;
/** Files whose functions may be longer: the kind tables (kubectl's printers, column by column). */
const ALLOWED = new Set(['server/sim/apiserver/tables.ts']);
/**
 * Functions still over the limit, to be split along their concerns; the list only shrinks (a name
 * left here once its function is short fails the test too).
 */
const NOT_YET_SPLIT = new Set([
  'server/sim/exec/sidecar-interceptor.ts startInterceptor',
  'server/sim/apiserver/api-server.ts handle',
  'server/api/app.ts createSiteServer',
  'server/runner/load-lab.ts loadLab',
  'server/terminals/socket.ts serveTerminalSocket',
  'server/api/terminal-routes.ts createTerminalRoutes',
  'server/api/terminal-routes.ts registerTerminalRoutes',
  'server/cli/commands/serve.ts register',
  'server/sim/apiserver/watch.ts serveWatch',
  'server/api/traffic-routes.ts createTrafficRoutes',
  'server/api/traffic-routes.ts registerTrafficRoutes',
  'server/runner/runner.ts runStep',
]);

export interface LongFunction {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function nameOf(node: ts.SignatureDeclaration, src: ts.SourceFile): string {
  if (node.name) return node.name.getText(src);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) return parent.name.getText(src);
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(src).slice(0, 60)})`;
  return '(anonymous)';
}

/** The functions, methods and arrow functions of one source longer than `limit` lines. */
export function longFunctionsIn(file: string, text: string, limit = LIMIT): LongFunction[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
      const last = src.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > limit) found.push({ file, line: first + 1, name: nameOf(node, src), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return found;
}

function productionSources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'testing' && entry.name !== 'node_modules') productionSources(path, out);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

/** Every function in server/ over the limit, longest first, outside the allowed tables. */
export function longFunctions(root = PROJECT_ROOT, limit = LIMIT): LongFunction[] {
  return productionSources(join(root, 'server'))
    .map((path) => relative(root, path))
    .filter((file) => !ALLOWED.has(file))
    .flatMap((file) => longFunctionsIn(file, readFileSync(join(root, file), 'utf8'), limit))
    .sort((a, b) => b.lines - a.lines);
}

describe('function length', () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  x += ${i};`).join('\n');
  const cases: { name: string; source: string; expected: string[] }[] = [
    { name: 'a short function', source: `function ok() {\n${body(5)}\n}\n`, expected: [] },
    { name: 'a function of exactly the limit', source: `function edge() {\n${body(98)}\n}\n`, expected: [] },
    { name: 'a function one line over', source: `function long() {\n${body(99)}\n}\n`, expected: ['long:1:101'] },
    { name: 'an arrow function named by its variable', source: `const arrow = () => {\n${body(120)}\n};\n`, expected: ['arrow:1:122'] },
    {
      name: 'a method inside a class',
      source: `class C {\n  m() {\n${body(110)}\n  }\n}\n`,
      expected: ['m:2:112'],
    },
    {
      name: 'a route callback',
      source: `app.get('/x', async () => {\n${body(101)}\n});\n`,
      expected: ['(callback of app.get):1:103'],
    },
  ];
  for (const c of cases) {
    it(`finds ${c.name}`, () => {
      expect(longFunctionsIn('x.ts', c.source).map((f) => `${f.name}:${f.line}:${f.lines}`)).toEqual(c.expected);
    });
  }

  it(`no function in server/ outside the kind tables is over ${LIMIT} lines`, () => {
    const long = longFunctions();
    const key = (f: LongFunction) => `${f.file} ${f.name}`;
    expect(long.filter((f) => !NOT_YET_SPLIT.has(key(f))).map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`)).toEqual([]);
    const stillLong = new Set(long.map(key));
    expect([...NOT_YET_SPLIT].filter((k) => !stillLong.has(k)), 'split now: remove from NOT_YET_SPLIT').toEqual([]);
  });
});
