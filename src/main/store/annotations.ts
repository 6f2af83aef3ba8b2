import type { MaskSource, RaterRole } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { countMask, masksEqual, packMask, unpackMask } from '../../shared/masks';
import { appendAudit } from './audit';
import { deflateArray, inflateBytes } from './codec';
import type { Db } from './database';

export interface CurrentMask {
  raterId: number;
  raterName: string;
  raterRole: RaterRole;
  revision: number;
  source: MaskSource;
  /** Bit-packed. */
  packed: Uint8Array;
  area: number;
  updatedAt: string;
  /** Filled in by slice interpolation and not edited by the rater since. */
  interpolated: boolean;
}

export interface SaveMask {
  studyId: number;
  sliceIndex: number;
  raterId: number;
  /** 0/1 per pixel, width*height. */
  mask: Uint8Array;
  source: MaskSource;
  /** The revision the editor started from; null skips the check (imports). */
  baseRevision: number | null;
  /** Written by slice interpolation (default: false, so any other save clears the mark). */
  interpolated?: boolean;
}

/** The latest revision of each rater's mask on one slice. */
export function currentMasks(db: Db, studyId: number, sliceIndex: number): CurrentMask[] {
  const rows = db
    .prepare(
      `SELECT a.rater_id, r.name, r.role, a.revision, a.source, a.mask, a.area, a.created_at, a.interpolated FROM annotations a
       JOIN raters r ON r.id = a.rater_id
       WHERE a.study_id = ? AND a.slice_index = ?
         AND a.revision = (SELECT MAX(revision) FROM annotations b WHERE b.study_id = a.study_id AND b.slice_index = a.slice_index AND b.rater_id = a.rater_id)
       ORDER BY r.name`,
    )
    .all(studyId, sliceIndex) as { rater_id: number; name: string; role: RaterRole; revision: number; source: MaskSource; mask: Buffer; area: number; created_at: string; interpolated: number }[];
  return rows.map((r) => ({
    raterId: r.rater_id,
    raterName: r.name,
    raterRole: r.role,
    revision: r.revision,
    source: r.source,
    packed: inflateBytes(r.mask),
    area: r.area,
    updatedAt: r.created_at,
    interpolated: r.interpolated === 1,
  }));
}

/** The latest mask of every rater on every slice of a study: slice index -> masks. */
export function currentStudyMasks(db: Db, studyId: number): Map<number, CurrentMask[]> {
  const out = new Map<number, CurrentMask[]>();
  const slices = db.prepare('SELECT DISTINCT slice_index FROM annotations WHERE study_id = ? ORDER BY slice_index').all(studyId) as { slice_index: number }[];
  for (const { slice_index } of slices) out.set(slice_index, currentMasks(db, studyId, slice_index));
  return out;
}

export function latestRevision(db: Db, studyId: number, sliceIndex: number, raterId: number): number {
  const row = db
    .prepare('SELECT MAX(revision) AS rev FROM annotations WHERE study_id = ? AND slice_index = ? AND rater_id = ?')
    .get(studyId, sliceIndex, raterId) as { rev: number | null };
  return row.rev ?? 0;
}

/**
 * Appends a revision (never overwrites one). A save identical to the current mask adds nothing. Runs in its own
 * transaction unless the caller already holds one.
 */
