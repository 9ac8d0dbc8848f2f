// The workshop store in SQLite, in the same database file as learner progress (meshlab.db).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Attendee, AuditEvent, CheckRecord, JoinResult, NewWorkshop, Workshop, WorkshopMessage, WorkshopStore } from './workshop-store.ts';

// Join codes avoid letters and digits people confuse when read off a projector (0/O, 1/I/L).
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function newJoinCode(length = 6): string {
  const bytes = randomBytes(length);
  let code = '';
  for (const b of bytes) code += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return code;
}

interface WorkshopRow {
  id: string;
  title: string;
  labs: string;
  seats: number;
  ends_at: string | null;
  join_code: string;
  code_revoked: number;
  ended_at: string | null;
  created_at: string;
}

interface AttendeeRow {
  id: string;
  workshop_id: string;
  learner_id: string;
  name: string;
  joined_at: string;
  last_active_at: string;
  hand_raised: number;
  reset_at: string | null;
}

function toWorkshop(r: WorkshopRow): Workshop {
  return {
    id: r.id,
    title: r.title,
    labs: JSON.parse(r.labs) as string[],
    seats: r.seats,
    endsAt: r.ends_at,
    joinCode: r.join_code,
    codeRevoked: r.code_revoked === 1,
    endedAt: r.ended_at,
    createdAt: r.created_at,
  };
}

function toAttendee(r: AttendeeRow): Attendee {
  return {
    id: r.id,
    workshopId: r.workshop_id,
    learnerId: r.learner_id,
    name: r.name,
    joinedAt: r.joined_at,
    lastActiveAt: r.last_active_at,
    handRaised: r.hand_raised === 1,
    resetAt: r.reset_at,
  };
}

export class SqliteWorkshopStore implements WorkshopStore {
  private readonly db: Database.Database;

  /** Opens (creating if needed) `<dataDir>/meshlab.db`; `':memory:'` as file for tests. */
  static open(dataDir: string, file = 'meshlab.db'): SqliteWorkshopStore {
    if (file === ':memory:') return new SqliteWorkshopStore(new Database(':memory:'));
    mkdirSync(dataDir, { recursive: true });
    return new SqliteWorkshopStore(new Database(join(dataDir, file)));
  }

  private constructor(db: Database.Database) {
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 2000');
    db.exec(`
      CREATE TABLE IF NOT EXISTS workshops (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, labs TEXT NOT NULL, seats INTEGER NOT NULL CHECK (seats > 0),
        ends_at TEXT, join_code TEXT NOT NULL UNIQUE, code_revoked INTEGER NOT NULL DEFAULT 0,
        ended_at TEXT, created_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS workshop_attendees (
        id TEXT PRIMARY KEY, workshop_id TEXT NOT NULL REFERENCES workshops(id), learner_id TEXT NOT NULL,
        name TEXT NOT NULL, joined_at TEXT NOT NULL, last_active_at TEXT NOT NULL,
        hand_raised INTEGER NOT NULL DEFAULT 0, reset_at TEXT, UNIQUE (workshop_id, learner_id));
      CREATE INDEX IF NOT EXISTS workshop_attendees_learner ON workshop_attendees (learner_id);
      CREATE TABLE IF NOT EXISTS workshop_checks (
        attendee_id TEXT NOT NULL REFERENCES workshop_attendees(id), lab TEXT NOT NULL, step TEXT NOT NULL,
        passed INTEGER NOT NULL, solved INTEGER NOT NULL, at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS workshop_checks_attendee ON workshop_checks (attendee_id);
      CREATE TABLE IF NOT EXISTS workshop_solves (
        attendee_id TEXT NOT NULL, lab TEXT NOT NULL, step TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (attendee_id, lab, step));
      CREATE TABLE IF NOT EXISTS workshop_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT, workshop_id TEXT NOT NULL, message TEXT NOT NULL, at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS workshop_audit (
        workshop_id TEXT NOT NULL, attendee_id TEXT, kind TEXT NOT NULL, detail TEXT NOT NULL, at TEXT NOT NULL);
    `);
  }

