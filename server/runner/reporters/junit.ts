// JUnit XML for CI: one testsuite per lab, one testcase per step. A failed step's failure
// message names the step, the check, and expected vs actual; the command output is attached.
import builder from 'junit-report-builder';
import { describeDetail, type LabReport, type StepReport } from '../../protocol/runner-events.ts';

/** The failure text of a step: what failed, then each failing comparison. */
export function stepFailureText(lab: string, step: StepReport): string {
  const lines = [`${lab} › ${step.id}: ${step.failure?.message ?? 'failed'}`];
  for (const c of step.checks.filter((x) => !x.ok)) {
    lines.push(`check ${c.index + 1} (${c.type}) ${c.name}${c.error ? `: ${c.error}` : ''}`);
    for (const d of c.details.filter((x) => !x.ok)) lines.push(`  ${describeDetail(d)}`);
  }
  return lines.join('\n');
}

export function junitXml(reports: LabReport[], suiteName = 'meshlab verify'): string {
  const b = builder.newBuilder().name(suiteName);
  for (const lab of reports) {
    const suite = b.testSuite().name(lab.lab).time(lab.durationMs / 1000);
    if (lab.requirements.length) suite.property('requirements', lab.requirements.join('; '));
    for (const step of lab.steps) {
      const tc = suite.testCase().className(lab.lab).name(step.id).time(step.durationMs / 1000);
      const out = step.commands.map((c) => `$ ${c.command}\n${c.output}`).join('\n');
      if (out) tc.standardOutput(out);
      // The message attribute is one line for CI summaries; the element's text keeps the lines.
      if (step.status === 'failed') {
        const text = stepFailureText(lab.lab, step);
        tc.failure(text.split('\n').map((l) => l.trim()).join(' | '), step.failure?.kind ?? 'failure').stacktrace(text);
      }
      else if (step.status === 'skipped') tc.skipped();
    }
    if (lab.cleanupErrors.length) suite.testCase().className(lab.lab).name('cleanup').failure(lab.cleanupErrors.join('\n'), 'cleanup');
  }
  return b.build();
}
