import type { MaskSource } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { countMask, masksEqual, packMask, unpackMask } from '../../shared/masks';
import { appendAudit } from './audit';
import { deflateArray, inflateBytes } from './codec';
import type { Db } from './database';

export interface CurrentMask {
  raterId: number;
  raterName: string;
  revision: number;
  source: MaskSource;
  /** Bit-packed. */
  packed: Uint8Array;
  area: number;
  updatedAt: string;
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
}

/** The latest revision of each rater's mask on one slice. */
export function currentMasks(db: Db, studyId: number, sliceIndex: number): CurrentMask[] {
  const rows = db
    .prepare(
      `SELECT a.rater_id, r.name, a.revision, a.source, a.mask, a.area, a.created_at FROM annotations a
       JOIN raters r ON r.id = a.rater_id
       WHERE a.study_id = ? AND a.slice_index = ?
         AND a.revision = (SELECT MAX(revision) FROM annotations b WHERE b.study_id = a.study_id AND b.slice_index = a.slice_index AND b.rater_id = a.rater_id)
       ORDER BY r.name`,
    )
    .all(studyId, sliceIndex) as { rater_id: number; name: string; revision: number; source: MaskSource; mask: Buffer; area: number; created_at: string }[];
  return rows.map((r) => ({
    raterId: r.rater_id,
    raterName: r.name,
    revision: r.revision,
    source: r.source,
    packed: inflateBytes(r.mask),
    area: r.area,
    updatedAt: r.created_at,
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
    if (latest > 0) {
      const row = db
        .prepare('SELECT mask FROM annotations WHERE study_id = ? AND slice_index = ? AND rater_id = ? AND revision = ?')
        .get(s.studyId, s.sliceIndex, s.raterId, latest) as { mask: Buffer };
      if (masksEqual(unpackMask(inflateBytes(row.mask), s.mask.length), s.mask)) return { revision: latest, unchanged: true };
    }
    const revision = latest + 1;
    const area = countMask(s.mask);
    db.prepare(
      'INSERT INTO annotations (study_id, slice_index, rater_id, revision, source, mask, area, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(s.studyId, s.sliceIndex, s.raterId, revision, s.source, deflateArray(packMask(s.mask)), area, new Date().toISOString());
    appendAudit(db, { actor, action: 'annotation.save', studyId: s.studyId, sliceIndex: s.sliceIndex, detail: `revision ${revision}, ${area} px, ${s.source}` });
    return { revision, unchanged: false };
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
