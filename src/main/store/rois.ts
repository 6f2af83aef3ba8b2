import type { Roi } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { appendAudit } from './audit';
import type { Db } from './database';

export type RoiSource = Roi['source'];

export interface NewRoi {
  studyId: number;
  label: string;
  center: [number, number, number];
  slices: [number, number];
  window: [number, number];
  source: RoiSource;
}

interface RoiRow {
  id: number;
  study_id: number;
  label: string;
  cx: number;
  cy: number;
  cz: number;
  slice_start: number;
  slice_end: number;
  window_w: number;
  window_h: number;
  source: RoiSource;
  created_at: string;
  updated_at: string;
}

const toRoi = (r: RoiRow): Roi => ({
  id: r.id,
  studyId: r.study_id,
  label: r.label,
  center: [r.cx, r.cy, r.cz],
  slices: [r.slice_start, r.slice_end],
  window: [r.window_w, r.window_h],
  source: r.source,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const describe = (r: Pick<Roi, 'label' | 'center' | 'slices' | 'window'>) =>
  `${r.label}: centre ${r.center.join(',')}, slices ${r.slices[0]}-${r.slices[1]}, window ${r.window.join('x')}`;

export function listRois(db: Db, studyId: number): Roi[] {
  return (db.prepare('SELECT * FROM rois WHERE study_id = ? ORDER BY id').all(studyId) as RoiRow[]).map(toRoi);
}

export function getRoi(db: Db, roiId: number): Roi {
  const row = db.prepare('SELECT * FROM rois WHERE id = ?').get(roiId) as RoiRow | undefined;
  if (!row) throw new ApiError('not_found', `ROI ${roiId} does not exist`);
  return toRoi(row);
}

/** Inserts ROIs and their audit entries in one transaction (all or none). */
export function insertRois(db: Db, rois: NewRoi[], actor: string): Roi[] {
  return db.transaction(() =>
    rois.map((r) => {
      const at = new Date().toISOString();
      const { lastInsertRowid } = db
        .prepare(
          `INSERT INTO rois (study_id, label, cx, cy, cz, slice_start, slice_end, window_w, window_h, source, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(r.studyId, r.label, ...r.center, ...r.slices, ...r.window, r.source, at, at);
      const id = Number(lastInsertRowid);
      appendAudit(db, { actor, action: 'roi.add', studyId: r.studyId, sliceIndex: r.center[2], detail: `ROI ${id} (${r.source}) ${describe(r)}` });
      return getRoi(db, id);
    }),
  ).immediate();
}

export function updateRoi(db: Db, roiId: number, change: Pick<Roi, 'label' | 'center' | 'slices' | 'window'>, actor: string): Roi {
  return db.transaction(() => {
    const before = getRoi(db, roiId);
    db.prepare('UPDATE rois SET label = ?, cx = ?, cy = ?, cz = ?, slice_start = ?, slice_end = ?, window_w = ?, window_h = ?, updated_at = ? WHERE id = ?').run(
      change.label,
      ...change.center,
      ...change.slices,
      ...change.window,
      new Date().toISOString(),
      roiId,
    );
    appendAudit(db, { actor, action: 'roi.update', studyId: before.studyId, sliceIndex: change.center[2], detail: `ROI ${roiId} ${describe(before)} -> ${describe(change)}` });
    return getRoi(db, roiId);
  }).immediate();
}

export function deleteRoi(db: Db, roiId: number, actor: string): void {
  db.transaction(() => {
    const roi = getRoi(db, roiId);
    db.prepare('DELETE FROM rois WHERE id = ?').run(roiId);
    appendAudit(db, { actor, action: 'roi.delete', studyId: roi.studyId, sliceIndex: roi.center[2], detail: `ROI ${roiId} ${describe(roi)}` });
  }).immediate();
}
