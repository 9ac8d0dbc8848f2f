// Runs one check until it passes or its timeout passes (Istio configuration reaches proxies
// eventually), and reports the last attempt's comparisons: the last actual values. On a driver
// that can tell when the cluster has settled, a check wrong once settled fails at once.
import { describeDetail, type CheckResult } from '../../protocol/runner-events.ts';
import { DEFAULT_CHECK_TIMEOUT_SECONDS } from '../lab.ts';
import type { CheckSpecT } from '../lab-schema.ts';
import type { AttemptResult, CheckContext } from './check-context.ts';
import { commandAttempt } from './command-check.ts';
import { httpAttempt } from './http-check.ts';
import { describeK8sCheck, k8sAttempt } from './k8s-check.ts';
import { sleep } from '../../util/sleep.ts';

export function describeCheck(check: CheckSpecT): string {
  if (check.name) return typeof check.name === 'string' ? check.name : check.name.en;
  switch (check.type) {
    case 'http': {
      const from = check.from && check.from !== 'terminal' ? ` from ${check.from.target ?? check.from.selector}` : '';
      const host = check.headers?.Host ?? check.headers?.host;
      return `${check.method ?? 'GET'} ${check.url}${host ? ` (Host: ${host})` : ''}${from}`;
    }
    case 'k8s':
      return describeK8sCheck(check);
    case 'command':
      return `\`${check.run.length > 80 ? `${check.run.slice(0, 80)}…` : check.run}\``;
  }
}

/** Whether the check passes only when its request or command fails (see CheckResult.expectsFailure). */
export function expectsFailure(check: CheckSpecT): boolean {
  if (check.type === 'http') return check.expect.status !== undefined && [check.expect.status].flat().every((s) => s >= 400);
  if (check.type === 'command') return check.expect.exitCode !== undefined && [check.expect.exitCode].flat().every((c) => c !== 0);
  return false;
}

function attempt(check: CheckSpecT, ctx: CheckContext, timeoutSeconds: number): Promise<AttemptResult> {
  switch (check.type) {
    case 'http':
      return httpAttempt(check, ctx, timeoutSeconds);
    case 'k8s':
      return k8sAttempt(check, ctx);
    case 'command':
      return commandAttempt(check, ctx, timeoutSeconds);
  }
}

export interface RunCheckOptions {
  /** Overrides the check's own timeout (e.g. one attempt only: 0). */
  timeoutSeconds?: number;
  /** Upper bound from the step's remaining time. */
  deadline?: number;
  /** One attempt, with the check's own request timeout (`verify --strict` before a step). */
  once?: boolean;
}

export function summarize(result: Omit<CheckResult, 'expected' | 'actual' | 'message'>): CheckResult {
  const failing = result.details.filter((d) => !d.ok);
  const shown = result.ok ? result.details : failing;
  const message = result.ok
    ? `passed: ${result.name}${result.trace ? `: ${result.trace.reason}` : ''}`
    : result.error && failing.length === 0
      ? `${result.name}: ${result.error}`
      : `${result.name}: ${failing.map(describeDetail).join('; ')}`;
  return {
    ...result,
    expected: shown.map((d) => `${d.what}: ${d.expected}`).join('\n'),
    actual: shown.map((d) => `${d.what}: ${d.actual}`).join('\n') || (result.error ?? ''),
    message,
  };
}

/** Runs a check with retries; never throws (a failure to run is a failed result with `error`). */
export async function runCheck(check: CheckSpecT, index: number, ctx: CheckContext, opts: RunCheckOptions = {}): Promise<CheckResult> {
  const timeoutSeconds = opts.timeoutSeconds ?? check.timeoutSeconds ?? DEFAULT_CHECK_TIMEOUT_SECONDS;
  const started = Date.now();
  let until = started + timeoutSeconds * 1000;
  if (opts.deadline !== undefined) until = Math.min(until, opts.deadline);
  let attempts = 0;
  let last: AttemptResult = { details: [] };
  let delay = 100;
  for (;;) {
    attempts++;
    // Settled before the attempt: a wrong answer is final (nothing is still on its way).
    const settled = ctx.settled ? await ctx.settled().catch(() => false) : false; // a cluster that cannot say counts as still settling: the check retries
    try {
      last = await attempt(check, ctx, Math.max(1, timeoutSeconds));
    } catch (err) {
      last = { details: [], error: (err as Error).message ?? String(err) };
    }
    const ok = !last.error && last.details.length > 0 && last.details.every((d) => d.ok);
    if (ok || settled || opts.once || ctx.signal?.aborted || Date.now() + delay >= until) {
      return summarize({
        index,
        type: check.type,
        name: describeCheck(check),
        ...(typeof check.name === 'object' ? { localizedName: check.name } : {}),
        ...(expectsFailure(check) ? { expectsFailure: true } : {}),
        ok,
        attempts,
        durationMs: Date.now() - started,
        details: last.details,
        error: ctx.signal?.aborted && !ok ? 'cancelled' : last.error,
        ...(!ok && last.lastSeen ? { lastSeen: last.lastSeen } : {}),
        ...(last.trace ? { trace: last.trace } : {}),
      });
    }
    await sleep(delay, ctx.signal);
    delay = Math.min(delay * 2, 1000);
  }
}
