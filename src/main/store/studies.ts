import type { Rater, StudySummary } from '../../shared/api';
import type { NewStudy, StudySource } from '../domain';
import { ApiError } from '../../shared/errors';
import { sliceLength, voxelArrayOf, type Geometry, type Intensity, type Volume, type VoxelArray, type VoxelType, type Window } from '../../shared/volume';
import { appendAudit } from './audit';
import { deflateArray, inflateVoxels } from './codec';
import type { Db } from './database';

export type { NewStudy, StudySource } from '../domain';

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

const finiteList = (v: unknown, length: number): v is number[] => Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a stored row, if anything. Older versions committed non-finite geometry (stored as JSON
 * nulls); such a study is listed with its problem and refused when opened, never fatal for the others.
 */
function damageOf(r: StudyRow): string | null {
  const spacing = parsed(r.spacing);
  if (!finiteList(spacing, 3) || spacing.some((v) => v <= 0)) return `its stored voxel spacing ${r.spacing} is not three positive finite numbers`;
  if (!finiteList(parsed(r.origin), 3)) return `its stored origin ${r.origin} is not three finite numbers`;
  if (!finiteList(parsed(r.direction), 9)) return `its stored orientation ${r.direction} is not nine finite numbers`;
  if (![r.nx, r.ny, r.nz].every((d) => Number.isInteger(d) && d > 0)) return `its stored dimensions ${r.nx}x${r.ny}x${r.nz} are not positive whole numbers`;
  if (parsed(r.source_meta) === undefined || parsed(r.notes) === undefined) return 'its stored metadata is not readable JSON';
  return null;
}

function toRecord(r: StudyRow): StudyRecord {
  const damage = damageOf(r);
  if (damage) throw new ApiError('bad_input', `study ${r.id} (${r.name}) is damaged in the store: ${damage}; delete it and import its files again`);
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
  return rows.map((r) => {
    const counts = { raterCount: r.rater_count, annotatedSlices: r.annotated_slices };
    const problem = damageOf(r);
    if (problem === null) return { ...summaryOf(toRecord(r)), ...counts };
    const spacing = parsed(r.spacing);
    return {
      id: r.id,
      name: r.name,
      patientId: r.patient_id,
      source: r.source,
      sourcePath: r.source_path,
      dims: [r.nx, r.ny, r.nz],
      spacing: finiteList(spacing, 3) && spacing.every((v) => v > 0) ? (spacing as [number, number, number]) : null,
      intensity: r.intensity,
      createdAt: r.created_at,
      ...counts,
      problem: `study ${r.id} is damaged in the store: ${problem}; delete it and import its files again`,
    };
  });
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
    // By name only, not getStudy: a study damaged in the store must stay deletable.
    const study = db.prepare('SELECT name FROM studies WHERE id = ?').get(id) as { name: string } | undefined;
    if (!study) throw new ApiError('not_found', `study ${id} does not exist`);
    db.prepare('DELETE FROM studies WHERE id = ?').run(id);
    appendAudit(db, { actor, action: 'study.delete', studyId: id, detail: study.name });
  }).immediate();
}

/** The DICOM studies' source metadata (its `dicom` member is the io layer's DicomSeriesMeta). */
export function dicomSourceMeta(db: Db): { studyId: number; sourceMeta: Record<string, unknown> }[] {
  const rows = db.prepare("SELECT id, source_meta FROM studies WHERE source = 'dicom'").all() as { id: number; source_meta: string }[];
  return rows.map((r) => ({ studyId: r.id, sourceMeta: JSON.parse(r.source_meta) as Record<string, unknown> }));
}

/** Each imported path and the study it became (an import skips a path already there). */
export function studyIdsBySourcePath(db: Db): Map<string, number> {
  const rows = db.prepare('SELECT id, source_path FROM studies').all() as { id: number; source_path: string }[];
  return new Map(rows.map((r) => [r.source_path, r.id]));
}

export function storeHasStudies(db: Db): boolean {
  return db.prepare('SELECT 1 FROM studies LIMIT 1').get() !== undefined;
}

/** Must run inside the caller's transaction (the archive retrieval names the series' URL as it imports it). */
export function setStudySourcePath(db: Db, studyId: number, sourcePath: string): void {
  db.prepare('UPDATE studies SET source_path = ? WHERE id = ?').run(sourcePath, studyId);
}

/** The raters with a mask on the study, by name. */
export function studyRaters(db: Db, studyId: number): Rater[] {
  return db
    .prepare(`SELECT DISTINCT r.id, r.name, r.role, r.created_at AS createdAt FROM raters r JOIN annotations a ON a.rater_id = r.id WHERE a.study_id = ? ORDER BY r.name`)
    .all(studyId) as Rater[];
}
