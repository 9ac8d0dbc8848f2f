// The sessions this server issued and when each was last active: what decides that a cookie is
// known, and which learners' clusters and homes are idle enough to reclaim. An interface, so
// several replicas can later share it (PostgreSQL); SQLite beside the progress database for one.
import type Database from 'better-sqlite3';
import { DATABASE_FILE, openDatabase } from './sqlite.ts';

export interface SessionRecord {
  id: string;
  createdAt: number;
  lastSeen: number;
}

export interface SessionStore {
  /** Records a session the server just issued. */
  create(id: string, now: number): void;
  /** Whether this server issued the session (and it was not forgotten since). */
  has(id: string): boolean;
  /** Marks activity; cheap enough to call on every request. */
  touch(id: string, now: number): void;
  /** Sessions last active before `before` (candidates for reclaiming their environments). */
  idleSince(before: number, limit: number): SessionRecord[];
  /** Forgets sessions never active since `before` (their progress, keyed by learner, stays). */
  forgetOlderThan(before: number): number;
  close(): void;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sessions_last_seen ON sessions (last_seen);`;

/** Activity is written at most this often per session (a busy terminal must not write every keystroke). */
const TOUCH_EVERY_MS = 30_000;

export class SqliteSessionStore implements SessionStore {
  private readonly lastWritten = new Map<string, number>();

  static open(dataDir: string, file = DATABASE_FILE): SqliteSessionStore {
    return new SqliteSessionStore(openDatabase(dataDir, file, SCHEMA));
  }

  private constructor(private readonly db: Database.Database) {}

  create(id: string, now: number): void {
    this.db.prepare('INSERT OR IGNORE INTO sessions (id, created_at, last_seen) VALUES (?, ?, ?)').run(id, now, now);
    this.lastWritten.set(id, now);
  }

  has(id: string): boolean {
    if (this.lastWritten.has(id)) return true;
    return this.db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(id) !== undefined;
  }

  touch(id: string, now: number): void {
    const last = this.lastWritten.get(id) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    this.db.prepare('UPDATE sessions SET last_seen = ? WHERE id = ?').run(now, id);
    this.lastWritten.set(id, now);
  }

  idleSince(before: number, limit: number): SessionRecord[] {
    const rows = this.db.prepare('SELECT id, created_at, last_seen FROM sessions WHERE last_seen < ? ORDER BY last_seen LIMIT ?').all(before, limit) as { id: string; created_at: number; last_seen: number }[];
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, lastSeen: r.last_seen }));
  }

  forgetOlderThan(before: number): number {
    for (const [id, at] of this.lastWritten) if (at < before) this.lastWritten.delete(id);
    return this.db.prepare('DELETE FROM sessions WHERE last_seen < ?').run(before).changes;
  }

  close(): void {
    this.db.close();
  }
}