  create(input: NewWorkshop, at = new Date()): Workshop {
    const id = randomUUID();
    // A code collision is astronomically rare but the UNIQUE constraint would throw: draw again.
    for (let attempt = 0; ; attempt++) {
      try {
        this.db
          .prepare('INSERT INTO workshops (id, title, labs, seats, ends_at, join_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(id, input.title, JSON.stringify(input.labs), input.seats, input.endsAt, newJoinCode(), at.toISOString());
        return this.get(id)!;
      } catch (err) {
        if (attempt >= 5 || !String((err as Error).message).includes('UNIQUE')) throw err;
      }
    }
  }

  get(id: string): Workshop | undefined {
    const row = this.db.prepare('SELECT * FROM workshops WHERE id = ?').get(id) as WorkshopRow | undefined;
    return row && toWorkshop(row);
  }

  list(): Workshop[] {
    return (this.db.prepare('SELECT * FROM workshops ORDER BY created_at').all() as WorkshopRow[]).map(toWorkshop);
  }

  join(code: string, learnerId: string, name: string, at = new Date()): JoinResult {
    const row = this.db.prepare('SELECT * FROM workshops WHERE join_code = ?').get(code.toUpperCase()) as WorkshopRow | undefined;
    if (!row) return { ok: false, reason: 'unknown-code' };
    const workshop = toWorkshop(row);
    if (workshop.codeRevoked) return { ok: false, reason: 'revoked' };
    if (workshop.endedAt || (workshop.endsAt && Date.parse(workshop.endsAt) <= at.getTime())) return { ok: false, reason: 'ended' };
    const existing = this.db.prepare('SELECT * FROM workshop_attendees WHERE workshop_id = ? AND learner_id = ?').get(workshop.id, learnerId) as AttendeeRow | undefined;
    if (existing) return { ok: true, attendee: toAttendee(existing), rejoined: true };
    const id = randomUUID();
    const now = at.toISOString();
    // One statement: the seat count and the insert happen under the same write lock, so
    // concurrent joins (also from other processes on the same file) cannot overbook.
    const inserted = this.db
      .prepare(
        `INSERT INTO workshop_attendees (id, workshop_id, learner_id, name, joined_at, last_active_at)
         SELECT ?, ?, ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM workshop_attendees WHERE workshop_id = ?) < ?`,
      )
      .run(id, workshop.id, learnerId, name, now, now, workshop.id, workshop.seats);
    if (inserted.changes === 0) return { ok: false, reason: 'full' };
    return { ok: true, attendee: this.attendee(workshop.id, id)!, rejoined: false };
  }

  revokeCode(id: string): boolean {
    return this.db.prepare('UPDATE workshops SET code_revoked = 1 WHERE id = ?').run(id).changes > 0;
  }

  extend(id: string, endsAt: string | null): boolean {
    return this.db.prepare('UPDATE workshops SET ends_at = ? WHERE id = ? AND ended_at IS NULL').run(endsAt, id).changes > 0;
  }

  end(id: string, at = new Date()): boolean {
    return this.db.prepare('UPDATE workshops SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(at.toISOString(), id).changes > 0;
  }

  attendees(workshopId: string): Attendee[] {
    return (this.db.prepare('SELECT * FROM workshop_attendees WHERE workshop_id = ? ORDER BY joined_at, id').all(workshopId) as AttendeeRow[]).map(toAttendee);
  }

  attendee(workshopId: string, attendeeId: string): Attendee | undefined {
    const row = this.db.prepare('SELECT * FROM workshop_attendees WHERE workshop_id = ? AND id = ?').get(workshopId, attendeeId) as AttendeeRow | undefined;
    return row && toAttendee(row);
  }

  attendeeOfLearner(learnerId: string): Attendee | undefined {
    const row = this.db
      .prepare(
        `SELECT a.* FROM workshop_attendees a JOIN workshops w ON w.id = a.workshop_id
         WHERE a.learner_id = ? AND w.ended_at IS NULL ORDER BY a.joined_at DESC LIMIT 1`,
      )
      .get(learnerId) as AttendeeRow | undefined;
    return row && toAttendee(row);
  }

  touch(attendeeId: string, at = new Date()): void {
    this.db.prepare('UPDATE workshop_attendees SET last_active_at = ? WHERE id = ?').run(at.toISOString(), attendeeId);
  }

  setHand(attendeeId: string, raised: boolean): void {
    this.db.prepare('UPDATE workshop_attendees SET hand_raised = ? WHERE id = ?').run(raised ? 1 : 0, attendeeId);
  }

  markReset(attendeeId: string, at = new Date()): void {
    this.db.prepare('UPDATE workshop_attendees SET reset_at = ? WHERE id = ?').run(at.toISOString(), attendeeId);
    this.db.prepare('DELETE FROM workshop_solves WHERE attendee_id = ?').run(attendeeId);
  }

  recordCheck(record: CheckRecord): void {
    this.db
      .prepare('INSERT INTO workshop_checks (attendee_id, lab, step, passed, solved, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.attendeeId, record.lab, record.step, record.passed ? 1 : 0, record.solved ? 1 : 0, record.at);
  }

  recordSolve(attendeeId: string, lab: string, step: string, at = new Date()): void {
    this.db.prepare('INSERT OR IGNORE INTO workshop_solves (attendee_id, lab, step, at) VALUES (?, ?, ?, ?)').run(attendeeId, lab, step, at.toISOString());
  }

  solveUsed(attendeeId: string, lab: string, step: string): boolean {
    return this.db.prepare('SELECT 1 FROM workshop_solves WHERE attendee_id = ? AND lab = ? AND step = ?').get(attendeeId, lab, step) !== undefined;
  }

  checks(workshopId: string): CheckRecord[] {
    const rows = this.db
      .prepare(
        `SELECT c.attendee_id, c.lab, c.step, c.passed, c.solved, c.at FROM workshop_checks c
         JOIN workshop_attendees a ON a.id = c.attendee_id WHERE a.workshop_id = ? ORDER BY c.at, c.rowid`,
      )
      .all(workshopId) as { attendee_id: string; lab: string; step: string; passed: number; solved: number; at: string }[];
    return rows.map((r) => ({ attendeeId: r.attendee_id, lab: r.lab, step: r.step, passed: r.passed === 1, solved: r.solved === 1, at: r.at }));
  }

  broadcast(workshopId: string, message: string, at = new Date()): WorkshopMessage {
    const info = this.db.prepare('INSERT INTO workshop_messages (workshop_id, message, at) VALUES (?, ?, ?)').run(workshopId, message, at.toISOString());
    return { id: Number(info.lastInsertRowid), message, at: at.toISOString() };
  }

  messages(workshopId: string): WorkshopMessage[] {
    return this.db.prepare('SELECT id, message, at FROM workshop_messages WHERE workshop_id = ? ORDER BY id').all(workshopId) as WorkshopMessage[];
  }

  audit(workshopId: string, attendeeId: string | null, kind: string, detail: string, at = new Date()): void {
    this.db.prepare('INSERT INTO workshop_audit (workshop_id, attendee_id, kind, detail, at) VALUES (?, ?, ?, ?, ?)').run(workshopId, attendeeId, kind, detail, at.toISOString());
  }

  auditLog(workshopId: string): AuditEvent[] {
    const rows = this.db.prepare('SELECT attendee_id, kind, detail, at FROM workshop_audit WHERE workshop_id = ? ORDER BY rowid').all(workshopId) as { attendee_id: string | null; kind: string; detail: string; at: string }[];
    return rows.map((r) => ({ attendeeId: r.attendee_id, kind: r.kind, detail: r.detail, at: r.at }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
