// The lab runner: runs a lab's steps in order on a cluster (through the driver interface only),
// checks each step, streams typed events, and always runs cleanup. Also the Check button
// (checkStep), what Solve types (solutionFor) and Reset (resetLab).
import { statSync } from 'node:fs';
import type { ClusterHandle } from '../drivers/types.ts';
import type { CheckResult, FailureKind, LabReport, RunnerEvent, StepReport } from '../protocol/runner-events.ts';
import type { CheckContext } from './checks/check-context.ts';
import { kubeClients, type KubeClients } from './checks/kube-clients.ts';
import { runCheck } from './checks/run-check.ts';
import { compareOutput, normalizeOutput, VERIFY_DESCRIPTIONS } from './compare-output.ts';
import { findStep, type Lab, type LabCommand, type LabStep } from './lab.ts';
import { establishRequirements, type RequirementsResult } from './requirements.ts';
import { createWorkspace, runShell, type CommandResult, type Workspace } from './shell.ts';
import { sleep } from '../util/sleep.ts';
import { traceLookup } from './checks/request-trace.ts';
import { labSinceEnv, markLabStart } from './lab-since.ts';

export interface RunLabOptions {
  onEvent?: (event: RunnerEvent) => void;
  signal?: AbortSignal;
  /** Keep the working directory (for debugging a failed run). */
  keepWorkspace?: boolean;
  /**
   * Run each step's checks once before its commands too, and fail the step when one already
   * passes there (unless it says `expectedBefore: true`): such a check proves nothing.
   */
  strict?: boolean;
  /** Run only this step, after the steps before it (as setup); later steps are skipped. */
  onlyStep?: string;
  /** Do not run cleanup after a failure (`verify --keep` leaves the cluster as it failed). */
  skipCleanupOnFailure?: boolean;
}

function kubeFor(handle: ClusterHandle): () => KubeClients {
  let clients: KubeClients | undefined;
  return () => {
    if (!clients) {
      let mtime = 0;
      try {
        mtime = statSync(handle.kubeconfigPath).mtimeMs;
      } catch {
        /* a missing kubeconfig fails on first use, with client-node's message */
      }
      clients = kubeClients(handle.kubeconfigPath, mtime);
    }
    return clients;
  };
}

/** Why a finished command counts as failed, or undefined when it succeeded. */
export function commandFailure(cmd: LabCommand, exitCode: number | null, output: string, timedOut: boolean, timeoutMs: number): string | undefined {
  if (timedOut) return `did not finish within ${Math.round(timeoutMs / 1000)} s`;
  if (exitCode === null) return 'was stopped';
  if (!cmd.exitCode.includes(exitCode)) {
    const tail = normalizeOutput(output).split('\n').slice(-5).join('\n');
    return `exit code ${exitCode}, expected ${cmd.exitCode.join(' or ')}${tail ? `; last output:\n${tail}` : ''}`;
  }
  if (cmd.output !== undefined) {
    const mode = cmd.verify ?? 'same';
    if (!compareOutput(mode, output, cmd.output))
      return `expected ${VERIFY_DESCRIPTIONS[mode]}:\n${cmd.output}\ngot:\n${normalizeOutput(output)}`;
  }
  return undefined;
}

const MAX_REPORTED_OUTPUT = 16 * 1024;
/** How long a command whose output does not match yet is retried. */
const OUTPUT_RETRY_MS = 10_000;

