// What the instructor sees and exports, computed from the store's records: where each attendee
// is (the first step of the workshop's labs they have not passed since their last reset), and
// per attendee and step the first attempt, when it passed, how many attempts, and whether Solve was used.
import type { Attendee, CheckRecord, Workshop } from './workshop-store.ts';

export type StepState = 'pending' | 'failed' | 'passed';

export interface AttendeeRow {
  id: string;
  name: string;
  lab: string | null;
  step: string | null;
  stepsDone: number;
  failedChecks: number;
  handRaised: boolean;
  lastActiveAt: string;
  /** When the attendee arrived on the current step (joined, reset or passed the previous one). */
  currentStepSince: string;
  steps: { lab: string; step: string; state: StepState }[];
}

export interface ResultRow {
  attendeeId: string;
  attendee: string;
  lab: string;
  step: string;
  firstAttemptAt: string | null;
  passedAt: string | null;
  attempts: number;
  solvedWithSolve: boolean;
}

/** The steps of each lab of the workshop, in order. */
export type LabSteps = (lab: string) => readonly string[];

export function attendeeRows(workshop: Workshop, attendees: Attendee[], checks: CheckRecord[], stepsOf: LabSteps): AttendeeRow[] {
  const order = workshop.labs.flatMap((lab) => stepsOf(lab).map((step) => ({ lab, step })));
  return attendees.map((a) => {
    const mine = checks.filter((c) => c.attendeeId === a.id && (!a.resetAt || c.at >= a.resetAt));
    const state = new Map<string, StepState>();
    const passedAt = new Map<string, string>();
    for (const c of mine) {
      const key = `${c.lab}/${c.step}`;
      if (c.passed) {
        state.set(key, 'passed');
        if (!passedAt.has(key)) passedAt.set(key, c.at);
      } else if (state.get(key) !== 'passed') state.set(key, 'failed');
    }
    const steps = order.map((s) => ({ ...s, state: state.get(`${s.lab}/${s.step}`) ?? ('pending' as StepState) }));
    const current = steps.find((s) => s.state !== 'passed');
    const previous = current ? steps[steps.indexOf(current) - 1] : steps.at(-1);
    const since = (previous && passedAt.get(`${previous.lab}/${previous.step}`)) ?? a.resetAt ?? a.joinedAt;
    return {
      id: a.id,
      name: a.name,
      lab: current?.lab ?? null,
      step: current?.step ?? null,
      stepsDone: steps.filter((s) => s.state === 'passed').length,
      failedChecks: mine.filter((c) => !c.passed).length,
      handRaised: a.handRaised,
      lastActiveAt: a.lastActiveAt,
      currentStepSince: since,
      steps,
    };
  });
}

export function resultRows(workshop: Workshop, attendees: Attendee[], checks: CheckRecord[], stepsOf: LabSteps): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const a of attendees) {
    for (const lab of workshop.labs) {
      for (const step of stepsOf(lab)) {
        const mine = checks.filter((c) => c.attendeeId === a.id && c.lab === lab && c.step === step);
        const passed = mine.find((c) => c.passed);
        rows.push({
          attendeeId: a.id,
          attendee: a.name,
          lab,
          step,
          firstAttemptAt: mine[0]?.at ?? null,
          passedAt: passed?.at ?? null,
          attempts: mine.length,
          solvedWithSolve: passed?.solved ?? false,
        });
      }
    }
  }
  return rows;
}

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function toCsv(rows: ResultRow[]): string {
  const header = ['attendee_id', 'attendee', 'lab', 'step', 'first_attempt_at', 'passed_at', 'attempts', 'solved_with_solve'];
  const cell = (value: string | number | boolean | null): string => {
    let text = value === null ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = rows.map((r) => [r.attendeeId, r.attendee, r.lab, r.step, r.firstAttemptAt, r.passedAt, r.attempts, r.solvedWithSolve].map(cell).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
