// `meshlab verify` without the command line: every lab (or the named ones) on a fresh cluster
// each, solving every step with its own commands and checking it. Progress goes to a sink (a
// listr2 task list in a terminal, plain lines otherwise); the result is the labs' reports.
import type { ClusterDriver, ClusterHandle } from '../drivers/types.ts';
import type { LabReport, RunnerEvent } from '../protocol/runner-events.ts';
import type { Lab } from './lab.ts';
import { runLab } from './runner.ts';

export interface VerifyProgress {
  labStarted(lab: Lab): void;
  event(lab: Lab, event: RunnerEvent): void;
  labFinished(lab: Lab, report: LabReport): void;
}

export interface VerifyOptions {
  labs: Lab[];
  driver: ClusterDriver;
  bail?: boolean;
  /** At most this many labs at once when the driver allows parallel clusters (default 2). */
  concurrency?: number;
  progress?: VerifyProgress;
  signal?: AbortSignal;
  /** Also run each step's checks before its commands; a check that passes there fails the lab. */
  strict?: boolean;
  /** Run only this step of the (one) lab, after the steps before it as setup. */
  step?: string;
  /** Leave a failed lab's cluster up, as it failed (no cleanup); the caller destroys it. */
  keep?: boolean;
}

export interface VerifyResult {
  ok: boolean;
  reports: LabReport[];
  durationMs: number;
  /** With `keep`: the clusters of failed labs, still up. */
  kept: { lab: Lab; handle: ClusterHandle }[];
}

function notRunReport(lab: Lab, message: string, kind: 'error' | 'cancelled' | 'infrastructure'): LabReport {
  return {
    lab: lab.id,
    title: lab.title,
    ok: false,
    durationMs: 0,
    deliberateWaitMs: 0,
    requirements: [],
    steps: lab.steps.map((s, i) => ({
      id: s.id,
      title: s.title,
      status: i === 0 && kind !== 'cancelled' ? 'failed' : 'skipped',
      durationMs: 0,
      commands: [],
      checks: [],
      failure: { kind, message },
    })),
    cleanupErrors: [],
  };
}

export async function verifyLabs(opts: VerifyOptions): Promise<VerifyResult> {
  const started = Date.now();
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const reports = new Array<LabReport>(opts.labs.length);
  const kept: VerifyResult['kept'] = [];
  const limit = opts.driver.parallel ? Math.max(1, opts.concurrency ?? 2) : 1;
  let next = 0;

  const runOne = async (lab: Lab): Promise<LabReport> => {
    if (stop.signal.aborted) return notRunReport(lab, opts.bail ? 'not run: --bail after an earlier failure' : 'not run: cancelled', 'cancelled');
    opts.progress?.labStarted(lab);
    let handle: ClusterHandle | undefined;
    let report: LabReport;
    try {
      handle = await opts.driver.create({ name: `verify-${lab.id}`, signal: stop.signal });
      report = await runLab(handle, lab, {
        signal: stop.signal,
        onEvent: (e) => opts.progress?.event(lab, e),
        strict: opts.strict,
        onlyStep: opts.step,
        skipCleanupOnFailure: opts.keep,
      });
    } catch (err) {
      report = handle
        ? notRunReport(lab, (err as Error).message, 'error')
        : notRunReport(lab, `could not get a cluster from the ${opts.driver.name} driver (an infrastructure problem, not the lab's): ${(err as Error).message}`, 'infrastructure');
    }
    if (handle && opts.keep && !report.ok && !stop.signal.aborted) kept.push({ lab, handle });
    else await handle?.destroy().catch(() => undefined); // the lab's report is final; a cluster that fails to go away is the driver's to log
    opts.progress?.labFinished(lab, report);
    if (!report.ok && opts.bail) stop.abort();
    return report;
  };

  const worker = async () => {
    while (next < opts.labs.length) {
      const i = next++;
      reports[i] = await runOne(opts.labs[i]!);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, opts.labs.length) }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  return { ok: reports.every((r) => r.ok), reports, durationMs: Date.now() - started, kept };
}

/** Picks labs by id, in the order given; unknown ids are an error naming the labs there are. */
export function selectLabs(all: Lab[], ids: string[]): Lab[] {
  if (ids.length === 0) return all;
  const byId = new Map(all.map((l) => [l.id, l]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length) throw new Error(`no lab named ${unknown.map((u) => `"${u}"`).join(', ')}; the labs are: ${all.map((l) => l.id).join(', ') || '(none)'}`);
  return [...new Set(ids)].map((id) => byId.get(id)!);
}
