/**
 * Regions of interest: the nodule-centred boxes that triage cuts out of a real CT at the model's scale. Made by
 * hand (a voxel centre and slice range, or a world position and diameter), from the raters' masks (one per 3-D
 * connected component of their union), or from a LUNA16-layout nodule list.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Roi } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { unpackMask } from '../../shared/masks';
import { sliceLength } from '../../shared/volume';
import type { AppContext } from '../context';
import type { DicomSeriesMeta } from '../io/dicom';
import { resolveModel } from '../engine/models';
import { modelWindow, type WindowPlan } from '../engine/window';
import { annotatedSliceIndices, currentMasks, deleteRoi, getRoi, getStudy, insertRois, listRois, listStudies, updateRoi, type NewRoi, type StudyRecord } from '../store';
import type { HandlerGroup } from './registry';

type Vec3 = [number, number, number];

/** A nodule list is a few thousand lines at most (LUNA16's annotations.csv is 1,186). */
const MAX_CSV_BYTES = 16 * 1024 * 1024;

/** The study's in-plane spacing, or null when its import could not know it (crops, PNG, a series without PixelSpacing). */
export function knownSpacing(study: Pick<StudyRecord, 'source' | 'notes' | 'spacing'>): [number, number] | null {
  if (study.source === 'lidc' || study.source === 'png') return null;
  if (study.notes.some((n) => /no PixelSpacing/.test(n))) return null;
  return [study.spacing[0], study.spacing[1]];
}

/** Whether a study's slices are what the model takes as they are (LIDC crops, PNG cases): one whole-image region. */
export function isModelSized(study: Pick<StudyRecord, 'dims'>, size: readonly [number, number]): boolean {
  return study.dims[0] === size[0] && study.dims[1] === size[1];
}

/** The window the default model would cut on this study (128x128 when no model is usable yet). */
export function windowPlanFor(app: AppContext, study: StudyRecord, modelId: string | null = null): WindowPlan {
  let card;
  try {
    card = resolveModel(app.modelsDir, modelId).card;
  } catch {
    return { size: [128, 128], warnings: [] };
  }
  return modelWindow(card, knownSpacing(study), study.name);
}

/** LPS mm -> continuous voxel index (column, row, slice) through the study's geometry. */
export function worldToVoxel(study: Pick<StudyRecord, 'origin' | 'direction' | 'spacing'>, p: Vec3): Vec3 {
  const d = study.direction;
  const r: Vec3 = [p[0] - study.origin[0], p[1] - study.origin[1], p[2] - study.origin[2]];
  // The direction's columns are orthonormal axes (DICOM orientation cosines), so its inverse is its transpose.
  return [0, 1, 2].map((axis) => (d[axis] * r[0] + d[3 + axis] * r[1] + d[6 + axis] * r[2]) / study.spacing[axis]) as Vec3;
}

function checkCenter(study: StudyRecord, c: Vec3, what: (voxel: string) => string = (voxel) => `centre ${voxel}`): void {
  const [nx, ny, nz] = study.dims;
  if (c[0] < 0 || c[1] < 0 || c[2] < 0 || c[0] >= nx || c[1] >= ny || c[2] >= nz)
    throw new ApiError('bad_input', `${what(c.map((v) => Math.round(v)).join(','))} lies outside study ${study.id} (${nx}x${ny}x${nz} voxels)`);
}

function checkSlices(study: StudyRecord, slices: [number, number], centerZ: number): void {
  const [a, b] = slices;
  if (a > b) throw new ApiError('bad_input', `slice range ${a}:${b} is reversed`);
  if (b >= study.dims[2]) throw new ApiError('bad_input', `slice range ${a}:${b} goes beyond study ${study.id}'s last slice ${study.dims[2] - 1}`);
  if (centerZ < a || centerZ > b) throw new ApiError('bad_input', `the centre slice ${centerZ} lies outside the slice range ${a}:${b}`);
}

/** The slices a nodule of this diameter spans around continuous slice position kc, plus one each side. */
function sliceRangeFor(study: StudyRecord, kc: number, diameterMm: number): [number, number] {
  const half = diameterMm / 2 / study.spacing[2];
  return [Math.max(0, Math.round(kc - half) - 1), Math.min(study.dims[2] - 1, Math.round(kc + half) + 1)];
}

