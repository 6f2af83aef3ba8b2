import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors';
import { migrations, type Migration } from './migrations';

export type Db = Database.Database;

export const DATABASE_FILE = 'caldiff.sqlite';

/** Opens (creating if needed) the one database file of a data directory, migrated to the current schema. */
export function openDatabase(dataDir: string, list: Migration[] = migrations): Db {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, DATABASE_FILE);
  let db: Db;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
  } catch (e) {
    throw new ApiError('unavailable', `cannot open the database ${file}: ${(e as Error).message}`);
  }
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL'); // WAL + NORMAL: a committed transaction survives a process kill
  db.pragma('busy_timeout = 5000');
  migrate(db, list, file);
  return db;
}

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

function migrate(db: Db, list: Migration[], file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const current = schemaVersion(db);
  const latest = list.reduce((m, x) => Math.max(m, x.version), 0);
  if (current > latest) {
    db.close();
    throw new ApiError('unavailable', `${file} has schema version ${current}, newer than this build understands (${latest}); update CalDiff Workstation`);
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
  }
}
