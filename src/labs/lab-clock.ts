// How long the learner has been at a lab: the clock starts at their first Run, Check or Solve in
// the lab and stops when every step has passed. Kept in the browser's localStorage per lab, so a
// reload keeps it; Reset and Clear progress start it again.

export interface LabClock {
  /** When the learner first ran, checked or solved something in the lab (ms since the epoch). */
  startedAt?: number;
  /** When every step had passed (ms since the epoch). */
  finishedAt?: number;
}

const KEY_PREFIX = 'meshlab.lab.';
/** Larger values are not a time a learner spent on a lab (a corrupt or hand-edited entry). */
const MAX_MS = 8_640_000_000_000_000;

export function clockKey(lab: string): string {
  return `${KEY_PREFIX}${lab}.clock`;
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_MS;

/** Parses a stored clock; anything malformed counts as "not started". */
export function parseClock(text: string | null): LabClock {
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null) return {};
  const { startedAt, finishedAt } = value as Record<string, unknown>;
  if (!isTime(startedAt)) return {};
  return isTime(finishedAt) && finishedAt >= startedAt ? { startedAt, finishedAt } : { startedAt };
}

export function readClock(lab: string): LabClock {
  try {
    return parseClock(window.localStorage.getItem(clockKey(lab)));
  } catch {
    return {}; // storage disabled: the clock lives as long as the page
  }
}

export function writeClock(lab: string, clock: LabClock): void {
  try {
    if (clock.startedAt === undefined) window.localStorage.removeItem(clockKey(lab));
    else window.localStorage.setItem(clockKey(lab), JSON.stringify(clock));
  } catch {
    // storage disabled or full: the clock still runs in this page
  }
}

/** Milliseconds on the clock at `now`: stopped at finishedAt, 0 before the start. */
export function elapsedMs(clock: LabClock, now: number): number {
  if (clock.startedAt === undefined) return 0;
  return Math.max(0, (clock.finishedAt ?? now) - clock.startedAt);
}

/** "0:07", "12:34", "1:02:03": minutes and seconds, hours when there are any. */
export function formatElapsed(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The same duration as an ISO 8601 duration, for <time dateTime>. */
export function isoDuration(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  return `PT${Math.floor(total / 3600)}H${Math.floor((total % 3600) / 60)}M${total % 60}S`;
}
