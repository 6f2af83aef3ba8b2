import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/paths';
import { ApiError, httpStatusOf } from '../../shared/errors';

describe('ApiError.from', () => {
  it('keeps the app own codes and their retryability across a JSON round trip', () => {
    const busy = new ApiError('unavailable', 'store busy', undefined, true);
    expect(ApiError.from(JSON.parse(JSON.stringify(busy.toJSON())))).toMatchObject({ code: 'unavailable', retryable: true });
    expect(ApiError.from({ code: 'conflict', message: 'stale' })).toMatchObject({ code: 'conflict', message: 'stale', retryable: false });
  });

  it('turns a foreign error code (a Node system error) into an internal error with a real HTTP status', () => {
    let thrown: unknown;
    try {
      readFileSync(path.join(tempDir(), 'missing'));
    } catch (e) {
      thrown = e;
    }
    expect((thrown as NodeJS.ErrnoException).code).toBe('ENOENT');
    const err = ApiError.from(thrown);
    expect(err).toMatchObject({ code: 'internal', message: expect.stringMatching(/ENOENT/) });
    expect(httpStatusOf[err.code]).toBe(500);
    expect(ApiError.from({ code: 'ELOOP', message: 'too many symbolic links' }).code).toBe('internal');
    expect(ApiError.from('plain string').code).toBe('internal');
  });

  it('turns every kind of SQLite busy into a retryable unavailable (503)', () => {
    const file = path.join(tempDir(), 'busy.sqlite');
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('CREATE TABLE t (x)');
    holder.exec('BEGIN IMMEDIATE');
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    let thrown: unknown;
    try {
      other.exec('BEGIN IMMEDIATE');
    } catch (e) {
      thrown = e;
    }
    holder.exec('COMMIT');
    other.close();
    holder.close();
    expect(thrown).toBeInstanceOf(Database.SqliteError);
    expect((thrown as { code: string }).code).toBe('SQLITE_BUSY');
    for (const raw of [thrown, new Database.SqliteError('database is locked', 'SQLITE_BUSY_SNAPSHOT'), { code: 'SQLITE_BUSY_RECOVERY', message: 'recovering' }]) {
      const err = ApiError.from(raw);
      expect(err).toMatchObject({ code: 'unavailable', retryable: true, message: expect.stringMatching(/store is busy.*try again/) });
      expect(httpStatusOf[err.code]).toBe(503);
    }
    expect(ApiError.from(new Database.SqliteError('file is not a database', 'SQLITE_NOTADB')).code).toBe('internal');
  });
});