/** An ROI at a world position (LPS mm) with a diameter: the voxel it falls in, the slices its diameter spans. */
export function roiAtWorld(study: StudyRecord, world: Vec3, diameterMm: number, window: [number, number], source: NewRoi['source'], label: string): NewRoi {
  const v = worldToVoxel(study, world);
  checkCenter(study, v, (voxel) => `world position ${world.join(',')} mm (voxel ${voxel})`);
  const center = v.map(Math.round) as Vec3;
  center[2] = Math.min(study.dims[2] - 1, center[2]);
  return { studyId: study.id, label, center, slices: sliceRangeFor(study, v[2], diameterMm), window, source };
}

export function addRoi(app: AppContext, req: { studyId: number; center: Vec3 | null; world: Vec3 | null; diameterMm: number | null; slices: [number, number] | null; label: string | null }, actor: string): Roi {
  const study = getStudy(app.db, req.studyId);
  const window = windowPlanFor(app, study).size;
  const label = req.label || `nodule ${listRois(app.db, study.id).length + 1}`;
  let roi: NewRoi;
  if (req.center && req.world) throw new ApiError('validation', 'give a voxel centre or a world position, not both');
  if (req.center) {
    checkCenter(study, req.center);
    const slices = req.slices ?? [req.center[2], req.center[2]];
    checkSlices(study, slices, req.center[2]);
    roi = { studyId: study.id, label, center: req.center, slices, window, source: 'manual' };
  } else if (req.world) {
    if (req.diameterMm === null) throw new ApiError('validation', 'a world position needs a diameter (mm)');
    roi = roiAtWorld(study, req.world, req.diameterMm, window, 'world', label);
    if (req.slices) {
      checkSlices(study, req.slices, roi.center[2]);
      roi.slices = req.slices;
    }
  } else throw new ApiError('validation', 'give the ROI a voxel centre, or a world position with a diameter');
  return insertRois(app.db, [roi], actor)[0];
}

export function changeRoi(app: AppContext, req: { roiId: number; center: Vec3 | null; slices: [number, number] | null; label: string | null }, actor: string): Roi {
  const roi = getRoi(app.db, req.roiId);
  const study = getStudy(app.db, roi.studyId);
  const center = req.center ?? roi.center;
  checkCenter(study, center);
  const slices = req.slices ?? (req.center ? [Math.min(roi.slices[0], center[2]), Math.max(roi.slices[1], center[2])] : roi.slices);
  checkSlices(study, slices, center[2]);
  return updateRoi(app.db, roi.id, { label: req.label || roi.label, center, slices, window: roi.window }, actor);
}

// ---------- from the raters' masks ----------

/**
 * One ROI per 3-D connected component (26-neighbourhood: nodules shift between thick slices) of the union of every
 * rater's current masks. Only marked voxels are held, so memory follows the lesions, not the scan.
 */
export function roisFromRaters(app: AppContext, studyId: number, actor: string): Roi[] {
  const study = getStudy(app.db, studyId);
  const [nx, ny] = study.dims;
  const n = sliceLength(study);
  const marked = new Set<number>();
  for (const k of annotatedSliceIndices(app.db, studyId))
    for (const { packed } of currentMasks(app.db, studyId, k)) {
      const m = unpackMask(packed, n);
      for (let i = 0; i < n; i++) if (m[i]) marked.add(k * n + i);
    }
  if (marked.size === 0) throw new ApiError('bad_input', `study ${studyId} has no rater masks to make ROIs from`);
  const window = windowPlanFor(app, study).size;
  const seen = new Set<number>();
  const boxes: { min: Vec3; max: Vec3 }[] = [];
  for (const start of [...marked].sort((a, b) => a - b)) {
    if (seen.has(start)) continue;
    const min: Vec3 = [Infinity, Infinity, Infinity];
    const max: Vec3 = [-Infinity, -Infinity, -Infinity];
    const stack = [start];
    seen.add(start);
    while (stack.length) {
      const v = stack.pop()!;
      const k = Math.floor(v / n);
      const j = Math.floor((v % n) / nx);
      const i = v % nx;
      const here: Vec3 = [i, j, k];
      for (let a = 0; a < 3; a++) {
        min[a] = Math.min(min[a], here[a]);
        max[a] = Math.max(max[a], here[a]);
      }
      for (let dk = -1; dk <= 1; dk++)
        for (let dj = -1; dj <= 1; dj++)
          for (let di = -1; di <= 1; di++) {
            const [ii, jj, kk] = [i + di, j + dj, k + dk];
            if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= study.dims[2]) continue;
            const w = kk * n + jj * nx + ii;
            if (marked.has(w) && !seen.has(w)) {
              seen.add(w);
              stack.push(w);
            }
          }
    }
    boxes.push({ min, max });
  }
  const first = listRois(app.db, studyId).length;
  const rois: NewRoi[] = boxes.map((b, c) => ({
    studyId,
    label: `nodule ${first + c + 1} (raters)`,
    center: [Math.round((b.min[0] + b.max[0]) / 2), Math.round((b.min[1] + b.max[1]) / 2), Math.round((b.min[2] + b.max[2]) / 2)],
    slices: [b.min[2], b.max[2]],
    window,
    source: 'raters',
  }));
  return insertRois(app.db, rois, actor);
}