export function saveMask(db: Db, s: SaveMask, actor: string): { revision: number; unchanged: boolean } {
  return db.transaction(() => {
    const latest = latestRevision(db, s.studyId, s.sliceIndex, s.raterId);
    if (s.baseRevision !== null && s.baseRevision !== latest)
      throw new ApiError('conflict', `slice ${s.sliceIndex} was changed elsewhere (revision ${latest}, you edited ${s.baseRevision}); reload it before saving`);
    const interpolated = s.interpolated ? 1 : 0;
    if (latest > 0) {
      const row = db
        .prepare('SELECT mask, interpolated FROM annotations WHERE study_id = ? AND slice_index = ? AND rater_id = ? AND revision = ?')
        .get(s.studyId, s.sliceIndex, s.raterId, latest) as { mask: Buffer; interpolated: number };
      if (row.interpolated === interpolated && masksEqual(unpackMask(inflateBytes(row.mask), s.mask.length), s.mask)) return { revision: latest, unchanged: true };
    }
    const revision = latest + 1;
    const area = countMask(s.mask);
    db.prepare(
      'INSERT INTO annotations (study_id, slice_index, rater_id, revision, source, mask, area, created_at, interpolated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(s.studyId, s.sliceIndex, s.raterId, revision, s.source, deflateArray(packMask(s.mask)), area, new Date().toISOString(), interpolated);
    const how = interpolated ? `${s.source}, interpolated` : s.source;
    appendAudit(db, { actor, action: 'annotation.save', studyId: s.studyId, sliceIndex: s.sliceIndex, detail: `revision ${revision}, ${area} px, ${how}` });
    return { revision, unchanged: false };
  }).immediate();
}

export interface MaskRevision {
  revision: number;
  source: MaskSource;
  area: number;
  createdAt: string;
}

/** Every revision of one rater's mask on one slice, newest first. */
export function maskRevisions(db: Db, studyId: number, sliceIndex: number, raterId: number): MaskRevision[] {
  return db
    .prepare(
      'SELECT revision, source, area, created_at AS createdAt FROM annotations WHERE study_id = ? AND slice_index = ? AND rater_id = ? ORDER BY revision DESC',
    )
    .all(studyId, sliceIndex, raterId) as MaskRevision[];
}

/** The pixels (0/1, `length` of them) and source of one revision. */
export function maskAtRevision(db: Db, studyId: number, sliceIndex: number, raterId: number, revision: number, length: number): { mask: Uint8Array; source: MaskSource } {
  const row = db
    .prepare('SELECT mask, source FROM annotations WHERE study_id = ? AND slice_index = ? AND rater_id = ? AND revision = ?')
    .get(studyId, sliceIndex, raterId, revision) as { mask: Buffer; source: MaskSource } | undefined;
  if (!row) throw new ApiError('not_found', `rater ${raterId} has no revision ${revision} on slice ${sliceIndex}`);
  return { mask: unpackMask(inflateBytes(row.mask), length), source: row.source };
}

/**
 * Puts an old revision's pixels back as a new revision (history is never rewritten), audited as a restore. Refused
 * when the mask changed since `baseRevision`, like any save.
 */
export function restoreMask(db: Db, s: { studyId: number; sliceIndex: number; raterId: number; revision: number; baseRevision: number; length: number }, actor: string): { revision: number; unchanged: boolean } {
  return db.transaction(() => {
    const old = maskAtRevision(db, s.studyId, s.sliceIndex, s.raterId, s.revision, s.length);
    const saved = saveMask(db, { studyId: s.studyId, sliceIndex: s.sliceIndex, raterId: s.raterId, mask: old.mask, source: old.source, baseRevision: s.baseRevision }, actor);
    if (!saved.unchanged) appendAudit(db, { actor, action: 'annotation.restore', studyId: s.studyId, sliceIndex: s.sliceIndex, detail: `revision ${s.revision} restored as revision ${saved.revision}` });
    return saved;
  }).immediate();
}

/** The slices of a study any rater has a mask on. */
export function annotatedSliceIndices(db: Db, studyId: number): number[] {
  return (db.prepare('SELECT DISTINCT slice_index AS k FROM annotations WHERE study_id = ?').all(studyId) as { k: number }[]).map((r) => r.k);
}

/** Whether the rater started from the model's mask (mean or a sample) on any slice of the study. */
export function raterUsedModelMasks(db: Db, studyId: number, raterId: number): boolean {
  return db.prepare("SELECT 1 FROM annotations WHERE study_id = ? AND rater_id = ? AND source IN ('model-mean', 'model-sample') LIMIT 1").get(studyId, raterId) !== undefined;
}
