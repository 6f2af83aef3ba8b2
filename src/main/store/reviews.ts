import type { ReviewStatus } from '../../shared/api';
import { appendAudit } from './audit';
import type { Db } from './database';

export function setReview(db: Db, studyId: number, sliceIndex: number, raterId: number, status: ReviewStatus, actor: string): void {
  db.transaction(() => {
    db.prepare(
      `INSERT INTO reviews (study_id, slice_index, rater_id, status, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (study_id, slice_index, rater_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
    ).run(studyId, sliceIndex, raterId, status, new Date().toISOString());
    appendAudit(db, { actor, action: 'review.set', studyId, sliceIndex, detail: status });
  }).immediate();
}

export function reviewStatuses(db: Db, studyId: number, raterId: number): { sliceIndex: number; status: ReviewStatus; updatedAt: string }[] {
  return db
    .prepare('SELECT slice_index AS sliceIndex, status, updated_at AS updatedAt FROM reviews WHERE study_id = ? AND rater_id = ? ORDER BY slice_index')
    .all(studyId, raterId) as { sliceIndex: number; status: ReviewStatus; updatedAt: string }[];
}

export function reviewStatus(db: Db, studyId: number, sliceIndex: number, raterId: number): ReviewStatus {
  const row = db.prepare('SELECT status FROM reviews WHERE study_id = ? AND slice_index = ? AND rater_id = ?').get(studyId, sliceIndex, raterId) as
    | { status: ReviewStatus }
    | undefined;
  return row?.status ?? 'unreviewed';
}

/**
 * Review status of slices across all raters (one row per rater): a slice anyone asked to look at again is
 * 'second-look', else one anybody reviewed is 'reviewed'.
 */
export function statusesAcrossRaters(db: Db, studyId: number): Map<number, ReviewStatus> {
  const rows = db
    .prepare(
      `SELECT slice_index AS sliceIndex, MAX(CASE status WHEN 'second-look' THEN 2 WHEN 'reviewed' THEN 1 ELSE 0 END) AS rank
       FROM reviews WHERE study_id = ? GROUP BY slice_index`,
    )
    .all(studyId) as { sliceIndex: number; rank: number }[];
  const names: ReviewStatus[] = ['unreviewed', 'reviewed', 'second-look'];
  return new Map(rows.map((r) => [r.sliceIndex, names[r.rank]]));
}
