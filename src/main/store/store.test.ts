import { describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION } from '../../shared/volume';
import { tempDir } from '../testing/paths';
import { migrations } from './migrations';
import {
  appendAudit,
  currentMasks,
  deleteStudy,
  ensureRater,
  insertStudy,
  listAudit,
  listStudies,
  openDatabase,
  readSlice,
  readVolume,
  saveMask,
  schemaVersion,
  setReview,
  reviewStatus,
  getStudy,
  runningRuns,
  type Db,
  type NewStudy,
} from '.';
import { unpackMask } from '../../shared/masks';

function smallStudy(): NewStudy {
  const data = new Int16Array(4 * 3 * 2).map((_, i) => i * 10 - 1000);
  return {
    name: 'tiny',
    patientId: 'P1',
    source: 'nifti',
    sourcePath: '/tmp/tiny.nii',
    volume: { dims: [4, 3, 2], spacing: [0.7, 0.7, 2.5], origin: [1, 2, 3], direction: IDENTITY_DIRECTION, dtype: 'int16', data, intensity: 'HU', window: { width: 1500, level: -600 } },
    sourceMeta: { nifti: { affine: [1] } },
    notes: [],
  };
}

function withStudy(): { db: Db; studyId: number; raterId: number } {
  const db = openDatabase(tempDir());
  const studyId = db.transaction(() => insertStudy(db, smallStudy(), 'test'))();
  const raterId = db.transaction(() => ensureRater(db, 'Dr. A'))().id;
  return { db, studyId, raterId };
}

const mask = (...on: number[]) => Uint8Array.from({ length: 12 }, (_, i) => (on.includes(i) ? 1 : 0));

describe('store', () => {
  it('creates a WAL database with foreign keys at the latest schema version, and reopening changes nothing', () => {
    const dir = tempDir();
    const db = openDatabase(dir);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(Math.max(...migrations.map((m) => m.version)));
    db.close();
    const again = openDatabase(dir);
    expect((again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(migrations.length);
    again.close();
  });

  it('applies a later migration to an existing database once, and refuses a database newer than the build', () => {
    const dir = tempDir();
    openDatabase(dir).close();
    const next = [...migrations, { version: 99, name: 'add column', sql: 'ALTER TABLE raters ADD COLUMN initials TEXT' }];
    const db = openDatabase(dir, next);
    expect(schemaVersion(db)).toBe(99);
    expect(db.prepare('PRAGMA table_info(raters)').all().map((c) => (c as { name: string }).name)).toContain('initials');
    db.close();
    expect(() => openDatabase(dir)).toThrow(/newer than this build/);
  });

  it('migration 7 moves a running run\'s process id out of its timings into worker_pid', () => {
    const dir = tempDir();
    const before = openDatabase(dir, migrations.filter((m) => m.version < 7));
    const studyId = before.transaction(() => insertStudy(before, smallStudy(), 'test'))();
    const run = (state: string, timings: string) =>
      Number(
        before
          .prepare("INSERT INTO model_runs (study_id, model_id, model_sha256, provider, sampler, seed, samples, steps, state, timings, started_at) VALUES (?, 'm', 's', 'cpu', 'ddim', 0, 2, 2, ?, ?, 'now')")
          .run(studyId, state, timings).lastInsertRowid,
      );
    const running = run('running', JSON.stringify({ pid: 4242 }));
    const finished = run('complete', JSON.stringify({ loadMs: 3 }));
    before.close();
    const db = openDatabase(dir);
    expect(runningRuns(db)).toEqual([{ id: running, workerPid: 4242 }]);
    expect(db.prepare('SELECT worker_pid AS pid FROM model_runs WHERE id = ?').get(finished)).toEqual({ pid: null });
    db.close();
  });

  it('stores a volume slice by slice and reads back identical voxels and geometry', () => {
    const { db, studyId } = withStudy();
    const study = getStudy(db, studyId);
    expect(study.dims).toEqual([4, 3, 2]);
    expect(study.spacing).toEqual([0.7, 0.7, 2.5]);
    expect(Array.from(readSlice(db, study, 1))).toEqual(Array.from(smallStudy().volume.data.subarray(12, 24)));
    expect(Array.from(readVolume(db, study).data)).toEqual(Array.from(smallStudy().volume.data));
    expect(() => readSlice(db, study, 2)).toThrow(/no slice 2/);
  });

  it('keeps every revision of a mask, skips identical saves and refuses a stale base revision', () => {
    const { db, studyId, raterId } = withStudy();
    const first = saveMask(db, { studyId, sliceIndex: 0, raterId, mask: mask(1, 2), source: 'manual', baseRevision: 0 }, 'Dr. A');
    expect(first).toEqual({ revision: 1, unchanged: false });
    expect(saveMask(db, { studyId, sliceIndex: 0, raterId, mask: mask(1, 2), source: 'manual', baseRevision: 1 }, 'Dr. A')).toEqual({ revision: 1, unchanged: true });
    expect(saveMask(db, { studyId, sliceIndex: 0, raterId, mask: mask(5), source: 'manual', baseRevision: 1 }, 'Dr. A').revision).toBe(2);
    expect(() => saveMask(db, { studyId, sliceIndex: 0, raterId, mask: mask(7), source: 'manual', baseRevision: 1 }, 'Dr. A')).toThrow(/changed elsewhere/);
    const revisions = db.prepare('SELECT revision, area FROM annotations ORDER BY revision').all();
    expect(revisions).toEqual([{ revision: 1, area: 2 }, { revision: 2, area: 1 }]);
    const [current] = currentMasks(db, studyId, 0);
    expect(current.revision).toBe(2);
    expect(Array.from(unpackMask(current.packed, 12))).toEqual(Array.from(mask(5)));
  });

  it('keeps an append-only audit log of every change, which survives deleting the study', () => {
    const { db, studyId, raterId } = withStudy();
    saveMask(db, { studyId, sliceIndex: 1, raterId, mask: mask(3), source: 'manual', baseRevision: null }, 'Dr. A');
    setReview(db, studyId, 1, raterId, 'reviewed', 'Dr. A');
    expect(reviewStatus(db, studyId, 1, raterId)).toBe('reviewed');
    expect(() => db.prepare('UPDATE audit_log SET actor = ?').run('someone else')).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    deleteStudy(db, studyId, 'test');
    expect(listStudies(db)).toEqual([]);
    expect((db.prepare('SELECT COUNT(*) AS n FROM annotations').get() as { n: number }).n).toBe(0);
    const actions = listAudit(db, { studyId, actor: null, action: null, limit: 50 }).map((a) => `${a.actor}:${a.action}`);
    expect(actions).toEqual(['test:study.delete', 'Dr. A:review.set', 'Dr. A:annotation.save', 'test:study.import']);
  });

  it('rolls a failed transaction back completely', () => {
    const { db } = withStudy();
    const before = listStudies(db).length;
    expect(() =>
      db.transaction(() => {
        insertStudy(db, smallStudy(), 'test');
        appendAudit(db, { actor: 'test', action: 'about to fail' });
        throw new Error('disk on fire');
      })(),
    ).toThrow('disk on fire');
    expect(listStudies(db).length).toBe(before);
    expect(listAudit(db, { studyId: null, actor: null, action: null, limit: 100 }).some((a) => a.action === 'about to fail')).toBe(false);
  });

  it('enforces foreign keys', () => {
    const { db, studyId } = withStudy();
    expect(() => saveMask(db, { studyId, sliceIndex: 0, raterId: 999, mask: mask(), source: 'manual', baseRevision: null }, 'x')).toThrow(/FOREIGN KEY/);
  });
});