// ---------- LUNA16 nodule lists ----------

const LUNA_COLUMNS = ['seriesuid', 'coordX', 'coordY', 'coordZ', 'diameter_mm'] as const;

function seriesUIDOf(study: StudyRecord): string | null {
  return (study.sourceMeta as { dicom?: DicomSeriesMeta }).dicom?.seriesInstanceUID ?? null;
}

/**
 * A CSV in LUNA16's layout: world coordinates in mm (patient LPS, as SimpleITK reads the scans). Each row goes to the
 * study whose SeriesInstanceUID it names, or every row to `studyId` when given. All rows become ROIs in one
 * transaction; rows for series not in the store are reported, not guessed at.
 */
export function importRoiCsv(app: AppContext, file: string, studyId: number | null, actor: string) {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new ApiError('not_found', `${file}: no such file`);
  }
  if (size > MAX_CSV_BYTES) throw new ApiError('bad_input', `${file}: ${size} bytes is too large for a nodule list`);
  let records: Record<string, string>[];
  try {
    records = parseCsv(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (e) {
    throw new ApiError('bad_input', `${file}: not a readable CSV (${(e as Error).message})`);
  }
  const header = records.length ? Object.keys(records[0]) : [];
  const missing = LUNA_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) throw new ApiError('bad_input', `${file}: needs the LUNA16 columns ${LUNA_COLUMNS.join(',')}; missing ${missing.join(', ')}`);
  const target = studyId === null ? null : getStudy(app.db, studyId);
  const bySeries = new Map<string, StudyRecord>();
  if (!target)
    for (const s of listStudies(app.db)) {
      const record = getStudy(app.db, s.id);
      const uid = seriesUIDOf(record);
      if (uid) bySeries.set(uid, record);
    }
  const skipped: { line: number; reason: string }[] = [];
  const made: NewRoi[] = [];
  const counts = new Map<number, number>();
  records.forEach((r, i) => {
    const line = i + 2; // the header is line 1
    const study = target ?? bySeries.get(r.seriesuid);
    if (!study) return skipped.push({ line, reason: `no study in the store has SeriesInstanceUID ${r.seriesuid}` });
    const world = [r.coordX, r.coordY, r.coordZ].map(Number) as Vec3;
    const diameter = Number(r.diameter_mm);
    if (world.some((v) => !Number.isFinite(v)) || !(diameter > 0)) return skipped.push({ line, reason: 'coordX, coordY, coordZ and diameter_mm must be numbers, the diameter positive' });
    try {
      const index = (counts.get(study.id) ?? listRois(app.db, study.id).length) + 1;
      made.push(roiAtWorld(study, world, diameter, windowPlanFor(app, study).size, 'csv', `nodule ${index} (${diameter.toFixed(1)} mm)`));
      counts.set(study.id, index);
    } catch (e) {
      skipped.push({ line, reason: (e as Error).message });
    }
  });
  return { rois: insertRois(app.db, made, actor), skipped };
}

export const roiHandlers: HandlerGroup<'roi.list' | 'roi.add' | 'roi.update' | 'roi.delete' | 'roi.fromRaters' | 'roi.importCsv'> = {
  'roi.list': ({ studyId }, app) => {
    getStudy(app.db, studyId);
    return listRois(app.db, studyId);
  },
  'roi.add': (req, app, call) => addRoi(app, req, `roi (${call.transport})`),
  'roi.update': (req, app, call) => changeRoi(app, req, `roi (${call.transport})`),
  'roi.delete': ({ roiId }, app, call) => {
    deleteRoi(app.db, roiId, `roi (${call.transport})`);
    return { ok: true as const };
  },
  'roi.fromRaters': ({ studyId }, app, call) => roisFromRaters(app, studyId, `roi (${call.transport})`),
  'roi.importCsv': ({ path, studyId }, app, call) => importRoiCsv(app, path, studyId, `roi (${call.transport})`),
};