export async function runLab(handle: ClusterHandle, lab: Lab, opts: RunLabOptions = {}): Promise<LabReport> {
  const emit = (e: RunnerEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      /* a listener's error must not stop the run */
    }
  };
  const started = Date.now();
  const labId = lab.id;
  emit({ type: 'lab-started', time: started, lab: labId, steps: lab.steps.map((s) => s.id) });
  const ws = createWorkspace(lab.dir, { ...handle.shellEnv(), ...labSinceEnv(handle) });
  const kube = kubeFor(handle);
  const report: LabReport = {
    lab: labId,
    title: lab.title,
    ok: false,
    durationMs: 0,
    deliberateWaitMs: 0,
    requirements: [],
    steps: [],
    cleanupErrors: [],
  };
  const ran: LabStep[] = [];
  const only = opts.onlyStep === undefined ? -1 : lab.steps.findIndex((s) => s.id === opts.onlyStep);
  if (opts.onlyStep !== undefined && only < 0) findStep(lab, opts.onlyStep); // throws, naming the steps there are
  try {
    let requirements: RequirementsResult;
    try {
      requirements = await establishRequirements(lab.requires, kube);
    } catch (err) {
      requirements = { ok: false, messages: [(err as Error).message] };
    }
    report.requirements = requirements.messages;
    emit({ type: 'requirements', time: Date.now(), lab: labId, ok: requirements.ok, messages: requirements.messages });

    let blocked: { kind: FailureKind; message: string } | undefined = requirements.ok
      ? undefined
      : { kind: 'requirement', message: `the cluster does not meet the lab's requirements: ${requirements.messages.join('; ')}` };
    for (const [i, step] of lab.steps.entries()) {
      if (only >= 0 && i > only) {
        report.steps.push({ id: step.id, title: step.title, status: 'skipped', durationMs: 0, commands: [], checks: [], failure: { kind: 'cancelled', message: `not run: --step ${opts.onlyStep} stops after that step` } });
        continue;
      }
      if (blocked || opts.signal?.aborted) {
        // Unmet requirements fail the first step (so reports count a failure), and skip the rest.
        const status = i === 0 && blocked?.kind === 'requirement' ? 'failed' : 'skipped';
        report.steps.push({ id: step.id, title: step.title, status, durationMs: 0, commands: [], checks: [], failure: blocked ?? { kind: 'cancelled', message: 'not run: cancelled' } });
        continue;
      }
      ran.push(step);
      const r = await runStep(step, ws, kube, labId, emit, opts.signal, Boolean(opts.strict));
      report.steps.push(r.report);
      report.deliberateWaitMs += r.deliberateWaitMs;
      // A vacuous check proves nothing, but the step did run: go on, so one run finds them all.
      if (r.report.status === 'failed' && r.report.failure?.kind !== 'vacuous') {
        blocked = { kind: 'error', message: `not run: step "${step.id}" failed` };
        if (r.report.failure?.kind === 'requirement' || r.report.failure?.kind === 'infrastructure') blocked = r.report.failure;
      }
    }
  } finally {
    const failed = report.steps.some((s) => s.status === 'failed');
    if (!(failed && opts.skipCleanupOnFailure)) report.cleanupErrors = await runCleanup(lab, ran, ws, labId, emit);
    if (!opts.keepWorkspace) ws.dispose();
  }
  report.ok = report.steps.every((s) => s.status === 'passed' || (only >= 0 && s.status === 'skipped' && s.failure?.kind === 'cancelled' && !opts.signal?.aborted));
  report.durationMs = Date.now() - started;
  emit({
    type: 'lab-finished',
    time: Date.now(),
    lab: labId,
    ok: report.ok,
    durationMs: report.durationMs,
    passed: report.steps.filter((s) => s.status === 'passed').length,
    failed: report.steps.filter((s) => s.status === 'failed').length,
    skipped: report.steps.filter((s) => s.status === 'skipped').length,
  });
  return report;
}

