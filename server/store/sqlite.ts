// How every store opens the server's SQLite file (<dataDir>/meshlab.db): created with its directory
// if needed, write-ahead logging so readers never wait for a writer, and a short busy wait for the
// moments two stores in one process write at once, then the store's own tables (idempotent SQL).
// `':memory:'` gives tests a private database.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const DATABASE_FILE = 'meshlab.db';

export function openDatabase(dataDir: string, file: string, schema: string): Database.Database {
  let db: Database.Database;
  if (file === ':memory:') db = new Database(':memory:');
  else {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(join(dataDir, file));
  }
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 2000');
  db.exec(schema);
  return db;
}
