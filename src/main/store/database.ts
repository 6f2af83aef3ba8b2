import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors';
import { migrations, type Migration } from './migrations';

export type Db = Database.Database;

export const DATABASE_FILE = 'caldiff.sqlite';

/**
 * Runs `work` as one IMMEDIATE transaction (the write lock taken when it begins, see "Several processes on one
 * store"): for a caller that composes several store writes into one change, such as an import.
 */
export function writeTransaction<T>(db: Db, work: () => T): T {
  return db.transaction(work).immediate();
}

/** Opens (creating if needed) the one database file of a data directory, migrated to the current schema. */
export function openDatabase(dataDir: string, list: Migration[] = migrations): Db {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, DATABASE_FILE);
  let db: Db;
  try {
    db = new Database(file);
    // First, so that everything after it (switching to WAL too) waits for another process instead of failing.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
  } catch (e) {
    throw new ApiError('unavailable', `cannot open the database ${file}: ${(e as Error).message}`, undefined, isBusy(e));
  }
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL'); // WAL + NORMAL: a committed transaction survives a process kill
  try {
    migrate(db, list, file);
  } catch (e) {
    db.close();
    throw ApiError.from(e);
  }
  return db;
}

/**
 * How long a write waits for another process (a second window, a `caldiff` command) to finish its own. Every
 * write transaction is BEGIN IMMEDIATE, so it waits here instead of failing late with SQLITE_BUSY_SNAPSHOT; a store
 * still busy after this is a retryable 'unavailable' error (ApiError.from).
 */
export const BUSY_TIMEOUT_MS = 5000;

const isBusy = (e: unknown) => ApiError.from(e).retryable;

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Several processes may open one new data directory at once (two windows, the app and a `caldiff` command): the
 * version is read again inside the IMMEDIATE transaction, under the write lock, so only one of them migrates and
 * the others find the work done.
 */
function migrate(db: Db, list: Migration[], file: string): void {
  const latest = list.reduce((m, x) => Math.max(m, x.version), 0);
  const hasTable = () => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
  const check = (current: number) => {
    if (current > latest) throw new ApiError('unavailable', `${file} has schema version ${current}, newer than this build understands (${latest}); update CalDiff Workstation`);
  };
  if (hasTable() && schemaVersion(db) === latest) return; // the common case: nothing to do, no write lock needed
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const current = schemaVersion(db);
    check(current);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of [...list].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }
  }).immediate();
}