async function runStep(
  step: LabStep,
  ws: Workspace,
  kube: () => KubeClients,
  lab: string,
  emit: (e: RunnerEvent) => void,
  signal: AbortSignal | undefined,
  strict: boolean,
): Promise<{ report: StepReport; deliberateWaitMs: number }> {
  const started = Date.now();
  const deadline = started + step.timeoutSeconds * 1000;
  emit({ type: 'step-started', time: started, lab, step: step.id, mode: 'run' });
  const report: StepReport = { id: step.id, title: step.title, status: 'passed', durationMs: 0, commands: [], checks: [] };
  let deliberateWaitMs = 0;
  let failure: { kind: FailureKind; message: string } | undefined;
  // --strict: one attempt of each check before the commands. A check that passes here would pass
  // whether or not the learner did the step.
  const passedBefore = new Set<number>();
  if (strict)
    for (const [index, check] of step.checks.entries()) {
      if (step.checksExpectedBefore?.[index]) continue;
      const before = await runCheck(check, index, { ws, kube, signal }, { once: true });
      if (before.ok) passedBefore.add(index);
    }

  for (const [index, cmd] of step.solution.entries()) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      failure = { kind: 'timeout', message: `step "${step.id}" ran out of time (${step.timeoutSeconds} s) before command ${index + 1}` };
      break;
    }
    const timeoutMs = Math.min(remaining, (cmd.timeoutSeconds ?? step.timeoutSeconds) * 1000);
    emit({ type: 'command-started', time: Date.now(), lab, step: step.id, index, command: cmd.run });
    // A command with an expected output is retried until it matches, as istio.io's doc tests
    // do (_verify_*): configuration reaches the proxies eventually, not at once.
    const retryUntil = cmd.output !== undefined ? Math.min(deadline, Date.now() + OUTPUT_RETRY_MS) : 0;
    let delay = 200;
    let attempts = 0;
    let r: CommandResult;
    let why: string | undefined;
    for (;;) {
      attempts++;
      r = await runShell(ws, cmd.run, {
        timeoutMs: Math.min(timeoutMs, Math.max(1000, deadline - Date.now())),
        signal,
        persistExports: true,
        onOutput: (stream, data) => emit({ type: 'output', time: Date.now(), lab, step: step.id, index, stream, data }),
      });
      deliberateWaitMs += Math.min(r.durationMs, cmd.deliberateWaitSeconds * 1000);
      why = r.cancelled ? 'was cancelled' : commandFailure(cmd, r.exitCode, r.output, r.timedOut, timeoutMs);
      if (!why || r.cancelled || r.timedOut || Date.now() + delay >= retryUntil) break;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 1000);
    }
    if (why && attempts > 1) why = `${why}\n(after ${attempts} attempts)`;
    emit({ type: 'command-finished', time: Date.now(), lab, step: step.id, index, exitCode: r.exitCode, durationMs: r.durationMs, ok: !why, failure: why });
    const output = r.output.length > MAX_REPORTED_OUTPUT ? `…${r.output.slice(-MAX_REPORTED_OUTPUT)}` : r.output;
    report.commands.push({ command: cmd.run, exitCode: r.exitCode, ok: !why, durationMs: r.durationMs, failure: why, output });
    if (why) {
      const kind: FailureKind = r.cancelled ? 'cancelled' : r.timedOut ? 'timeout' : 'command';
      failure = { kind, message: `command ${index + 1} \`${firstLine(cmd.run)}\` ${why}` };
      if (kind === 'command' && /\bAlreadyExists\b|\(AlreadyExists\)|already exists/.test(r.output))
        failure = {
          kind: 'infrastructure',
          message: `${failure.message}\nThe cluster already holds what this step creates: verify needs a cluster where the lab has not run (it is not a fresh one, or another run or learner uses it). Use a fresh cluster (the embedded driver makes one per lab), or remove what an earlier run left (the lab's cleanup commands).`,
        };
      else if (kind === 'command' && !(await apiAnswers(kube)))
        failure = { kind: 'infrastructure', message: `${failure.message}\nThe cluster's API server does not answer: an infrastructure problem, not the lab's.` };
      break;
    }
  }

  if (!failure) {
    const ctx: CheckContext = { ws, kube, signal };
    for (const [index, check] of step.checks.entries()) {
      const result = await runCheck(check, index, ctx, { deadline: Math.max(deadline, Date.now() + 1000) });
      if (check.type === 'http' && check.expect.minLatencyMs) {
        // A check that asks for a slow answer waits on purpose: count the answer's measured latency.
        const measured = Number(/^(\d+) ms$/.exec(result.details.find((d) => d.what === 'latency')?.actual ?? '')?.[1] ?? 0);
        deliberateWaitMs += Math.min(result.durationMs, Math.max(measured, check.expect.minLatencyMs));
      }
      if (passedBefore.has(index)) result.passedBefore = true;
      report.checks.push(result);
      emit({ type: result.ok ? 'check-passed' : 'check-failed', time: Date.now(), lab, step: step.id, result });
      if (!result.ok && !failure) failure = { kind: signal?.aborted ? 'cancelled' : 'check', message: `check ${index + 1} failed: ${result.message}` };
    }
    if (failure?.kind === 'check' && !(await apiAnswers(kube)))
      failure = { kind: 'infrastructure', message: `the cluster's API server does not answer, so the checks could not run (an infrastructure problem, not the lab's): ${failure.message}` };
    if (!failure && passedBefore.size) {
      const list = [...passedBefore].map((i) => `check ${i + 1} (${report.checks[i]?.name ?? ''})`).join(', ');
      failure = {
        kind: 'vacuous',
        message: `${list} already passed before the step's commands ran, so ${passedBefore.size === 1 ? 'it proves' : 'they prove'} nothing about this step; check something the step changes, or mark the check \`expectedBefore: true\` if that is the point`,
      };
    }
  }
  report.failure = failure;
  report.status = failure ? 'failed' : 'passed';
  report.durationMs = Date.now() - started;
  emit({ type: 'step-finished', time: Date.now(), lab, step: step.id, mode: 'run', ok: !failure, durationMs: report.durationMs, failure });
  return { report, deliberateWaitMs };
}

