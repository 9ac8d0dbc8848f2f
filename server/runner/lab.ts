// A loaded lab: plain, serialisable data (the site renders it; the runner runs it).
import type { CheckSpecT, LabRequirements, LocalizedText, VerifyModeT } from './lab-schema.ts';

export interface LabCommand {
  /** Exactly what is typed (may span lines: heredocs). */
  run: string;
  /** Exit codes that count as success. */
  exitCode: number[];
  output?: string;
  verify?: VerifyModeT;
  deliberateWaitSeconds: number;
  timeoutSeconds?: number;
  /** Line and column in lab.yaml (for reports and the content lint). */
  line?: number;
  column?: number;
}

export interface LabFile {
  /** Relative to the lab directory, as written in lab.yaml. */
  path: string;
  content: string;
}

export interface LabStep {
  id: string;
  title: LocalizedText;
  text?: LocalizedText;
  commands: LabCommand[];
  files: LabFile[];
  alternatives: { title: LocalizedText; text?: LocalizedText; files: LabFile[] }[];
  checks: CheckSpecT[];
  /** What Solve types; the step's commands unless lab.yaml gives a solution. */
  solution: LabCommand[];
  hints: LocalizedText[];
  cleanup: string[];
  /** What returns the cluster to before the step ("Redo this step"); undefined: it cannot be undone. */
  undo?: string[];
  timeoutSeconds: number;
  /** Line of the step in lab.yaml, and of each of its checks (for reports: JUnit, annotations). */
  line?: number;
  column?: number;
  checkLines?: number[];
  /** Checks that pass before the step's commands on purpose (`expectedBefore: true`): --strict allows them. */
  checksExpectedBefore?: boolean[];
}

export interface Lab {
  id: string;
  /** Absolute path of the lab directory. */
  dir: string;
  /** Absolute path of lab.yaml. */
  file: string;
  title: LocalizedText;
  summary: LocalizedText;
  estimatedMinutes: number;
  prerequisites: LocalizedText[];
  requires: LabRequirements;
  steps: LabStep[];
  cleanup: string[];
}

export const DEFAULT_STEP_TIMEOUT_SECONDS = 120;
export const DEFAULT_CHECK_TIMEOUT_SECONDS = 10;

export function findStep(lab: Lab, stepId: string): LabStep {
  const step = lab.steps.find((s) => s.id === stepId);
  if (!step) throw new Error(`lab "${lab.id}" has no step "${stepId}"; its steps are: ${lab.steps.map((s) => s.id).join(', ')}`);
  return step;
}
