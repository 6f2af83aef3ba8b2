import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { caldiff, caldiffProcess } from '../testing/cli';
import { SHARED_DATA, tempDir } from '../testing/paths';
import { DATABASE_FILE } from '../store';

const LIDC = path.join(SHARED_DATA, 'lidc-idri');

describe('caldiff command', () => {
  it('imports a LIDC patient and lists its studies as JSON', () => {
    const dataDir = tempDir();
    const imported = caldiff(['import', path.join(LIDC, 'LIDC-IDRI-0001'), '--data-dir', dataDir, '--json']);
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout).studies).toHaveLength(1);
    const listed = caldiff(['studies', '--json', '--data-dir', dataDir]);
    expect(listed.status).toBe(0);
    const studies = JSON.parse(listed.stdout);
    expect(studies).toMatchObject([{ name: 'LIDC-IDRI-0001 nodule-0', raterCount: 4, dims: [128, 128, 9] }]);
  });

  it('exports a NIfTI study with dicom-seg among the formats: the rest is written, DICOM SEG skipped with a note', () => {
    const dataDir = tempDir();
    expect(caldiff(['import', path.join(LIDC, 'LIDC-IDRI-0001'), '--data-dir', dataDir]).status).toBe(0);
    const out = tempDir();
    const exported = caldiff(['export', '1', '--out', out, '--formats', 'report,dicom-seg', '--data-dir', dataDir]);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/^wrote 3 files under .*study1\n$/);
    expect(exported.stderr).toMatch(/^skipped dicom-seg: DICOM SEG needs a study imported from DICOM/);
    const json = JSON.parse(caldiff(['export', '1', '--out', out, '--formats', 'report,dicom-seg', '--json', '--data-dir', dataDir]).stdout);
    expect(json.skipped).toEqual([{ format: 'dicom-seg', reason: expect.stringMatching(/needs a study imported from DICOM/) }]);
    expect(readdirSync(json.dir).sort()).toEqual(['report-volumetry.csv', 'report.csv', 'report.json']);
  });

  it('fails with one line and a non-zero status', () => {
    const dataDir = tempDir();
    const missing = caldiff(['import', '/nonexistent/scan.nii.gz', '--data-dir', dataDir]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('caldiff: /nonexistent/scan.nii.gz: no such file or folder\n');
    const unknown = caldiff(['frobnicate']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^caldiff: unknown command "frobnicate"/);
    const badFlag = caldiff(['studies', '--colour']);
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('leaves a consistent database holding all or none of an import killed with SIGKILL midway', { timeout: 300_000 }, async () => {
    const dataDir = tempDir();
    const patients = readdirSync(LIDC).filter((p) => p.startsWith('LIDC-IDRI-')).sort().slice(0, 30).map((p) => path.join(LIDC, p));
    const nodules = patients.flatMap((p) => readdirSync(p)).length;
    const child = caldiffProcess(['import', ...patients, '--progress', '--data-dir', dataDir]);
    // Kill on the import's own signal that studies are written into its open transaction, however slow the
    // machine: after the third of many, so the kill lands inside the transaction, not before or after it.
    let written = 0;
    const killed = await new Promise<NodeJS.Signals | null>((resolve) => {
      let buffered = '';
      child.stderr.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const m = /^progress: (\d+)\/(\d+) studies written \(not yet committed\)/.exec(line);
          if (m && written < 3) {
            written = Number(m[1]);
            expect(Number(m[2])).toBe(nodules);
            if (written === 3) child.kill('SIGKILL');
          }
        }
      });
      child.on('exit', (_code, signal) => resolve(signal));
    });
    expect(written).toBe(3);
    expect(killed).toBe('SIGKILL');
    const db = new Database(path.join(dataDir, DATABASE_FILE));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const studies = (db.prepare('SELECT COUNT(*) AS n FROM studies').get() as { n: number }).n;
    const slices = (db.prepare('SELECT COUNT(*) AS n FROM slices').get() as { n: number }).n;
    db.close();
    expect(studies).toBe(0); // killed inside its one transaction: none of it
    expect(slices).toBe(0);
    // The same import run to the end holds all of it.
    const done = caldiff(['import', ...patients, '--data-dir', dataDir, '--json']);
    expect(done.status).toBe(0);
    expect(JSON.parse(done.stdout).studies).toHaveLength(nodules);
  });
});
