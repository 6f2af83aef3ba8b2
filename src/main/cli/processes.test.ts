/**
 * Several processes on one store, and an import that must not block the process serving it: real `caldiff`
 * processes, a real HTTP bridge, one real SQLite file.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, it } from 'vitest';
import { bearer, TOKEN_HEADER } from '../../shared/client';
import { DATABASE_FILE } from '../store';
import { CALDIFF, caldiff } from '../testing/cli';
import { SHARED_DATA, tempDir } from '../testing/paths';

const LIDC = path.join(SHARED_DATA, 'lidc-idri');

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, [CALDIFF, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function finished(child: ChildProcess): Promise<{ status: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** A `caldiff serve` once it has printed where it listens (after seeding the demo, if it does). */
async function serve(dataDir: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(process.execPath, [CALDIFF, 'serve', '--json', '--port', '0', '--data-dir', dataDir, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`caldiff serve exited with ${code} before it was ready`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return { child, url: new URL(url).origin, token };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function query<T>(dataDir: string, sql: string): T {
  const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare(sql).get() as T;
  } finally {
    db.close();
  }
}

describe('an import over the HTTP bridge', () => {
  it('runs off the main thread: another request is answered while the import is still writing', { timeout: 300_000 }, async () => {
    const dataDir = tempDir();
    const server = await serve(dataDir, ['--no-demo']);
    try {
      const headers = { [TOKEN_HEADER]: bearer(server.token) };
      const wal = path.join(dataDir, `${DATABASE_FILE}-wal`);
      const walBefore = existsSync(wal) ? statSync(wal).size : 0;
      const patients = readdirSync(LIDC).filter((p) => p.startsWith('LIDC-IDRI-')).sort().slice(0, 60).map((p) => path.join(LIDC, p));
      const order: string[] = [];
      const importing = fetch(`${server.url}/api/studies/import`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ paths: patients }),
      }).then(async (res) => {
        order.push('import');
        return { status: res.status, body: (await res.json()) as { studies: unknown[] } };
      });
      // The import's own progress, seen from outside: its open transaction spilling pages into the WAL.
      while (order.length === 0 && !(existsSync(wal) && statSync(wal).size > walBefore + 1_000_000)) await new Promise((r) => setTimeout(r, 20));
      expect(order).toEqual([]);
      const listed = await fetch(`${server.url}/api/studies`, { headers }).then(async (res) => {
        order.push('studies');
        return { status: res.status, body: (await res.json()) as unknown[] };
      });
      const imported = await importing;
      expect(order).toEqual(['studies', 'import']);
      expect(listed).toEqual({ status: 200, body: [] }); // answered before the import committed
      expect(imported.status).toBe(200);
      const nodules = patients.flatMap((p) => readdirSync(p)).length;
      expect(imported.body.studies).toHaveLength(nodules);
    } finally {
      await stop(server.child);
    }
  });
});

describe('several processes on one store', () => {
  it('five servers starting at once on an empty store seed the demo once', { timeout: 300_000 }, async () => {
    const dataDir = tempDir();
    // The store exists, empty and never seeded; the five race for the seeding only.
    expect(caldiff(['studies', '--data-dir', dataDir]).status).toBe(0);
    const servers = await Promise.all(Array.from({ length: 5 }, () => serve(dataDir)));
    await Promise.all(servers.map((s) => stop(s.child)));
    expect(query<{ n: number }>(dataDir, 'SELECT COUNT(*) AS n FROM studies').n).toBe(3);
    expect(query<{ n: number }>(dataDir, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'demo.seed'").n).toBe(1);
  });

  it('two imports of the same series and the same NIfTI at once make one study each', { timeout: 300_000 }, async () => {
    const dataDir = tempDir();
    expect(caldiff(['studies', '--data-dir', dataDir]).status).toBe(0);
    const series = tempDir();
    for (const f of ['01.dcm', '02.dcm', '03.dcm']) copyFileSync(path.join(SHARED_DATA, 'dicom', 'ct-3slice-with-seg', f), path.join(series, f));
    const nifti = path.join(SHARED_DATA, 'volumes', 'chest-abdomen-ct.nii.gz');
    const runs = await Promise.all([0, 1].map(() => finished(start(['import', series, nifti, '--json', '--data-dir', dataDir]))));
    expect(runs.map((r) => r.status)).toEqual([0, 0]);
    const answers = runs.map((r) => JSON.parse(r.stdout) as { studies: unknown[]; skipped: { reason: string }[] });
    expect(answers.map((a) => a.studies.length).sort()).toEqual([0, 2]);
    const second = answers.find((a) => a.studies.length === 0)!;
    expect(second.skipped.map((s) => s.reason).sort()).toEqual([expect.stringMatching(/^already imported as study \d+$/), expect.stringMatching(/^series already imported as study \d+$/)]);
    expect(query<{ n: number }>(dataDir, 'SELECT COUNT(*) AS n FROM studies').n).toBe(2);
  });
});
