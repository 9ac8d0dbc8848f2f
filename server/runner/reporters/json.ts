// The JSON report of `meshlab verify --json`: the lab reports plus a summary.
import type { LabReport } from '../../protocol/runner-events.ts';

export interface VerifyJson {
  ok: boolean;
  driver: string;
  /** Wall time of the whole run. */
  durationMs: number;
  /**
   * Wall time without the labs' deliberate waits (`/delay/N`): labs that ran in parallel count
   * as their longest lab, labs that ran one after another as their sum.
   */
  durationWithoutWaitsMs: number;
  parallel: boolean;
  labs: LabReport[];
}

export function verifyJson(reports: LabReport[], driver: string, durationMs: number, parallel: boolean): VerifyJson {
  const net = reports.map((r) => Math.max(0, r.durationMs - r.deliberateWaitMs));
  const durationWithoutWaitsMs = parallel ? Math.max(0, ...net) : net.reduce((a, b) => a + b, 0);
  return { ok: reports.every((r) => r.ok), driver, durationMs, durationWithoutWaitsMs, parallel, labs: reports };
}
