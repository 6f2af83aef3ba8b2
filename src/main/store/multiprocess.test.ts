/**
 * Several processes on one data directory, as two windows or the app plus a `caldiff` command make it: the real
 * command, real servers and one real SQLite file.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packMask } from '../../shared/masks';
import { encodeWire, WIRE_CONTENT_TYPE } from '../../shared/wire';
import { caldiff, CALDIFF } from '../testing/cli';
import { REPO_ROOT, tempDir } from '../testing/paths';
import { holdWriteLock, releaseWriteLock, request, serve } from '../testing/serve';
import { DATABASE_FILE } from './database';
import { migrations } from './migrations';

const DEMO_CASE = path.join(REPO_ROOT, 'demo', 'lidc', 'LIDC-IDRI-0161');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the real `caldiff`; `opened(file)` tells whether it has that file open now (Linux /proc). */
function run(args: string[]): { done: Promise<Result>; opened(file: string): boolean } {
  const child = spawn(process.execPath, [CALDIFF, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Result>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  const opened = (file: string) => {
    try {
      return readdirSync(`/proc/${child.pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${child.pid}/fd/${fd}`) === file;
        } catch {
          return false;
        }
      });
    } catch {
      return child.exitCode !== null; // gone already: it cannot be waited for
    }
  };
  return { done, opened };
}

/** Polls a condition another process will make true (no fixed delay). */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('several processes on one store', () => {
  it('six processes started at once on an empty data directory all succeed and migrate it exactly once', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, DATABASE_FILE);
    // Line all six up behind one lock on an empty store, so that they really meet in the migration: each has read
    // "version 0" before the first of them may migrate.
    const holder = await holdWriteLock(dataDir, 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const children = Array.from({ length: 6 }, () => run(['studies', '--json', '--data-dir', dataDir]));
    await waitUntil(() => children.every((c) => c.opened(file)));
    await releaseWriteLock(holder);
    const results = await Promise.all(children.map((c) => c.done));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    for (const r of results) expect(JSON.parse(r.stdout)).toEqual([]);
    const db = new Database(file, { readonly: true });
    const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(applied.map((r) => r.version)).toEqual(migrations.map((m) => m.version).sort((a, b) => a - b));
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'studies'").get()).toEqual({ n: 1 });
    db.close();
  });

  it('a caldiff import into a store another process is writing waits, then fails with one clear retryable line, changing nothing', async () => {
    const dataDir = tempDir();
    expect(caldiff(['studies', '--data-dir', dataDir]).status).toBe(0); // create and migrate the store
    const holder = await holdWriteLock(dataDir);
    const r = await run(['import', DEMO_CASE, '--data-dir', dataDir]).done;
    await releaseWriteLock(holder);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^caldiff: the store is busy: another CalDiff window or caldiff command is writing to it; try again \(SQLITE_BUSY\)\n$/);
    const again = caldiff(['import', DEMO_CASE, '--data-dir', dataDir, '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).studies).toHaveLength(1);
  });

  it('two servers on one store both save every stroke sent to them at once (no SQLITE_BUSY_SNAPSHOT)', async () => {
    const dataDir = tempDir();
    const imported = caldiff(['import', DEMO_CASE, '--data-dir', dataDir, '--json']);
    const study = (JSON.parse(imported.stdout) as { studies: { id: number; dims: number[] }[] }).studies[0];
    const servers = await Promise.all([serve(['--no-demo'], {}, dataDir), serve(['--no-demo'], {}, dataDir)]);
    try {
      const post = (port: number, token: string, route: string, body: Uint8Array | string) =>
        request(port, {
          method: 'POST',
          path: `/api${route}`,
          headers: { authorization: `Bearer ${token}`, host: `127.0.0.1:${port}`, 'content-type': typeof body === 'string' ? 'application/json' : WIRE_CONTENT_TYPE },
          body: typeof body === 'string' ? body : Buffer.from(body),
        });
      const raters = await Promise.all(servers.map((s, i) => post(s.port, s.token, '/raters/create', JSON.stringify({ name: `Dr. Window ${i}` }))));
      const raterIds = raters.map((r) => (JSON.parse(r.body) as { id: number }).id);
      const n = study.dims[0] * study.dims[1];
      const strokes = 40;
      const saves = await Promise.all(
        Array.from({ length: strokes }, (_, k) =>
          servers.map((s, i) => {
            const mask = new Uint8Array(n);
            mask.fill(1, 0, k + 1); // every stroke differs from the one before, so each is a new revision
            const body = encodeWire({ studyId: study.id, sliceIndex: 0, raterId: raterIds[i], mask: packMask(mask), source: 'manual', baseRevision: null });
            return post(s.port, s.token, '/annotations/save', body);
          }),
        ).flat(),
      );
      for (const a of saves) expect(a.status, a.body).toBe(200);
      const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
      for (const raterId of raterIds)
        expect(db.prepare('SELECT MAX(revision) AS r FROM annotations WHERE study_id = ? AND rater_id = ?').get(study.id, raterId)).toEqual({ r: strokes });
      db.close();
      for (const s of servers) expect(s.child.exitCode).toBeNull();
    } finally {
      for (const s of servers) s.child.kill('SIGTERM');
    }
  });
});
