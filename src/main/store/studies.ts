import type { StudySummary } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { sliceLength, voxelArrayOf, type Geometry, type Intensity, type Volume, type VoxelArray, type VoxelType, type Window } from '../../shared/volume';
import { appendAudit } from './audit';
import { deflateArray, inflateVoxels } from './codec';
import type { Db } from './database';

export type StudySource = StudySummary['source'];

/** A study as import produces it: the volume plus what export needs to line up with the original files. */
export interface NewStudy {
  name: string;
  patientId: string | null;
  source: StudySource;
  sourcePath: string;
  volume: Volume;
  sourceMeta: Record<string, unknown>;
  notes: string[];
}

export interface StudyRecord extends Geometry {
  id: number;
  name: string;
  patientId: string | null;
  source: StudySource;
  sourcePath: string;
  dtype: VoxelType;
  intensity: Intensity;
  window: Window;
  sourceMeta: Record<string, unknown>;
  notes: string[];
  createdAt: string;
}

interface StudyRow {
  id: number;
  name: string;
  patient_id: string | null;
  source: StudySource;
  source_path: string;
  nx: number;
  ny: number;
  nz: number;
  spacing: string;
  origin: string;
  direction: string;
  dtype: VoxelType;
  intensity: Intensity;
  window_width: number;
  window_level: number;
  source_meta: string;
  notes: string;
  created_at: string;
}

function toRecord(r: StudyRow): StudyRecord {
  return {
    id: r.id,
    name: r.name,
    patientId: r.patient_id,
    source: r.source,
    sourcePath: r.source_path,
    dims: [r.nx, r.ny, r.nz],
    spacing: JSON.parse(r.spacing),
    origin: JSON.parse(r.origin),
    direction: JSON.parse(r.direction),
    dtype: r.dtype,
    intensity: r.intensity,
    window: { width: r.window_width, level: r.window_level },
    sourceMeta: JSON.parse(r.source_meta),
    notes: JSON.parse(r.notes),
    createdAt: r.created_at,
  };
}

/** Must run inside the caller's transaction (an import is all-or-nothing across its studies). */
export function insertStudy(db: Db, s: NewStudy, actor: string): number {
  const v = s.volume;
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO studies (name, patient_id, source, source_path, nx, ny, nz, spacing, origin, direction, dtype, intensity,
        window_width, window_level, source_meta, notes, created_at)
       VALUES (@name, @patientId, @source, @sourcePath, @nx, @ny, @nz, @spacing, @origin, @direction, @dtype, @intensity,
        @ww, @wl, @meta, @notes, @at)`,
    )
    .run({
      name: s.name,
      patientId: s.patientId,
      source: s.source,
      sourcePath: s.sourcePath,
      nx: v.dims[0],
      ny: v.dims[1],
      nz: v.dims[2],
      spacing: JSON.stringify(v.spacing),
      origin: JSON.stringify(v.origin),
      direction: JSON.stringify(v.direction),
      dtype: v.dtype,
      intensity: v.intensity,
      ww: v.window.width,
      wl: v.window.level,
      meta: JSON.stringify(s.sourceMeta),
      notes: JSON.stringify(s.notes),
      at: new Date().toISOString(),
    });
  const studyId = Number(lastInsertRowid);
  const n = sliceLength(v);
  const put = db.prepare('INSERT INTO slices (study_id, slice_index, image) VALUES (?, ?, ?)');
  for (let k = 0; k < v.dims[2]; k++) put.run(studyId, k, deflateArray(v.data.subarray(k * n, (k + 1) * n)));
  appendAudit(db, { actor, action: 'study.import', studyId, detail: `${s.source} ${s.sourcePath} (${v.dims.join('x')})` });
  return studyId;
}

export function getStudy(db: Db, id: number): StudyRecord {
  const row = db.prepare('SELECT * FROM studies WHERE id = ?').get(id) as StudyRow | undefined;
  if (!row) throw new ApiError('not_found', `study ${id} does not exist`);
  return toRecord(row);
}

/** Summaries of every study, or of the one asked for. */
export function listStudies(db: Db, onlyId: number | null = null): StudySummary[] {
  const rows = db
    .prepare(
      `SELECT s.*,
        (SELECT COUNT(DISTINCT rater_id) FROM annotations a WHERE a.study_id = s.id) AS rater_count,
        (SELECT COUNT(DISTINCT slice_index) FROM annotations a WHERE a.study_id = s.id) AS annotated_slices
       FROM studies s WHERE @onlyId IS NULL OR s.id = @onlyId ORDER BY s.id`,
    )
    .all({ onlyId }) as (StudyRow & { rater_count: number; annotated_slices: number })[];
  return rows.map((r) => ({ ...summaryOf(toRecord(r)), raterCount: r.rater_count, annotatedSlices: r.annotated_slices }));
}

export function summaryOf(s: StudyRecord): Omit<StudySummary, 'raterCount' | 'annotatedSlices'> {
  return {
    id: s.id,
    name: s.name,
    patientId: s.patientId,
    source: s.source,
    sourcePath: s.sourcePath,
    dims: s.dims,
    spacing: s.spacing,
    intensity: s.intensity,
    createdAt: s.createdAt,
  };
}

/** Refuses a slice index the study does not have. */
export function checkSlice(study: Pick<StudyRecord, 'id' | 'dims'>, sliceIndex: number): void {
  if (!Number.isInteger(sliceIndex) || sliceIndex < 0 || sliceIndex >= study.dims[2])
    throw new ApiError('not_found', `study ${study.id} has no slice ${sliceIndex} (it has ${study.dims[2]})`);
}

export function readSlice(db: Db, study: StudyRecord, sliceIndex: number): VoxelArray {
  checkSlice(study, sliceIndex);
  const row = db.prepare('SELECT image FROM slices WHERE study_id = ? AND slice_index = ?').get(study.id, sliceIndex) as { image: Buffer } | undefined;
  if (!row) throw new ApiError('not_found', `slice ${sliceIndex} of study ${study.id} is missing from the store`);
  return inflateVoxels(row.image, study.dtype, sliceLength(study));
}

export function readVolume(db: Db, study: StudyRecord): Volume {
  const n = sliceLength(study);
  const data = voxelArrayOf(study.dtype, n * study.dims[2]);
  const rows = db.prepare('SELECT slice_index, image FROM slices WHERE study_id = ? ORDER BY slice_index').iterate(study.id) as Iterable<{ slice_index: number; image: Buffer }>;
  for (const r of rows) data.set(inflateVoxels(r.image, study.dtype, n), r.slice_index * n);
  return { dims: study.dims, spacing: study.spacing, origin: study.origin, direction: study.direction, dtype: study.dtype, data, intensity: study.intensity, window: study.window };
}

export function deleteStudy(db: Db, id: number, actor: string): void {
  db.transaction(() => {
    const study = getStudy(db, id);
    db.prepare('DELETE FROM studies WHERE id = ?').run(id);
    appendAudit(db, { actor, action: 'study.delete', studyId: id, detail: study.name });
  }).immediate();
}
