// `meshlab verify` for authors (fake driver, real shell): --strict finds vacuous checks, --step
// runs one step after its setup, --keep leaves the failed cluster, JUnit carries file and line,
// annotations under GitHub Actions, infrastructure failures without learner hints.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { runVerifyCommand, type VerifyCliOptions } from '../cli/commands/verify.ts';
import { fakeDriver } from './testing/fake-driver.ts';

const root = mkdtempSync(join(tmpdir(), 'meshlab-verify-debug-'));
const labsDir = join(root, 'labs');
const T = '{ zh-Hans: 步骤, en: Step }';

function writeLab(id: string, steps: string): string {
  mkdirSync(join(labsDir, id), { recursive: true });
  const text = `id: ${id}\ntitle: { zh-Hans: 实验, en: Lab }\nsummary: { zh-Hans: 摘要, en: Summary }\nestimatedMinutes: 2\nsteps:\n${steps}`;
  writeFileSync(join(labsDir, id, 'lab.yaml'), text);
  return text;
}

// A check that tests what the step does, and one that passes anyway.
writeLab(
  'vacuous',
  `  - id: make-file
    title: ${T}
    commands: [touch made]
    checks:
      - type: command
        name: the file exists
        run: test -f made
        expect: { exitCode: 0 }
      - type: command
        name: the shell works
        run: "true"
        expect: { exitCode: 0 }
`,
);
writeLab(
  'expected',
  `  - id: keep-true
    title: ${T}
    commands: [touch made]
    checks:
      - type: command
        name: the shell still works
        expectedBefore: true
        run: "true"
        expect: { exitCode: 0 }
`,
);
writeLab(
  'three',
  `  - id: first
    title: ${T}
    commands: [echo one > one]
  - id: second
    title: ${T}
    commands: [cat one]
    checks:
      - type: command
        run: cat one
        expect: { stdoutContains: one }
  - id: third
    title: ${T}
    commands: [exit 1]
`,
);
const failingText = writeLab(
  'failing',
  `  - id: setup
    title: ${T}
    commands: [echo ready]
  - id: broken
    title: ${T}
    commands: [echo 404]
    checks:
      - type: command
        name: answers 200
        timeoutSeconds: 0.2
        run: echo status 404
        expect: { stdoutContains: "200" }
    hints: [{ zh-Hans: 看状态码, en: look at the status code }]
  - id: never
    title: ${T}
    commands: [echo never]
`,
);
writeLab(
  'occupied',
  `  - id: create
    title: ${T}
    commands:
      - |-
        echo 'Error from server (AlreadyExists): namespaces "bookinfo" already exists' >&2; exit 1
    hints: [{ zh-Hans: 提示, en: a learner hint }]
`,
);

