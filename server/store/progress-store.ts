// Learner progress in SQLite (<dataDir>/meshlab.db): per learner and lab, each step's status and
// the report of its last Check. Survives reloads and restarts; the learner can clear it.
import type Database from 'better-sqlite3';
import { DATABASE_FILE, openDatabase } from './sqlite.ts';

export type StepStatus = 'pending' | 'passed' | 'failed';

export interface StepProgress {
  step: string;
  status: StepStatus;
  /** The last Check's report as the API returned it (JSON), if any. */
  report: unknown;
  updatedAt: string;
}

export interface LabProgress {
  lab: string;
  steps: StepProgress[];
}

/** Reports larger than this are stored without their details (a check's output can be large). */
export const MAX_REPORT_BYTES = 64 * 1024;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function assertId(kind: string, value: string): void {
  if (!ID.test(value)) throw new RangeError(`invalid ${kind}: ${JSON.stringify(value.slice(0, 40))}`);
}

function boundedReport(report: unknown): string | null {
  if (report === undefined || report === null) return null;
  const text = JSON.stringify(report);
  if (Buffer.byteLength(text) <= MAX_REPORT_BYTES) return text;
  return JSON.stringify({ truncated: true, message: 'the check report was too large to keep' });
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS step_progress (
  learner    TEXT NOT NULL,
  lab        TEXT NOT NULL,
  step       TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('pending', 'passed', 'failed')),
  report     TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (learner, lab, step)
) WITHOUT ROWID`;

export class ProgressStore {
  private readonly db: Database.Database;
  private readonly selectLab: Database.Statement<[string, string], { step: string; status: StepStatus; report: string | null; updated_at: string }>;
  private readonly upsert: Database.Statement<[string, string, string, StepStatus, string | null, string]>;
  private readonly deleteLab: Database.Statement<[string, string]>;

  /** Opens (creating if needed) `<dataDir>/meshlab.db`; `':memory:'` as file for tests. */
  static open(dataDir: string, file = DATABASE_FILE): ProgressStore {
    return new ProgressStore(openDatabase(dataDir, file, SCHEMA));
  }

  private constructor(db: Database.Database) {
    this.db = db;
    this.selectLab = db.prepare('SELECT step, status, report, updated_at FROM step_progress WHERE learner = ? AND lab = ? ORDER BY updated_at, step');
    this.upsert = db.prepare(`INSERT INTO step_progress (learner, lab, step, status, report, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (learner, lab, step) DO UPDATE SET status = excluded.status, report = excluded.report, updated_at = excluded.updated_at`);
    this.deleteLab = db.prepare('DELETE FROM step_progress WHERE learner = ? AND lab = ?');
  }

  get(learner: string, lab: string): LabProgress {
    assertId('learner', learner);
    assertId('lab', lab);
    const steps = this.selectLab.all(learner, lab).map((row) => ({
      step: row.step,
      status: row.status,
      report: row.report === null ? null : (JSON.parse(row.report) as unknown),
      updatedAt: row.updated_at,
    }));
    return { lab, steps };
  }

  record(learner: string, lab: string, step: string, status: StepStatus, report?: unknown, at = new Date()): void {
    assertId('learner', learner);
    assertId('lab', lab);
    assertId('step', step);
    if (status !== 'pending' && status !== 'passed' && status !== 'failed') throw new RangeError(`invalid status: ${String(status)}`);
    this.upsert.run(learner, lab, step, status, boundedReport(report), at.toISOString());
  }

  /** Forgets a learner's progress in one lab; returns how many steps were cleared. */
  clear(learner: string, lab: string): number {
    assertId('learner', learner);
    assertId('lab', lab);
    return this.deleteLab.run(learner, lab).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
