// Shapes of the lab HTTP API (server/api/lab-routes.ts) as the browser sees them. Types only:
// the site imports this file.

import type { RequestTraceView } from './runner-events.ts';

export type StepStatus = 'pending' | 'passed' | 'failed';

/** One comparison of a check: what was expected and what was found. */
export interface CheckComparisonView {
  what: string;
  expected: string;
  actual: string;
  /** `actual` in Chinese, when the runner wrote it there (the site translates `actual` otherwise). */
  actualZh?: string;
  ok: boolean;
}

/** One check of a step, as the learner reads it. */
export interface CheckResultView {
  name: string;
  /** The name in both languages, when the lab gives it in both (else the site translates `name`). */
  names?: { 'zh-Hans': string; en: string };
  passed: boolean;
  /** The check passes when its request or command fails (a blocked request): "fails as expected". */
  expectsFailure?: boolean;
  /** A passed check that held before the step's commands too, by the lab's design (`expectedBefore`): it confirms, it proves nothing the learner did. */
  heldBefore?: boolean;
  /** The comparisons of the check's last attempt. */
  details: CheckComparisonView[];
  /** Why the check could not be carried out, if it could not. */
  message?: string;
  /** What the mesh did with an http check's request, when the cluster records requests (embedded). */
  request?: RequestTraceView;
}

/** Answer of POST /api/labs/:lab/steps/:step/check (also kept as the step's last report). */
export interface StepCheckReport {
  lab: string;
  step: string;
  passed: boolean;
  checks: CheckResultView[];
  /** Why the step failed as a whole (a command failed, a timeout), when it did. */
  failure?: string;
  /** Hints of the step, shown when it failed ({ 'zh-Hans', en }). */
  hints: { 'zh-Hans': string; en: string }[];
  durationMs: number;
  at: string;
  /**
   * The check failed after later steps of the lab had passed (ids, in lab order): they change or
   * remove what this step checks (a clean-up step deletes it), so the failure is not the
   * learner's. Such a report is not recorded: the step keeps its status and last report.
   */
  changedByLaterSteps?: string[];
}

export interface StepProgressView {
  step: string;
  status: StepStatus;
  report: StepCheckReport | null;
  updatedAt: string;
}

/** Answer of GET /api/labs/:lab/progress. */
export interface LabProgressView {
  lab: string;
  steps: StepProgressView[];
}

/** Answer of GET /api/labs/:lab/steps/:step/solution: commands to type, in order. */
export interface StepSolutionView {
  lab: string;
  step: string;
  commands: string[];
}

/** Answer of GET /api/labs/:lab/settled: whether the learner's cluster settled within a short wait. */
export interface LabSettledView {
  lab: string;
  settled: boolean;
}

/** Answer of POST /api/labs/:lab/steps/:step/undo: the steps undone, in the order they were. */
export interface StepUndoView {
  lab: string;
  step: string;
  undone: string[];
  durationMs: number;
}

/** Answer of POST /api/labs/:lab/reset. */
export interface LabResetView {
  lab: string;
  reset: true;
  durationMs: number;
}