async function verify(opts: Partial<VerifyCliOptions>, waitForRelease?: () => Promise<void>) {
  const out: string[] = [];
  const err: string[] = [];
  const driver = fakeDriver({}, false);
  const code = await runVerifyCommand({ labs: [], driver: 'embedded', labsDir, ...opts }, { createDriver: async () => driver, out: (t) => out.push(t), err: (t) => err.push(t), waitForRelease });
  return { code, out: out.join('\n'), err: err.join('\n'), driver };
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('verify --strict', () => {
  it('fails a lab whose check already passes before its step, naming the check', async () => {
    expect((await verify({ labs: ['vacuous'] })).code).toBe(0);
    const r = await verify({ labs: ['vacuous'], strict: true });
    expect(r.code).toBe(1);
    expect(r.out).toContain('check 2 (the shell works) already passed before the step\'s commands ran, so it proves nothing about this step');
    expect(r.out).not.toContain('check 1 (the file exists) already passed');
  });

  it('allows a check marked expectedBefore', async () => {
    expect((await verify({ labs: ['expected'], strict: true })).code).toBe(0);
  });
});

describe('verify --step', () => {
  it('runs the steps before it as setup, then the step, and skips the rest', async () => {
    const file = join(root, 'step.xml');
    const r = await verify({ labs: ['three'], step: 'second', junit: file });
    expect(r.code).toBe(0);
    expect(r.out).toContain('[three] first: passed');
    expect(r.out).toContain('[three] second: passed');
    expect(r.out).not.toContain('[three] third: running');
    expect(readFileSync(file, 'utf8')).toContain('skipped message="not run: --step second stops after that step"');
  });

  it('names the steps there are for an unknown one, and needs one lab', async () => {
    expect((await verify({ labs: ['three'], step: 'secnd' })).err).toContain('lab "three" has no step "secnd"; its steps are: first, second, third');
    expect((await verify({ labs: [], step: 'second' })).err).toContain('--step needs exactly one lab');
  });
});

describe('verify reports', () => {
  it('JUnit: file and line of each failing check, and a reason for each skip', async () => {
    const file = join(root, 'junit.xml');
    await verify({ labs: ['failing'], junit: file });
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(readFileSync(file, 'utf8'));
    const cases = doc.testsuites.testsuite[0].testcase as { name: string; file: string; line: string; failure?: { message: string; '#text': string }; skipped?: { message: string } }[];
    const broken = cases.find((c) => c.name === 'broken')!;
    expect(broken.file).toMatch(/labs\/failing\/lab\.yaml$/);
    expect(Number(broken.line)).toBe(lineOf(failingText, '- type: command'));
    expect(broken.failure!['#text']).toContain(`check 1 (command) answers 200 (${broken.file}:${broken.line})`);
    expect(broken.failure!['#text']).toContain('last output:');
    expect(broken.failure!['#text']).toContain('status 404');
    expect(cases.find((c) => c.name === 'never')!.skipped!.message).toBe('not run: step "broken" failed');
  });

  it('GitHub Actions annotations for lint problems and failed steps', async () => {
    const r = await verify({ labs: ['failing'], annotations: true });
    expect(r.out).toMatch(new RegExp(`^::error file=[^,]*labs/failing/lab\\.yaml,line=${lineOf(failingText, '- type: command')},title=failing › broken::check 1 failed: answers 200`, 'm'));
    expect(r.out.split('\n').filter((l) => l.startsWith('::error'))).toHaveLength(1);
  });

  it('says the last output of a failing check and keeps learner hints for learner mistakes', async () => {
    const r = await verify({ labs: ['failing'] });
    expect(r.out).toContain('last output:');
    expect(r.out).toContain('$ echo status 404');
    expect(r.out).toContain('hint: look at the status code');
  });

  it('an occupied cluster is an infrastructure failure, said as such, without learner hints', async () => {
    const r = await verify({ labs: ['occupied'] });
    expect(r.code).toBe(1);
    expect(r.out).toContain('The cluster already holds what this step creates: verify needs a cluster where the lab has not run');
    expect(r.out).not.toContain('hint: a learner hint');
  });
});

describe('verify --keep', () => {
  it('leaves a failed lab\'s cluster up, without cleanup, and says how to reach it', async () => {
    let released = false;
    const r = await verify({ labs: ['failing'], keep: true }, async () => {
      released = true;
    });
    expect(r.code).toBe(1);
    expect(released).toBe(true);
    expect(r.err).toContain('The cluster of lab failing is still up, as the failure left it');
    expect(r.err).toContain('export INGRESS_HOST=127.0.0.1');
    expect(r.driver.handles[0]!.destroyed).toBe(true);
  });
});

describe('verify --watch', () => {
  it('wakes on the next change under the lab directory, and on Ctrl-C without one', async () => {
    const { nextChange } = await import('../cli/commands/verify.ts');
    const dir = join(labsDir, 'three');
    const ac = new AbortController();
    const changed = nextChange([dir], ac.signal, 50);
    setTimeout(() => writeFileSync(join(dir, 'lab.yaml'), readFileSync(join(dir, 'lab.yaml'), 'utf8')), 100);
    expect(await changed).toBe(join(dir, 'lab.yaml'));
    const stop = new AbortController();
    const none = nextChange([dir], stop.signal, 50);
    stop.abort();
    expect(await none).toBeUndefined();
  });
});
