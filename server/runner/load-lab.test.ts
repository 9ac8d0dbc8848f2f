import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, LabLoadError, loadLab, loadLabs } from './load-lab.ts';

const root = mkdtempSync(join(tmpdir(), 'meshlab-labs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const GOOD = `id: demo
title: { zh-Hans: 演示, en: Demo }
summary: { zh-Hans: 一个演示, en: A demo }
estimatedMinutes: 5
steps:
  - id: create-ns
    title: { zh-Hans: 创建命名空间, en: Create the namespace }
    commands:
      - kubectl create namespace demo
    files: [app.yaml]
    checks:
      - type: k8s
        object: { apiVersion: v1, kind: Namespace, name: demo }
  - id: call
    title: { zh-Hans: 访问, en: Call it }
    commands:
      - run: curl -s $INGRESS_HOST:$INGRESS_PORT/status/418
        exitCode: [0, 22]
    checks:
      - type: http
        url: http://$INGRESS_HOST:$INGRESS_PORT/status/418
        expect: { status: 418 }
`;

let n = 0;
function writeLab(yaml: string, files: Record<string, string> = { 'app.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n' }, id = 'demo'): string {
  const dir = join(root, String(n++), id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'lab.yaml'), yaml);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function problemsOf(dir: string): string[] {
  try {
    loadLab(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(LabLoadError);
    return (err as LabLoadError).problems.map((p) => formatProblem({ ...p, file: 'lab.yaml' }));
  }
  throw new Error('expected the lab to be rejected');
}

describe('loadLab', () => {
  it('loads a valid lab into plain data with file contents and defaults', () => {
    const lab = loadLab(writeLab(GOOD));
    expect(lab.id).toBe('demo');
    expect(lab.steps.map((s) => s.id)).toEqual(['create-ns', 'call']);
    expect(lab.steps[0]!.files).toEqual([{ path: 'app.yaml', content: expect.stringContaining('kind: Namespace') }]);
    expect(lab.steps[0]!.solution).toEqual(lab.steps[0]!.commands);
    expect(lab.steps[1]!.commands[0]).toMatchObject({ exitCode: [0, 22], deliberateWaitSeconds: 0 });
    expect(lab.steps[0]!.timeoutSeconds).toBe(120);
    expect(JSON.parse(JSON.stringify(lab))).toEqual(lab);
  });

  const cases: { name: string; yaml: string; files?: Record<string, string>; expected: string[] }[] = [
    {
      name: 'YAML syntax error',
      yaml: GOOD.replace('estimatedMinutes: 5', 'estimatedMinutes: [5'),
      expected: ['lab.yaml:5:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented'],
    },
    {
      name: 'duplicate mapping key',
      yaml: GOOD.replace('estimatedMinutes: 5', 'estimatedMinutes: 5\nestimatedMinutes: 6'),
      expected: ['lab.yaml:5:1: YAML syntax error: Map keys must be unique'],
    },
    {
      name: 'unknown field in a step',
      yaml: GOOD.replace('    files: [app.yaml]', '    files: [app.yaml]\n    comands: []'),
      expected: ['lab.yaml:11:5: steps[0].comands: unknown field "comands"; expected one of id, title, text, commands, files'],
    },
    {
      name: 'unknown top-level field',
      yaml: `${GOOD}autor: me\n`,
      expected: ['lab.yaml:23:1: autor: unknown field "autor"; expected one of id, title, summary'],
    },
    {
      name: 'missing step id',
      yaml: GOOD.replace('  - id: call\n    title', '  - title'),
      expected: ['lab.yaml:14:5: steps[1].id: missing; expected a string'],
    },
    {
      name: 'duplicate step ids',
      yaml: GOOD.replace('id: call', 'id: create-ns'),
      expected: ['lab.yaml:14:9: steps[1].id: duplicate step id "create-ns" (first used by steps[0] at line 6); step ids must be unique'],
    },
    {
      name: 'check of an unknown type',
      yaml: GOOD.replace('type: http', 'type: htp'),
      expected: ['lab.yaml:20:15: steps[1].checks[0].type: unknown check type "htp"; expected one of http, k8s, command'],
    },
    {
      name: 'unknown field inside a check names the fields of that check type',
      yaml: GOOD.replace('expect: { status: 418 }', 'expect: { status: 418 }\n        retries: 3'),
      expected: ['lab.yaml:23:9: steps[1].checks[0].retries: unknown field "retries"; expected one of type, name, timeoutSeconds, expectedBefore, method, url'],
    },
    {
      name: 'missing referenced file',
      yaml: GOOD.replace('files: [app.yaml]', 'files: [app.yaml, gw.yaml]'),
      expected: ['lab.yaml:10:23: steps[0].files[1]: file "gw.yaml" not found; expected it at '],
    },
    {
      name: 'file outside the lab directory',
      yaml: GOOD.replace('files: [app.yaml]', 'files: [../../etc/passwd]'),
      expected: ['lab.yaml:10:13: steps[0].files[0]: "../../etc/passwd" must be a path inside the lab directory'],
    },
    {
      name: 'manifest with a YAML error',
      yaml: GOOD,
      files: { 'app.yaml': 'kind: [Namespace\n' },
      expected: ['lab.yaml:10:13: steps[0].files[0]: app.yaml:2:1: YAML syntax error: '],
    },
    {
      name: 'wrong type',
      yaml: GOOD.replace('estimatedMinutes: 5', 'estimatedMinutes: soon'),
      expected: ['lab.yaml:4:19: estimatedMinutes: expected a number, got the string "soon"'],
    },
    {
      name: 'enum value',
      yaml: GOOD.replace('estimatedMinutes: 5', 'estimatedMinutes: 5\nrequires: { outboundTrafficPolicy: DENY }'),
      expected: ['lab.yaml:5:36: requires.outboundTrafficPolicy: "DENY" is not allowed; expected one of ALLOW_ANY, REGISTRY_ONLY'],
    },
    {
      name: 'missing translation',
      yaml: GOOD.replace('title: { zh-Hans: 访问, en: Call it }', 'title: { zh-Hans: 访问 }'),
      expected: ['lab.yaml:15:12: steps[1].title.en: missing; expected a string'],
    },
    {
      name: 'unknown field in a command mapping',
      yaml: GOOD.replace('exitCode: [0, 22]', 'exitcode: [0, 22]'),
      expected: ['lab.yaml:18:9: steps[1].commands[0].exitcode: unknown field "exitcode"; expected one of run, exitCode, output, verify'],
    },
    {
      name: 'a command that YAML reads as a mapping gets a hint',
      yaml: GOOD.replace('      - kubectl create namespace demo', '      - curl -H "Host: x" http://example.com'),
      expected: [
        'lab.yaml:9:9: steps[0].commands[0].run: missing; expected a string',
        'lab.yaml:9:9: steps[0].commands[0].curl -H "Host: unknown field "curl -H "Host"; expected one of run, exitCode, output, verify, deliberateWaitSeconds, timeoutSeconds; a command containing ": " must be quoted or written as a block (- |-)',
      ],
    },
    {
      name: 'a document that is a list',
      yaml: '- id: demo\n',
      expected: ['lab.yaml:1:1: expected a mapping, got a list'],
    },
    {
      name: 'an empty document',
      yaml: '',
      expected: ['lab.yaml:1:1: expected a mapping, got null'],
    },
    {
      name: 'invalid regular expression',
      yaml: GOOD.replace('expect: { status: 418 }', 'expect: { status: 418, body: { matches: "([a-z" } }'),
      expected: ['lab.yaml:22:49: steps[1].checks[0].expect.body.matches: not a valid regular expression'],
    },
    {
      name: 'id differs from the directory name',
      yaml: GOOD.replace('id: demo', 'id: other'),
      expected: ['lab.yaml:1:5: id: "other" must equal the lab\'s directory name "demo"'],
    },
    {
      name: 'k8s check with neither object nor pods',
      yaml: GOOD.replace('object: { apiVersion: v1, kind: Namespace, name: demo }', 'expect: { exists: true }'),
      expected: ['lab.yaml:12:9: steps[0].checks[0]: give exactly one of "object" or "pods"'],
    },
  ];

  for (const c of cases) {
    it(`rejects: ${c.name}`, () => {
      const problems = problemsOf(writeLab(c.yaml, c.files));
      expect(problems).toHaveLength(c.expected.length);
      c.expected.forEach((e, i) => expect(problems[i]).toContain(e));
    });
  }

  it('names the file relative to the working directory', () => {
    const dir = writeLab(GOOD.replace('type: http', 'type: htp'));
    try {
      loadLab(dir);
      throw new Error('not rejected');
    } catch (err) {
      expect((err as LabLoadError).problems[0]!.file).toMatch(/demo\/lab\.yaml$/);
      expect((err as Error).message).toMatch(/demo\/lab\.yaml:20:15: steps\[1\]\.checks\[0\]\.type: unknown check type "htp"/);
    }
  });

  it('rejects an alias bomb without expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghij'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`)].join('\n');
    expect(() => loadLab(writeLab(`${bomb}\n`))).toThrow(/lab\.yaml:1:1: YAML error: .*[Aa]lias/);
  });

  it('reports a missing lab.yaml', () => {
    const dir = join(root, 'empty');
    mkdirSync(dir, { recursive: true });
    expect(() => loadLab(dir)).toThrow(/no lab\.yaml in/);
  });
});

describe('loadLabs', () => {
  it('loads every lab directory and collects every lab problem', () => {
    const base = join(root, 'many');
    mkdirSync(base);
    for (const id of ['b-lab', 'a-lab']) {
      mkdirSync(join(base, id));
      writeFileSync(join(base, id, 'lab.yaml'), GOOD.replace('id: demo', `id: ${id}`));
      writeFileSync(join(base, id, 'app.yaml'), 'kind: Namespace\n');
    }
    mkdirSync(join(base, 'not-a-lab'));
    expect(loadLabs(base).map((l) => l.id)).toEqual(['a-lab', 'b-lab']);
    writeFileSync(join(base, 'b-lab', 'lab.yaml'), GOOD.replace('id: demo', 'id: b-lab').replace('type: http', 'type: x'));
    expect(() => loadLabs(base)).toThrow(/b-lab\/lab\.yaml:20:15/);
  });
});
