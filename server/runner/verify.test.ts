import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { runVerifyCommand, type VerifyCliOptions } from '../cli/commands/verify.ts';
import { fakeDriver } from './testing/fake-driver.ts';

const root = mkdtempSync(join(tmpdir(), 'meshlab-verify-'));
const labsDir = join(root, 'labs');

function writeLab(id: string, steps: string) {
  mkdirSync(join(labsDir, id), { recursive: true });
  writeFileSync(
    join(labsDir, id, 'lab.yaml'),
    `id: ${id}\ntitle: { zh-Hans: 实验 ${id}, en: Lab ${id} }\nsummary: { zh-Hans: 摘要, en: Summary }\nestimatedMinutes: 2\nsteps:\n${steps}`,
  );
}

const T = '{ zh-Hans: 步骤, en: Step }';
writeLab('alpha', `  - id: first\n    title: ${T}\n    commands: [echo one]\n  - id: second\n    title: ${T}\n    commands: [echo two]\n`);
writeLab(
  'beta',
  `  - id: ok-step\n    title: ${T}\n    commands: [echo fine]\n  - id: broken-step
    title: ${T}
    commands: [echo 404]
    checks:
      - type: command
        name: status is 200
        timeoutSeconds: 0.2
        run: echo 404
        expect: { stdoutContains: "200" }
    hints: [{ zh-Hans: 看看状态码, en: look at the status code }]
  - id: after
    title: ${T}
    commands: [echo later]
`,
);

async function verify(opts: Partial<VerifyCliOptions>, parallel = true) {
  const out: string[] = [];
  const err: string[] = [];
  const driver = fakeDriver({}, parallel);
  const code = await runVerifyCommand(
    { labs: [], driver: 'embedded', labsDir, ...opts },
    { createDriver: async () => driver, out: (t) => out.push(t), err: (t) => err.push(t) },
  );
  return { code, out: out.join('\n'), err: err.join('\n'), driver };
}

describe('meshlab verify (fake driver)', () => {
  it('passes a good lab, on a fresh cluster that is destroyed afterwards', async () => {
    const r = await verify({ labs: ['alpha'] });
    expect(r.code).toBe(0);
    expect(r.driver.handles).toHaveLength(1);
    expect(r.driver.handles[0]!.destroyed).toBe(true);
    expect(r.out).toContain('[alpha] first: passed');
    expect(r.out).toMatch(/1 of 1 labs passed in/);
  });

  it('fails with a report naming lab, step, check, expected and actual', async () => {
    const r = await verify({});
    expect(r.code).toBe(1);
    expect(r.driver.handles).toHaveLength(2);
    expect(r.out).toContain('FAIL beta');
    expect(r.out).toContain('FAIL broken-step');
    expect(r.out).toContain('check 1 (command): status is 200');
    expect(r.out).toContain('stdout: expected containing "200", got "404\\n"');
    expect(r.out).toMatch(/skip after/);
    expect(r.out).toContain('hint: look at the status code');
  });

  it('writes valid JUnit XML: one testsuite per lab, one testcase per step', async () => {
    const file = join(root, 'out', 'junit.xml');
    await verify({ junit: file });
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(readFileSync(file, 'utf8'));
    const suites = doc.testsuites.testsuite as { name: string; tests: string; failures: string; testcase: { name: string; classname: string; failure?: { message: string }; skipped?: unknown }[] }[];
    expect(suites.map((s) => s.name)).toEqual(['alpha', 'beta']);
    expect(suites[0]!.testcase.map((t) => t.name)).toEqual(['first', 'second']);
    expect(suites[1]!.testcase.map((t) => t.name)).toEqual(['ok-step', 'broken-step', 'after']);
    expect(suites[1]!.failures).toBe('1');
    const failure = suites[1]!.testcase[1]!.failure!;
    expect(failure.message).toContain('beta › broken-step');
    expect(failure.message).toContain('stdout: expected containing "200", got "404\\n"');
    expect(suites[1]!.testcase[2]!.skipped).toBeDefined();
  });

  it('writes JSON to stdout with --json, keeping human output on stderr', async () => {
    const r = await verify({ labs: ['alpha'], json: true });
    const doc = JSON.parse(r.out) as { ok: boolean; labs: { lab: string; steps: { status: string }[] }[] };
    expect(doc.ok).toBe(true);
    expect(doc.labs[0]!.steps.map((s) => s.status)).toEqual(['passed', 'passed']);
    expect(r.err).toContain('Summary');
  });

  it('--bail stops after the first failing lab', async () => {
    const r = await verify({ labs: ['beta', 'alpha'], bail: true }, false);
    expect(r.code).toBe(1);
    expect(r.driver.handles).toHaveLength(1);
    expect(r.out).toContain('FAIL alpha');
  });

  it('names the labs there are when asked for an unknown one', async () => {
    const r = await verify({ labs: ['gamma'] });
    expect(r.code).toBe(2);
    expect(r.err).toContain('no lab named "gamma"; the labs are: alpha, beta');
  });

  it('runs the content lint first: a page naming a misspelt step fails before any cluster, with file:line:col', async () => {
    const site = join(root, 'site');
    mkdirSync(join(site, 'labs'), { recursive: true });
    cpSync(join(labsDir, 'alpha'), join(site, 'labs', 'alpha'), { recursive: true });
    mkdirSync(join(site, 'docs'), { recursive: true });
    writeFileSync(join(site, 'docs', 'alpha.mdx'), '# 甲\n\n<LabStep lab="alpha" step="frist" />\n<LabStep lab="alpha" step="second" />\n');
    const r = await verify({ labsDir: join(site, 'labs') });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/docs\/alpha\.mdx:3:\d+: lab alpha has no step "frist"; did you mean "first"\?/);
    expect(r.driver.handles).toHaveLength(0);
  });

  it('reports bad lab files with file and line, and runs nothing', async () => {
    const bad = join(root, 'bad-labs');
    mkdirSync(join(bad, 'x'), { recursive: true });
    writeFileSync(join(bad, 'x', 'lab.yaml'), 'id: x\ntitle: [\n');
    const r = await verify({ labsDir: bad });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/x\/lab\.yaml:\d+:\d+: YAML syntax error/);
    expect(r.driver.handles).toHaveLength(0);
  });
});
