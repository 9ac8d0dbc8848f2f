import { describe, expect, it } from 'vitest';
import type { CheckResult, StepReport } from '../protocol/runner-events.ts';
import { toCheckReport } from './lab-reports.ts';

function result(over: Partial<CheckResult>): CheckResult {
  return { index: 0, type: 'k8s', name: 'httpbin pods are ready', ok: false, attempts: 1, durationMs: 5, details: [], expected: '', actual: '', message: '', ...over };
}

const LAB = { id: 'lab', steps: [{ id: 's', hints: [], checksExpectedBefore: [false, true] }] };

function report(checks: CheckResult[]): StepReport {
  return { id: 's', title: { 'zh-Hans': '', en: '' }, status: 'failed', durationMs: 5, commands: [], checks };
}

describe('toCheckReport', () => {
  it('gives the site both languages of a check name the lab wrote in both', () => {
    const r = toCheckReport(report([result({ localizedName: { 'zh-Hans': 'httpbin 的 Pod 已就绪', en: 'httpbin pods are ready' } })]), LAB, 's', 5);
    expect(r.checks[0]!.names).toEqual({ 'zh-Hans': 'httpbin 的 Pod 已就绪', en: 'httpbin pods are ready' });
    expect(r.checks[0]!.name).toBe('httpbin pods are ready');
  });

  it('has no names for a check named in one language only', () => {
    expect(toCheckReport(report([result({})]), LAB, 's', 5).checks[0]!.names).toBeUndefined();
  });

  it("says which passed checks held before the step by the lab's design (expectedBefore)", () => {
    const r = toCheckReport(report([result({ index: 0, ok: true }), result({ index: 1, ok: true })]), LAB, 's', 5);
    expect(r.checks.map((c) => c.heldBefore)).toEqual([undefined, true]);
    const failed = toCheckReport(report([result({ index: 1, ok: false })]), LAB, 's', 5);
    expect(failed.checks[0]!.heldBefore).toBeUndefined();
  });

  it('says which checks pass by failing (a blocked request), and no other', () => {
    const r = toCheckReport(report([result({ ok: true, expectsFailure: true }), result({ ok: true })]), LAB, 's', 5);
    expect(r.checks.map((c) => c.expectsFailure)).toEqual([true, undefined]);
  });
});
