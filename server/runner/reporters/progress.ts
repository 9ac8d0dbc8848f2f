// Live progress of `meshlab verify`: a listr2 task list (one task per lab, its title following
// the current step) in a terminal, or one plain line per event in CI and pipes.
import { Listr } from 'listr2';
import type { LabReport } from '../../protocol/runner-events.ts';
import type { Lab } from '../lab.ts';
import type { VerifyProgress } from '../verify.ts';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line per step start/finish and per failed check; `write` receives whole lines. */
export function plainProgress(write: (line: string) => void): VerifyProgress {
  return {
    labStarted: (lab) => write(`[${lab.id}] started (${lab.steps.length} steps)`),
    event: (lab, e) => {
      const p = `[${lab.id}]`;
      switch (e.type) {
        case 'requirements':
          if (!e.ok || e.messages.length) write(`${p} requirements ${e.ok ? 'ok' : 'FAILED'}: ${e.messages.join('; ')}`);
          break;
        case 'step-started':
          if (e.mode !== 'cleanup') write(`${p} ${e.step}: running`);
          break;
        case 'command-finished':
          if (!e.ok && e.step !== 'cleanup') write(`${p} ${e.step}: command ${e.index + 1} failed: ${e.failure ?? `exit code ${e.exitCode}`}`);
          break;
        case 'check-failed':
          write(`${p} ${e.step}: check ${e.result.index + 1} failed: ${e.result.message}`);
          break;
        case 'step-finished':
          if (e.mode === 'cleanup') write(`${p} cleanup ${e.ok ? 'done' : 'had problems'} (${secs(e.durationMs)})`);
          else write(`${p} ${e.step}: ${e.ok ? 'passed' : 'FAILED'} (${secs(e.durationMs)})`);
          break;
        default:
          break;
      }
    },
    labFinished: (lab, r) => write(`[${lab.id}] ${r.ok ? 'PASSED' : 'FAILED'} in ${secs(r.durationMs)}`),
  };
}

/** A listr2 task list; `done()` resolves once the list has rendered its final state. */
export function taskListProgress(labs: Lab[]): VerifyProgress & { done(): Promise<void> } {
  // Listr starts its tasks asynchronously: remember the latest title and the result per lab and
  // apply them whenever the task is there.
  interface State {
    title?: string;
    report?: LabReport;
    apply?: () => void;
  }
  const states = new Map<string, State>(labs.map((l) => [l.id, {}]));
  const list = new Listr(
    labs.map((lab) => ({
      title: `${lab.id}: waiting for a cluster`,
      task: (_ctx: unknown, task: { title: string }) =>
        new Promise<void>((resolve, reject) => {
          const state = states.get(lab.id)!;
          state.apply = () => {
            if (state.title) task.title = state.title;
            const r = state.report;
            if (!r) return;
            const failed = r.steps.find((s) => s.status === 'failed');
            task.title = `${lab.id}: ${r.ok ? `${r.steps.length} steps passed` : `failed at ${failed?.id ?? '?'}`} (${secs(r.durationMs)})`;
            if (r.ok) resolve();
            else reject(new Error(failed?.failure?.message.split('\n')[0] ?? 'failed'));
          };
          state.apply();
        }),
    })),
    { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } },
  );
  const running = list.run().catch(() => undefined); // listr2's own rendering failures; every lab's result is reported by the runner
  const update = (id: string, change: Partial<State>) => {
    const state = states.get(id);
    if (!state) return;
    Object.assign(state, change);
    state.apply?.();
  };
  const stepOf = new Map<string, number>();
  return {
    labStarted: (lab) => update(lab.id, { title: `${lab.id}: starting a cluster` }),
    event: (lab, e) => {
      if (e.type !== 'step-started') return;
      if (e.mode === 'cleanup') return update(lab.id, { title: `${lab.id}: cleaning up` });
      const n = (stepOf.get(lab.id) ?? 0) + 1;
      stepOf.set(lab.id, n);
      update(lab.id, { title: `${lab.id}: step ${n}/${lab.steps.length} ${e.step}` });
    },
    labFinished: (lab, r) => update(lab.id, { report: r }),
    done: async () => {
      await running;
    },
  };
}