/** Whether the cluster's API server answers at all (tells a broken cluster from a failing step). */
async function apiAnswers(kube: () => KubeClients): Promise<boolean> {
  try {
    await kube().core.listNamespace({ limit: 1 });
    return true;
  } catch (err) {
    // An HTTP error status is an answer; only a refused, reset or unreachable connection is not.
    const e = err as { code?: unknown; message?: string; cause?: { code?: unknown } };
    return !/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|socket hang up/.test(`${String(e.code)} ${String(e.cause?.code)} ${e.message ?? ''}`);
  }
}

function firstLine(s: string): string {
  const line = s.split('\n')[0]!;
  return s.includes('\n') ? `${line} …` : line;
}

const CLEANUP_TIMEOUT_MS = 60_000;

/** Each run step's cleanup in reverse order, then the lab's; errors are collected, never thrown. */
async function runCleanup(lab: Lab, ran: LabStep[], ws: Workspace, labId: string, emit: (e: RunnerEvent) => void): Promise<string[]> {
  const errors: string[] = [];
  const commands = [...ran.reverse().flatMap((s) => s.cleanup.map((c) => ({ step: s.id, c }))), ...lab.cleanup.map((c) => ({ step: 'lab', c }))];
  if (commands.length === 0) return errors;
  const started = Date.now();
  emit({ type: 'step-started', time: started, lab: labId, step: 'cleanup', mode: 'cleanup' });
  for (const [index, { step, c }] of commands.entries()) {
    emit({ type: 'command-started', time: Date.now(), lab: labId, step: 'cleanup', index, command: c });
    const r = await runShell(ws, c, {
      timeoutMs: CLEANUP_TIMEOUT_MS,
      onOutput: (stream, data) => emit({ type: 'output', time: Date.now(), lab: labId, step: 'cleanup', index, stream, data }),
    });
    const ok = r.exitCode === 0;
    if (!ok) errors.push(`cleanup of ${step}: \`${firstLine(c)}\` ${r.timedOut ? 'timed out' : `exited ${r.exitCode}`}: ${normalizeOutput(r.output).split('\n').slice(-3).join(' ')}`);
    emit({ type: 'command-finished', time: Date.now(), lab: labId, step: 'cleanup', index, exitCode: r.exitCode, durationMs: r.durationMs, ok });
  }
  emit({ type: 'step-finished', time: Date.now(), lab: labId, step: 'cleanup', mode: 'cleanup', ok: errors.length === 0, durationMs: Date.now() - started });
  return errors;
}

