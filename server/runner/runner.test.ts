import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunnerEvent } from '../protocol/runner-events.ts';
import { loadLab } from './load-lab.ts';
import { checkStep, resetLab, runLab, solutionFor } from './runner.ts';
import { fakeHandle } from './testing/fake-driver.ts';

const root = mkdtempSync(join(tmpdir(), 'meshlab-runner-'));

function lab(id: string, stepsYaml: string, extra = '', files: Record<string, string> = {}) {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'lab.yaml'),
    `id: ${id}\ntitle: { zh-Hans: 测试, en: Test }\nsummary: { zh-Hans: 测试, en: Test }\nestimatedMinutes: 1\n${extra}steps:\n${stepsYaml}`,
  );
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return loadLab(dir);
}

const T = '{ zh-Hans: 步骤, en: Step }';

describe('runLab', () => {
  it('runs steps in order with the lab files, keeps exported variables, and emits typed events', async () => {
    const marker = join(root, 'cleanup-ran');
    const l = lab(
      'happy',
      `  - id: one
    title: ${T}
    files: [app.yaml]
    commands:
      - export GREETING=hello
      - |
        cat <<EOF > out.txt
        $GREETING from $INGRESS_HOST
        EOF
    checks:
      - type: command
        run: cat out.txt app.yaml
        expect: { stdoutContains: [hello from 10.1.2.3, "kind: Namespace"] }
    cleanup: [touch ${marker}]
  - id: two
    title: ${T}
    commands:
      - run: echo "$GREETING again"
        output: hello again
`,
      '',
      { 'app.yaml': 'kind: Namespace\n' },
    );
    const events: RunnerEvent[] = [];
    const report = await runLab(fakeHandle({ INGRESS_HOST: '10.1.2.3' }), l, { onEvent: (e) => events.push(e) });
    expect(report.ok, JSON.stringify(report.steps.map((s) => s.failure))).toBe(true);
    expect(report.steps.map((s) => s.status)).toEqual(['passed', 'passed']);
    expect(readFileSync(marker, 'utf8')).toBe('');
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('lab-started');
    expect(types[1]).toBe('requirements');
    expect(types.at(-1)).toBe('lab-finished');
    expect(types).toContain('output');
    const stepOne = events.filter((e) => 'step' in e && e.step === 'one').map((e) => e.type);
    expect(stepOne).toEqual(['step-started', 'command-started', 'command-finished', 'command-started', 'command-finished', 'check-passed', 'step-finished']);
    const finished = events.find((e) => e.type === 'command-finished' && e.step === 'two');
    expect(finished).toMatchObject({ exitCode: 0, ok: true });
  });

  it('fails a step on an unexpected exit code, skips the rest, and still runs cleanup', async () => {
    const marker = join(root, 'cleanup-after-failure');
    const l = lab(
      'broken',
      `  - id: good
    title: ${T}
    commands: [echo ok]
    cleanup: [echo cleaned > ${marker}]
  - id: bad
    title: ${T}
    commands: ["echo about to fail; exit 4"]
  - id: never
    title: ${T}
    commands: [echo never]
`,
    );
    const report = await runLab(fakeHandle(), l);
    expect(report.ok).toBe(false);
    expect(report.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped']);
    expect(report.steps[1]!.failure).toMatchObject({ kind: 'command' });
    expect(report.steps[1]!.failure!.message).toContain('exit code 4, expected 0; last output:\nabout to fail');
    expect(readFileSync(marker, 'utf8')).toBe('cleaned\n');
  });

  it('accepts the exit codes a command declares', async () => {
    const l = lab('exit-codes', `  - id: blocked\n    title: ${T}\n    commands:\n      - run: exit 35\n        exitCode: 35\n`);
    expect((await runLab(fakeHandle(), l)).ok).toBe(true);
  });

  it('names the failing check with expected and actual', async () => {
    const l = lab(
      'bad-check',
      `  - id: check-it\n    title: ${T}\n    commands: [echo hi]\n    checks:\n      - type: command\n        name: greeting\n        timeoutSeconds: 0.2\n        run: echo bye\n        expect: { stdoutContains: hi }\n`,
    );
    const report = await runLab(fakeHandle(), l);
    expect(report.steps[0]!.status).toBe('failed');
    expect(report.steps[0]!.failure!.message).toBe('check 1 failed: greeting: stdout: expected containing "hi", got "bye\\n"');
  });

  it('stops a step at its timeout', async () => {
    const l = lab('slow', `  - id: sleepy\n    title: ${T}\n    timeoutSeconds: 0.5\n    commands: [sleep 30]\n`);
    const started = Date.now();
    const report = await runLab(fakeHandle(), l);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(report.steps[0]!.failure).toMatchObject({ kind: 'timeout' });
  });

  it('can be cancelled', async () => {
    const l = lab('cancel', `  - id: a\n    title: ${T}\n    commands: [sleep 30]\n  - id: b\n    title: ${T}\n    commands: [echo b]\n`);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const report = await runLab(fakeHandle(), l, { signal: ac.signal });
    expect(report.steps.map((s) => s.status)).toEqual(['failed', 'skipped']);
    expect(report.steps[0]!.failure).toMatchObject({ kind: 'cancelled' });
  });

  it('retries a command until its output matches, as istio.io doc tests do', async () => {
    const counter = join(root, 'attempts');
    const l = lab(
      'eventually',
      `  - id: probe\n    title: ${T}\n    commands:\n      - run: echo x >> ${counter}; if [ $(wc -l < ${counter}) -ge 3 ]; then echo 404; else echo 200; fi\n        output: "404"\n`,
    );
    const report = await runLab(fakeHandle(), l);
    expect(report.ok, report.steps[0]!.failure?.message).toBe(true);
    expect(readFileSync(counter, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('gives up on an output that never matches within the step time and says how often it tried', async () => {
    const l = lab('never', `  - id: probe\n    title: ${T}\n    timeoutSeconds: 1\n    commands:\n      - run: echo 200\n        output: "404"\n`);
    const report = await runLab(fakeHandle(), l);
    expect(report.steps[0]!.failure!.message).toMatch(/expected output equal to:\n404\ngot:\n200\n\(after \d+ attempts\)/);
  });

  it('fails the first step when the cluster does not meet the requirements, and skips the rest', async () => {
    const l = lab('needs-tool', `  - id: a\n    title: ${T}\n    commands: [echo a]\n  - id: b\n    title: ${T}\n    commands: [echo b]\n`, 'requires: { istio: true }\n');
    const events: RunnerEvent[] = [];
    const report = await runLab(fakeHandle(), l, { onEvent: (e) => events.push(e) });
    expect(report.steps.map((s) => s.status)).toEqual(['failed', 'skipped']);
    expect(report.steps[0]!.failure).toMatchObject({ kind: 'requirement' });
    expect(report.steps[0]!.failure!.message).toMatch(/does not meet the lab's requirements: could not check for Istio/);
    expect(events.find((e) => e.type === 'requirements')).toMatchObject({ ok: false });
  });

  it('counts deliberate waits', async () => {
    const l = lab('waits', `  - id: w\n    title: ${T}\n    commands:\n      - run: sleep 0.3\n        deliberateWaitSeconds: 2\n`);
    const report = await runLab(fakeHandle(), l);
    expect(report.deliberateWaitMs).toBeGreaterThanOrEqual(250);
    expect(report.deliberateWaitMs).toBeLessThan(2000);
  });
});

describe('checkStep, solutionFor, resetLab', () => {
  const l = lab(
    'buttons',
    `  - id: s
    title: ${T}
    commands: [echo typed]
    solution: [echo solved]
    hints: [{ zh-Hans: 提示, en: hint }]
    checks:
      - type: command
        run: test -n "$INGRESS_PORT"
        expect: {}
  - id: no-checks
    title: ${T}
    commands: [echo x]
  - id: slow
    title: ${T}
    checks:
      - type: command
        name: first
        run: sleep 0.6; exit 1
        expect: {}
      - type: command
        name: second
        run: sleep 0.6
        expect: {}
`,
  );

  it('checkStep runs the checks together and reports them in the lab\'s order', async () => {
    const started = Date.now();
    const r = await checkStep(fakeHandle(), l, 'slow', { timeoutSeconds: 0 });
    // One after the other they would take 1.2 s or more.
    expect(Date.now() - started).toBeLessThan(1100);
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['first', false],
      ['second', true],
    ]);
    expect(r.failure?.message).toContain('first');
  });

  it('checkStep runs only the checks and reports a StepReport', async () => {
    const events: RunnerEvent[] = [];
    const r = await checkStep(fakeHandle({ INGRESS_PORT: '8080' }), l, 's', { onEvent: (e) => events.push(e) });
    expect(r).toMatchObject({ id: 's', status: 'passed', commands: [] });
    expect(r.checks).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['step-started', 'check-passed', 'step-finished']);
  });

  it('a step without checks never passes its Check', async () => {
    const r = await checkStep(fakeHandle(), l, 'no-checks');
    expect(r.status).toBe('failed');
  });

  it('checkStep of an unknown step names the steps', async () => {
    await expect(checkStep(fakeHandle(), l, 'nope')).rejects.toThrow(/has no step "nope"; its steps are: s, no-checks, slow/);
  });

  it('solutionFor returns the solution, or the commands by default', () => {
    expect(solutionFor(l, 's').map((c) => c.run)).toEqual(['echo solved']);
    expect(solutionFor(l, 'no-checks').map((c) => c.run)).toEqual(['echo x']);
  });

  it('resetLab resets the cluster through the handle', async () => {
    const h = fakeHandle();
    await resetLab(h, l);
    expect(h.resets).toBe(1);
  });
});
