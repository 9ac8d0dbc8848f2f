// Shapes of the lab HTTP API (server/api/lab-routes.ts) as the browser sees them. Types only:
// the site imports this file.

export type StepStatus = 'pending' | 'passed' | 'failed';

/** One check of a step, as the learner reads it: what was expected and what was found. */
export interface CheckResultView {
  name: string;
  passed: boolean;
  expected?: string;
  actual?: string;
  message?: string;
}

/** Answer of POST /api/labs/:lab/steps/:step/check (also kept as the step's last report). */
export interface StepCheckReport {
  lab: string;
  step: string;
  passed: boolean;
  checks: CheckResultView[];
  /** Hints of the step, shown when it failed ({ 'zh-Hans', en }). */
  hints: { 'zh-Hans': string; en: string }[];
  durationMs: number;
  at: string;
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

/** Answer of POST /api/labs/:lab/reset. */
export interface LabResetView {
  lab: string;
  reset: true;
  durationMs: number;
}

/** Every error of the lab API. */
export interface LabApiError {
  error: string;
}