export interface CheckStepOptions {
  onEvent?: (event: RunnerEvent) => void;
  signal?: AbortSignal;
  /** How long each check keeps retrying (default: the check's own timeout, at most 5 s: a learner is waiting). */
  timeoutSeconds?: number;
}

/** The Check button: runs one step's checks against the learner's cluster. */
export async function checkStep(handle: ClusterHandle, lab: Lab, stepId: string, opts: CheckStepOptions = {}): Promise<StepReport> {
  const step = findStep(lab, stepId);
  const started = Date.now();
  opts.onEvent?.({ type: 'step-started', time: started, lab: lab.id, step: step.id, mode: 'check' });
  const ws = createWorkspace(lab.dir, { ...handle.shellEnv(), ...labSinceEnv(handle) });
  const recent = handle.recentRequests?.();
  const ctx: CheckContext = { ws, kube: kubeFor(handle), signal: opts.signal, settled: handle.settled?.bind(handle), traceOf: recent ? traceLookup(recent, opts.signal) : undefined };
  const checks: CheckResult[] = [];
  try {
    // Checks only read the cluster, each on its own: run together, a Check takes as long as its
    // slowest check instead of their sum (a learner is waiting). Reported in the lab's order.
    const results = await Promise.all(
      step.checks.map((check, index) => runCheck(check, index, ctx, { timeoutSeconds: opts.timeoutSeconds ?? Math.min(check.timeoutSeconds ?? 5, 5) })),
    );
    for (const result of results) {
      checks.push(result);
      opts.onEvent?.({ type: result.ok ? 'check-passed' : 'check-failed', time: Date.now(), lab: lab.id, step: step.id, result });
    }
  } finally {
    ws.dispose();
  }
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  const durationMs = Date.now() - started;
  const failed = checks.find((c) => !c.ok);
  const failure = ok
    ? undefined
    : { kind: 'check' as const, message: failed ? failed.message : `step "${step.id}" has no checks: nothing can be verified` };
  opts.onEvent?.({
    type: 'step-finished',
    time: Date.now(),
    lab: lab.id,
    step: step.id,
    mode: 'check',
    ok,
    durationMs,
    failure,
  });
  return { id: step.id, title: step.title, status: ok ? 'passed' : 'failed', durationMs, commands: [], checks, failure };
}

/** What Solve types into the learner's terminal, in order (each `run` may span lines). */
export function solutionFor(lab: Lab, stepId: string): readonly LabCommand[] {
  return findStep(lab, stepId).solution;
}

/**
 * Makes the cluster meet the lab's requirements without resetting anything (idempotent). The
 * site calls it when a learner opens a lab, so that e.g. REGISTRY_ONLY is in force before the
 * learner's first command.
 */
export async function prepareLab(handle: ClusterHandle, lab: Lab): Promise<RequirementsResult> {
  return establishRequirements(lab.requires, kubeFor(handle));
}

/** Returns the cluster to the lab's start: the driver's reset, then the lab's requirements. */
export async function resetLab(handle: ClusterHandle, lab: Lab): Promise<RequirementsResult> {
  await handle.reset();
  const result = await establishRequirements(lab.requires, kubeFor(handle));
  if (!result.ok) throw new Error(`the cluster was reset but the lab's requirements could not be established: ${result.messages.join('; ')}`);
  // What the learner did before the reset no longer counts, even where pods and logs survive it.
  await markLabStart(handle);
  return result;
}
