// Turns the runner's StepReport (protocol/runner-events.ts) into the API's StepCheckReport
// (protocol/lab-api.ts), bounding every text a learner's browser receives.
import type { CheckResultView, StepCheckReport } from '../protocol/lab-api.ts';
import type { CheckResult, StepReport } from '../protocol/runner-events.ts';
import type { LabCommand } from '../runner/index.ts';

/** The part of a runner lab the routes read. */
export interface RunnerLab {
  id: string;
  steps: { id: string; hints: { 'zh-Hans': string; en: string }[]; checksExpectedBefore?: boolean[] }[];
}

const MAX_TEXT = 4000;
const MAX_CHECKS = 50;
const MAX_DETAILS = 20;

function bounded(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}… (${s.length - MAX_TEXT} more characters)` : s;
}

function checkView(c: CheckResult, heldBefore: boolean): CheckResultView {
  return {
    name: bounded(c.name),
    ...(c.localizedName ? { names: { 'zh-Hans': bounded(c.localizedName['zh-Hans']), en: bounded(c.localizedName.en) } } : {}),
    passed: c.ok,
    ...(c.expectsFailure ? { expectsFailure: true } : {}),
    ...(heldBefore && c.ok ? { heldBefore: true } : {}),
    details: (c.details ?? []).slice(0, MAX_DETAILS).map((d) => ({ what: bounded(d.what), expected: bounded(d.expected), actual: bounded(d.actual), ...(d.actualZh ? { actualZh: bounded(d.actualZh) } : {}), ok: d.ok })),
    message: c.error ? bounded(c.error) : !c.ok && c.message ? bounded(c.message) : undefined,
    ...(c.trace ? { request: { status: c.trace.status, flags: bounded(c.trace.flags), reason: bounded(c.trace.reason), reasons: { 'zh-Hans': bounded(c.trace.reasons['zh-Hans']), en: bounded(c.trace.reasons.en) }, explanation: { 'zh-Hans': bounded(c.trace.explanation['zh-Hans']), en: bounded(c.trace.explanation.en) } } } : {}),
  };
}

export function toCheckReport(report: StepReport, lab: RunnerLab, stepId: string, durationMs: number, at = new Date()): StepCheckReport {
  const step = lab.steps.find((s) => s.id === stepId);
  // The lab marks the checks that hold before the step's commands on purpose (expectedBefore).
  const checks = (report.checks ?? []).slice(0, MAX_CHECKS).map((c) => checkView(c, step?.checksExpectedBefore?.[c.index] === true));
  // Passed only when the runner says so and no check it reports disagrees.
  const passed = report.status === 'passed' && checks.every((c) => c.passed);
  return {
    lab: lab.id,
    step: stepId,
    passed,
    checks,
    failure: report.failure && !passed ? bounded(report.failure.message) : undefined,
    hints: passed ? [] : (step?.hints ?? []).slice(0, 10),
    durationMs,
    at: at.toISOString(),
  };
}

/** A report for a check the runner could not run at all. */
export function errorReport(message: string): StepReport {
  return { id: '', title: { 'zh-Hans': '', en: '' }, status: 'failed', durationMs: 0, commands: [], checks: [], failure: { kind: 'error', message } };
}

/** The commands Solve types, in order. */
export function toSolutionCommands(solution: readonly LabCommand[]): string[] {
  return solution.map((c) => c.run).filter((c) => c.trim().length > 0);
}
