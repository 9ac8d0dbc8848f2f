// The time left of a workshop as the banner shows it: hours and minutes, rounded down, never
// negative; null when the workshop has no end time.
export function timeLeft(endsAt: string | null, now: number): string | null {
  if (!endsAt) return null;
  const ms = Date.parse(endsAt) - now;
  if (Number.isNaN(ms)) return null;
  if (ms <= 0) return '0:00';
  const minutes = Math.floor(ms / 60_000);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}
