// The JSON report of `meshlab verify --json`: the lab reports plus a summary.
import type { LabReport } from '../../protocol/runner-events.ts';

export interface VerifyJson {
  ok: boolean;
  driver: string;
  durationMs: number;
  /** Wall time minus deliberate waits (`/delay/N`) of all labs. */
  durationWithoutWaitsMs: number;
  labs: LabReport[];
}

export function verifyJson(reports: LabReport[], driver: string, durationMs: number): VerifyJson {
  const waits = reports.reduce((n, r) => n + r.deliberateWaitMs, 0);
  return { ok: reports.every((r) => r.ok), driver, durationMs, durationWithoutWaitsMs: Math.max(0, durationMs - waits), labs: reports };
}
