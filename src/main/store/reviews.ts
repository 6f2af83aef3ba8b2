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
