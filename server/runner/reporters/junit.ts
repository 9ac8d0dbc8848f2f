// JUnit XML for CI: one testsuite per lab, one testcase per step, each with the `file` (lab.yaml)
// and `line` of what failed (the first failing check, else the step), so CI annotates the lab
// file. A failed step's failure names each failing check with its line, expected vs actual and
// what it last saw; a skipped step says why; the command output is attached.
import { XMLBuilder } from 'fast-xml-parser';
import { describeDetail, type LabReport, type StepReport } from '../../protocol/runner-events.ts';
import type { Lab } from '../lab.ts';
import { displayPath } from '../load-lab.ts';

/** Where a step's failure is in lab.yaml: the first failing check's line, else the step's. */
export function failureLocation(lab: Lab | undefined, step: StepReport): { file: string; line: number } | undefined {
  const source = lab?.steps.find((s) => s.id === step.id);
  if (!lab || !source) return undefined;
  const check = step.checks.find((c) => !c.ok || c.passedBefore);
  return { file: displayPath(lab.file), line: (check && source.checkLines?.[check.index]) || source.line || 1 };
}

/** The failure text of a step: what failed, then each failing check (with its line) and comparison. */
export function stepFailureText(lab: string, step: StepReport, source?: Lab): string {
  const lines = [`${lab} › ${step.id}: ${step.failure?.message ?? 'failed'}`];
  const checkLines = source?.steps.find((s) => s.id === step.id)?.checkLines;
  for (const c of step.checks.filter((x) => !x.ok)) {
    const at = checkLines?.[c.index] ? ` (${displayPath(source!.file)}:${checkLines[c.index]})` : '';
    lines.push(`check ${c.index + 1} (${c.type}) ${c.name}${at}${c.error ? `: ${c.error}` : ''}`);
    for (const d of c.details.filter((x) => !x.ok)) lines.push(`  ${describeDetail(d)}`);
    if (c.lastSeen) lines.push(`  last ${c.type === 'http' ? 'response' : 'output'}:`, ...c.lastSeen.split('\n').map((l) => `    ${l}`));
  }
  return lines.join('\n');
}

/** Text XML 1.0 can hold: no terminal escapes, no control characters. */
function xmlSafe(s: string): string {
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '');
}

const secs = (ms: number) => String(Math.round(ms) / 1000);

export function junitXml(reports: LabReport[], labs: Lab[] = [], suiteName = 'meshlab verify'): string {
  const suites = reports.map((report) => {
    const lab = labs.find((l) => l.id === report.lab);
    const cases: Record<string, unknown>[] = report.steps.map((step) => {
      const at = failureLocation(lab, step);
      const tc: Record<string, unknown> = { '@_classname': report.lab, '@_name': step.id, '@_time': secs(step.durationMs) };
      if (at) Object.assign(tc, { '@_file': at.file, '@_line': String(at.line) });
      if (step.status === 'failed') {
        const text = xmlSafe(stepFailureText(report.lab, step, lab));
        // The message attribute is one line for CI summaries; the element's text keeps the lines.
        tc.failure = { '@_message': text.split('\n').map((l) => l.trim()).join(' | '), '@_type': step.failure?.kind ?? 'failure', '#text': text };
      } else if (step.status === 'skipped') tc.skipped = { '@_message': xmlSafe(step.failure?.message ?? 'not run') };
      const out = step.commands.map((c) => `$ ${c.command}\n${c.output}`).join('\n');
      if (out) tc['system-out'] = xmlSafe(out);
      return tc;
    });
    if (report.cleanupErrors.length)
      cases.push({ '@_classname': report.lab, '@_name': 'cleanup', '@_time': '0', failure: { '@_message': xmlSafe(report.cleanupErrors.join(' | ')), '@_type': 'cleanup', '#text': xmlSafe(report.cleanupErrors.join('\n')) } });
    const failures = cases.filter((c) => c.failure).length;
    const skipped = cases.filter((c) => c.skipped).length;
    return {
      '@_name': report.lab,
      '@_tests': String(cases.length),
      '@_failures': String(failures),
      '@_errors': '0',
      '@_skipped': String(skipped),
      '@_time': secs(report.durationMs),
      ...(lab ? { '@_file': displayPath(lab.file) } : {}),
      ...(report.requirements.length ? { properties: { property: [{ '@_name': 'requirements', '@_value': xmlSafe(report.requirements.join('; ')) }] } } : {}),
      testcase: cases,
    };
  });
  const total = (k: '@_tests' | '@_failures' | '@_skipped') => String(suites.reduce((n, s) => n + Number(s[k]), 0));
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: { '@_name': suiteName, '@_tests': total('@_tests'), '@_failures': total('@_failures'), '@_errors': '0', '@_skipped': total('@_skipped'), testsuite: suites },
  };
  return new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true, processEntities: true }).build(doc) as string;
}
