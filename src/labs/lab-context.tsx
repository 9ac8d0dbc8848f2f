// Per-page lab state: each step's status and last report, loaded from and saved by the server,
// plus the actions the step buttons call. <LabPage> provides it; <LabStep> uses it.
import useIsBrowser from '@docusaurus/useIsBrowser';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { StepCheckReport, StepStatus } from '@site/server/protocol/lab-api.ts';
import type { LabView } from '@site/plugins/labs/lab-view.ts';
import { labApi } from './lab-api.ts';
import { typeIntoTerminal } from './terminal-bridge.ts';
import { runCommand } from '@site/src/theme/Terminal/bus.ts';
import { commandStatusText } from '@site/src/theme/Terminal/command-status.ts';
import { readClock, writeClock, type LabClock } from './lab-clock.ts';

export interface StepState {
  status: StepStatus;
  report: StepCheckReport | null;
  /** An operation on this step is in flight. */
  busy?: 'check' | 'solve' | 'redo';
  /** Why the last operation could not run (network, server), not a failed check. */
  error?: string;
}

export interface LabState {
  lab: LabView;
  loaded: boolean;
  steps: Record<string, StepState>;
  resetting: boolean;
  pageError?: string;
  /** When the learner started and (once every step passed) finished the lab. */
  clock: LabClock;
  /** Every step has passed. */
  finished: boolean;
  /** Starts the clock if it is not running (the learner's first Run, Check or Solve). */
  markStarted(): void;
  check(step: string): Promise<void>;
  solve(step: string): Promise<void>;
  reset(): Promise<void>;
  /** Undoes the step (and the later steps done) on the cluster; they become steps to do again. */
  redo(step: string): Promise<boolean>;
  clear(): Promise<void>;
  run(command: string): void;
}

const LabContext = createContext<LabState | null>(null);

export function useLabState(): LabState {
  const state = useContext(LabContext);
  if (!state) throw new Error('<LabStep> must be placed inside <LabPage lab="...">');
  return state;
}

/** The context if any: lets <LabStep> render read-only outside a lab page. */
export function useOptionalLabState(): LabState | null {
  return useContext(LabContext);
}

const pending = (): StepState => ({ status: 'pending', report: null });

export function LabProvider({ lab, children }: { lab: LabView; children: ReactNode }) {
  const [steps, setSteps] = useState<Record<string, StepState>>({});
  const [loaded, setLoaded] = useState(false);
  const [resetting, setResetting] = useState(false);
  const [pageError, setPageError] = useState<string>();
  const [clock, setClock] = useState<LabClock>({});
  useEffect(() => setClock(readClock(lab.id)), [lab.id]);
  const updateClock = useCallback(
    (next: LabClock) => {
      writeClock(lab.id, next);
      setClock(next);
    },
    [lab.id],
  );
  const markStarted = useCallback(() => {
    setClock((current) => {
      if (current.startedAt !== undefined) return current;
      const next = { startedAt: Date.now() };
      writeClock(lab.id, next);
      return next;
    });
  }, [lab.id]);

  const patch = useCallback((step: string, update: Partial<StepState>) => {
    setSteps((prev) => ({ ...prev, [step]: { ...(prev[step] ?? pending()), ...update } }));
  }, []);

  // Not while the page hydrates: a tab set may still switch to the learner's chosen API, whose
  // lab is then the one to prepare (Tabs sync their stored choice right after hydration).
  const isBrowser = useIsBrowser();
  useEffect(() => {
    if (!isBrowser) return;
    let cancelled = false;
    // Give the learner's cluster what this lab requires (e.g. REGISTRY_ONLY) as the page opens.
    labApi.prepare(lab.id).catch((err: Error) => {
      if (!cancelled) setPageError(err.message);
    });
    labApi.progress(lab.id).then(
      (progress) => {
        if (cancelled) return;
        const next: Record<string, StepState> = {};
        for (const s of progress.steps) next[s.step] = { status: s.status, report: s.report };
        setSteps(next);
        setLoaded(true);
      },
      (err: Error) => {
        if (cancelled) return;
        setPageError(err.message);
        setLoaded(true);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [lab.id, isBrowser]);

  // The clock stops the moment every step has passed (from this page or an earlier visit).
  const finished = loaded && lab.steps.length > 0 && lab.steps.every((s) => steps[s.id]?.status === 'passed');
  useEffect(() => {
    if (finished && clock.startedAt !== undefined && clock.finishedAt === undefined) updateClock({ ...clock, finishedAt: Date.now() });
  }, [finished, clock, updateClock]);

  const check = useCallback(
    async (step: string) => {
      markStarted();
      // The old report goes at once: a stale "passed" must not stand beside a new attempt.
      patch(step, { busy: 'check', error: undefined, report: null });
      try {
        const report = await labApi.check(lab.id, step);
        // A failure that later steps caused leaves the step's status as it was (the server kept it too).
        if (report.changedByLaterSteps?.length) patch(step, { report, busy: undefined });
        else patch(step, { status: report.passed ? 'passed' : 'failed', report, busy: undefined });
      } catch (err) {
        patch(step, { busy: undefined, error: (err as Error).message });
      }
    },
    [lab.id, patch, markStarted],
  );

  const solve = useCallback(
    async (step: string) => {
      markStarted();
      patch(step, { busy: 'solve', error: undefined, report: null });
      try {
        const { commands } = await labApi.solution(lab.id, step);
        // One command at a time, as a learner would type them, each once the one before has
        // ended and the cluster has acted on it: the output is then what the page says.
        for (const [i, c] of commands.entries()) {
          if (i > 0) await labApi.settled(lab.id).catch(() => undefined);
          const outcome = await runCommand(c);
          if (outcome.kind !== 'finished') {
            patch(step, { busy: undefined, error: commandStatusText({ outcome }) });
            return;
          }
        }
        patch(step, { busy: undefined });
      } catch (err) {
        patch(step, { busy: undefined, error: (err as Error).message });
      }
    },
    [lab.id, patch, markStarted],
  );

  const redo = useCallback(
    async (step: string) => {
      patch(step, { busy: 'redo', error: undefined });
      try {
        const { undone } = await labApi.undo(lab.id, step);
        setSteps((prev) => ({ ...prev, ...Object.fromEntries(undone.map((id) => [id, pending()])) }));
        return true;
      } catch (err) {
        patch(step, { busy: undefined, error: (err as Error).message });
        return false;
      }
    },
    [lab.id, patch],
  );

  const reset = useCallback(async () => {
    setResetting(true);
    setPageError(undefined);
    try {
      await labApi.reset(lab.id);
      setSteps({});
      updateClock({});
    } catch (err) {
      setPageError((err as Error).message);
    } finally {
      setResetting(false);
    }
  }, [lab.id, updateClock]);

  const clear = useCallback(async () => {
    setPageError(undefined);
    try {
      await labApi.clear(lab.id);
      setSteps({});
      updateClock({});
    } catch (err) {
      setPageError((err as Error).message);
    }
  }, [lab.id, updateClock]);

  const value = useMemo<LabState>(
    () => ({ lab, loaded, steps, resetting, pageError, clock, finished, markStarted, check, solve, redo, reset, clear, run: typeIntoTerminal }),
    [lab, loaded, steps, resetting, pageError, clock, finished, markStarted, check, solve, redo, reset, clear],
  );
  return <LabContext.Provider value={value}>{children}</LabContext.Provider>;
}
