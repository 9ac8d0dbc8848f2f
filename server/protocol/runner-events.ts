// Events the lab runner emits while it runs a lab, a step's solution or a step's checks.
// Shared by the server (runner, API, `meshlab verify`) and the browser (Check/Solve results):
// plain data only, no Node imports, so it can be sent as JSON lines or over a WebSocket.

/**
 * Where a failure came from, so a report can say exactly what went wrong. `vacuous`: a check
 * already passed before the step's commands (`meshlab verify --strict`); `infrastructure`: the
 * cluster itself failed (not the lab or the learner: no hints apply).
 */
export type FailureKind = 'command' | 'check' | 'timeout' | 'cancelled' | 'requirement' | 'error' | 'vacuous' | 'infrastructure';

/** One comparison a check made; `expected` and `actual` are short human-readable strings. */
export interface CheckDetail {
  /** What was compared, e.g. `status`, `header server`, `body`, `jsonPath $.spec.host`, `exit code`. */
  what: string;
  expected: string;
  actual: string;
  /** `actual` in Chinese, when the runner wrote it there (the mesh's reason for a failed status). */
  actualZh?: string;
  ok: boolean;
}

/** What the mesh did with an http check's request (clusters that record it: embedded): the answer and why. */
export interface RequestTraceView {
  status: number;
  /** Envoy's response flags ("-" when none). */
  flags: string;
  /** One sentence: "no route matched; VirtualService bookinfo/httpbin only routes /delay". */
  reason: string;
  /** The reason in each language of the site. */
  reasons: { 'zh-Hans': string; en: string };
  /** The whole explanation, as `meshlab explain` prints it. */
  explanation: { 'zh-Hans': string; en: string };
}

export interface CheckResult {
  /** Index of the check in the step's `checks` list. */
  index: number;
  type: 'http' | 'k8s' | 'command';
  /** The check's name, or a description made from its definition (`GET http://…/status/200`). */
  name: string;
  /** The check's name in both languages, when the lab gives it in both. */
  localizedName?: { 'zh-Hans': string; en: string };
  ok: boolean;
  /** How many times the check ran before it passed or gave up. */
  attempts: number;
  durationMs: number;
  /** The comparisons of the last attempt (the last actual values when it failed). */
  details: CheckDetail[];
  /** The failing comparisons (or all, when it passed) as one line each: what was expected ... */
  expected: string;
  /** ... and what was found, in the same order. */
  actual: string;
  /** One readable sentence: why it failed, or that it passed. */
  message: string;
  /** Set when the check could not be carried out (connection refused, bad JSON path, ...). */
  error?: string;
  /** What the last attempt saw: an HTTP response (status, headers, start of the body) or a command's output. */
  lastSeen?: string;
  /** `verify --strict`: the check already passed before the step's commands ran. */
  passedBefore?: boolean;
  /**
   * The check expects a refusal: an HTTP error status (a REGISTRY_ONLY 502, a 404 with no
   * route) or a non-zero exit code (curl's 35). Its pass reads "fails as expected", not as a
   * request that went through.
   */
  expectsFailure?: boolean;
  /** An http check's request as the mesh handled it, when the cluster records requests. */
  trace?: RequestTraceView;
}

interface EventBase {
  /** Milliseconds since the Unix epoch. */
  time: number;
  lab: string;
}

export interface LabStartedEvent extends EventBase {
  type: 'lab-started';
  steps: string[];
}

export interface RequirementsEvent extends EventBase {
  type: 'requirements';
  ok: boolean;
  /** What was established (`outboundTrafficPolicy=REGISTRY_ONLY`) or why it could not be. */
  messages: string[];
}

export interface StepStartedEvent extends EventBase {
  type: 'step-started';
  step: string;
  /** `run` executes commands then checks; `check` only checks; `cleanup` runs cleanup commands. */
  mode: 'run' | 'check' | 'cleanup';
}

export interface CommandStartedEvent extends EventBase {
  type: 'command-started';
  step: string;
  /** Index in the list of commands being run (the step's commands, solution or cleanup). */
  index: number;
  command: string;
}

export interface OutputEvent extends EventBase {
  type: 'output';
  step: string;
  index: number;
  stream: 'stdout' | 'stderr';
  /** A chunk of text (UTF-8 decoded); chunks of one stream arrive in order. */
  data: string;
}

export interface CommandFinishedEvent extends EventBase {
  type: 'command-finished';
  step: string;
  index: number;
  /** Exit code, or null when the command was killed (timeout, cancellation). */
  exitCode: number | null;
  durationMs: number;
  ok: boolean;
  /** Why a command that exited counts as failed (unexpected exit code, output mismatch). */
  failure?: string;
}

export interface CheckPassedEvent extends EventBase {
  type: 'check-passed';
  step: string;
  result: CheckResult;
}

export interface CheckFailedEvent extends EventBase {
  type: 'check-failed';
  step: string;
  result: CheckResult;
}

export interface StepFinishedEvent extends EventBase {
  type: 'step-finished';
  step: string;
  mode: 'run' | 'check' | 'cleanup';
  ok: boolean;
  durationMs: number;
  failure?: { kind: FailureKind; message: string };
}

export interface LabFinishedEvent extends EventBase {
  type: 'lab-finished';
  ok: boolean;
  durationMs: number;
  passed: number;
  failed: number;
  /** Steps not run because an earlier one failed or the run was cancelled. */
  skipped: number;
}

export type RunnerEvent =
  | LabStartedEvent
  | RequirementsEvent
  | StepStartedEvent
  | CommandStartedEvent
  | OutputEvent
  | CommandFinishedEvent
  | CheckPassedEvent
  | CheckFailedEvent
  | StepFinishedEvent
  | LabFinishedEvent;

export type RunnerEventType = RunnerEvent['type'];

/** The outcome of one step, as `meshlab verify`, the JSON report and the Check button give it. */
export interface StepReport {
  id: string;
  title: { 'zh-Hans': string; en: string };
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  commands: { command: string; exitCode: number | null; ok: boolean; durationMs: number; failure?: string; output: string }[];
  checks: CheckResult[];
  failure?: { kind: FailureKind; message: string };
}

export interface LabReport {
  lab: string;
  title: { 'zh-Hans': string; en: string };
  ok: boolean;
  durationMs: number;
  /** Time spent in commands the lab marks as deliberate waits (`/delay/N`), included in durationMs. */
  deliberateWaitMs: number;
  requirements: string[];
  steps: StepReport[];
  cleanupErrors: string[];
}

/** One line per failed check detail: `expected 200, got 404 (status)`. */
export function describeDetail(d: CheckDetail): string {
  return `${d.what}: expected ${d.expected}, got ${d.actual}`;
}
