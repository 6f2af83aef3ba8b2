/** A CT (or other cross-sectional) series → a Volume in LPS with Hounsfield units, plus what SEG export needs. */
import path from 'node:path';
import { ApiError } from '../../../shared/errors';
import { defaultWindow, type Geometry, type Volume, type Window } from '../../../shared/volume';
import { seriesIdentityOf, sopClassUIDOf, sopInstanceUIDOf } from './identity';
import { checkGeometry, checkVoxelCount } from '../limits';
import { readDicomFile, type DicomFile } from './parse';
import { readStoredValues } from './pixels';
import { PATIENT_STUDY_KEYWORDS, type DicomSeriesInfo, type DicomSeriesMeta, type PatientStudyKeyword } from './types';
import { num, nums, str } from './values';

export interface DicomSeriesRead {
  volume: Volume;
  meta: DicomSeriesMeta;
  /** Missing slices, irregular spacing, derived UIDs: things the user should hear about. */
  warnings: string[];
}

type Vec3 = [number, number, number];

const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a: Vec3) => Math.hypot(a[0], a[1], a[2]);

/** Positions closer than this along the normal are the same slice. */
const SAME_POSITION_MM = 0.01;

export async function readDicomSeries(input: string[] | DicomSeriesInfo): Promise<DicomSeriesRead> {
  const paths = Array.isArray(input) ? input : input.files;
  if (paths.length === 0) throw new ApiError('bad_input', 'readDicomSeries: no files given.');
  const warnings: string[] = [];
  const name = (f: DicomFile) => path.basename(f.path);
  const files = withoutCopies(
    // Headers first (to sort and check), pixels one slice at a time: a long series never sits in memory twice.
    paths.map((p) => readDicomFile(p, { headerOnly: true })),
    warnings,
  );
  const first = files[0];

  const seriesUIDs = new Set(files.map((f) => str(f.dataset, 'SeriesInstanceUID')));
  if (seriesUIDs.size > 1) {
    throw new ApiError('bad_input', `${path.dirname(first.path)}: the files belong to ${seriesUIDs.size} different series; import them as separate series.`);
  }

  const rows = num(first.dataset, 'Rows') ?? 0;
  const columns = num(first.dataset, 'Columns') ?? 0;
  const iop = nums(first.dataset, 'ImageOrientationPatient');
  const pixelSpacing = nums(first.dataset, 'PixelSpacing');
  for (const f of files) {
    const ds = f.dataset;
    if (nums(ds, 'ImagePositionPatient').length !== 3 || nums(ds, 'ImageOrientationPatient').length !== 6) {
      throw new ApiError('bad_input', `${name(f)}: has no ImagePositionPatient/ImageOrientationPatient, so it cannot be placed in a volume.`);
    }
    if (num(ds, 'Rows') !== rows || num(ds, 'Columns') !== columns) {
      throw new ApiError('bad_input', `${name(f)}: is ${num(ds, 'Columns')}x${num(ds, 'Rows')} while ${name(first)} is ${columns}x${rows}; a series must have one slice size.`);
    }
    for (const key of ['ImagePositionPatient', 'ImageOrientationPatient', 'PixelSpacing', 'RescaleSlope', 'RescaleIntercept']) {
      const values = nums(ds, key);
      if (values.some((v) => !Number.isFinite(v))) throw new ApiError('bad_input', `${name(f)}: its ${key} (${values.join('\\')}) holds a value that is not a finite number.`);
    }
    if (!nearlyEqual(nums(ds, 'ImageOrientationPatient'), iop, 1e-4)) {
      throw new ApiError('bad_input', `${name(f)}: its orientation differs from ${name(first)}; a series must have one slice orientation.`);
    }
    if (!nearlyEqual(nums(ds, 'PixelSpacing'), pixelSpacing, 1e-4)) {
      throw new ApiError('bad_input', `${name(f)}: its pixel spacing differs from ${name(first)}.`);
    }
  }
  if (rows === 0 || columns === 0) throw new ApiError('bad_input', `${name(first)}: has no image size (Rows/Columns).`);
  if (pixelSpacing.length !== 2) warnings.push('The series has no PixelSpacing; 1 mm is assumed.');
  const [rowSpacing, columnSpacing] = pixelSpacing.length === 2 ? pixelSpacing : [1, 1];

  const rowDir = unit(iop.slice(0, 3) as Vec3);
  const colDir = unit(iop.slice(3, 6) as Vec3);
  const normal = unit(cross(rowDir, colDir));
  const positioned = files
    .map((f) => ({ file: f, ipp: nums(f.dataset, 'ImagePositionPatient') as Vec3 }))
    .map((s) => ({ ...s, d: dot(s.ipp, normal) }))
    .sort((a, b) => a.d - b.d);

  for (let k = 1; k < positioned.length; k++) {
    if (positioned[k].d - positioned[k - 1].d < SAME_POSITION_MM) {
      throw new ApiError(
        'bad_input',
        `${name(positioned[k].file)} and ${name(positioned[k - 1].file)} lie at the same position (${positioned[k].d.toFixed(2)} mm along the slice normal); the series holds duplicate slices.`,
      );
    }
  }
  const sliceSpacing = spacingAlongNormal(positioned, first, warnings);
  const drift = Math.max(...positioned.map((s) => norm(sub(sub(s.ipp, positioned[0].ipp), scale(normal, s.d - positioned[0].d)))));
  if (drift > 0.01 * Math.min(rowSpacing, columnSpacing) + 1e-3) {
    warnings.push(`Slice origins drift ${drift.toFixed(2)} mm sideways across the series (gantry tilt?); the volume ignores the drift.`);
  }

  const nx = columns;
  const ny = rows;
  const nz = positioned.length;
  const geometry: Geometry = {
    dims: [nx, ny, nz],
    spacing: [columnSpacing, rowSpacing, sliceSpacing],
    origin: positioned[0].ipp,
    direction: [rowDir[0], colDir[0], normal[0], rowDir[1], colDir[1], normal[1], rowDir[2], colDir[2], normal[2]],
  };
  const where = path.dirname(first.path);
  checkVoxelCount(where, geometry.dims);
  checkGeometry(where, geometry);
  const hu = new HuBuffer(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    const f = positioned[k].file;
    const stored = await readStoredValues(readDicomFile(f.path));
    const slope = num(f.dataset, 'RescaleSlope') ?? 1;
    const intercept = num(f.dataset, 'RescaleIntercept') ?? 0;
    hu.setSlice(k * nx * ny, stored, slope, intercept);
  }

  const identity = seriesIdentityOf(files);
  for (const key of identity.derived) {
    warnings.push(`The files carry no ${key}; a stable one was derived from the instances (${key === 'SeriesInstanceUID' ? identity.seriesInstanceUID : identity.studyInstanceUID}).`);
  }
  const modality = str(first.dataset, 'Modality');
  const intensity = modality === 'CT' ? 'HU' : 'raw';
  const data = hu.result();
  const volume: Volume = {
    ...geometry,
    dtype: data instanceof Int16Array ? 'int16' : 'float32',
    data,
    intensity,
    window: storedWindow(positioned[0].file) ?? defaultWindow(intensity),
  };

  const meta: DicomSeriesMeta = {
    studyInstanceUID: identity.studyInstanceUID,
    seriesInstanceUID: identity.seriesInstanceUID,
    frameOfReferenceUID: str(first.dataset, 'FrameOfReferenceUID'),
    modality,
    seriesNumber: num(first.dataset, 'SeriesNumber') ?? null,
    seriesDescription: str(first.dataset, 'SeriesDescription'),
    patientStudy: Object.fromEntries(PATIENT_STUDY_KEYWORDS.map((k) => [k, str(first.dataset, k)])) as Record<PatientStudyKeyword, string>,
    rows,
    columns,
    pixelSpacing: [rowSpacing, columnSpacing],
    imageOrientationPatient: iop as DicomSeriesMeta['imageOrientationPatient'],
    sliceThickness: num(first.dataset, 'SliceThickness') ?? null,
    spacingBetweenSlices: sliceSpacing,
    instances: positioned.map((s) => {
      const uid = sopInstanceUIDOf(s.file);
      if (!uid) throw new ApiError('bad_input', `${name(s.file)}: has no SOPInstanceUID.`);
      return { sopInstanceUID: uid, sopClassUID: sopClassUIDOf(s.file), imagePositionPatient: s.ipp, instanceNumber: num(s.file.dataset, 'InstanceNumber') ?? null };
    }),
  };
  if (!meta.frameOfReferenceUID) warnings.push('The series has no FrameOfReferenceUID; SEG objects cannot be matched to it by frame of reference.');
  return { volume, meta, warnings };
}

/** The same instance stored twice (a copy in another folder) is one slice, not a duplicate position. */
function withoutCopies(files: DicomFile[], warnings: string[]): DicomFile[] {
  const seen = new Map<string, DicomFile>();
  return files.filter((f) => {
    const uid = sopInstanceUIDOf(f);
    const earlier = uid ? seen.get(uid) : undefined;
    if (earlier) {
      warnings.push(`${f.path} is another copy of instance ${uid} (${earlier.path}); it was read once.`);
      return false;
    }
    if (uid) seen.set(uid, f);
    return true;
  });
}

/** The median step between sorted slices; gaps and irregular steps become warnings. */
function spacingAlongNormal(positioned: Array<{ file: DicomFile; d: number }>, first: DicomFile, warnings: string[]): number {
  if (positioned.length === 1) {
    return num(first.dataset, 'SpacingBetweenSlices') ?? num(first.dataset, 'SliceThickness') ?? 1;
  }
  const steps = positioned.slice(1).map((s, i) => s.d - positioned[i].d);
  // The lower median: with one gap among two steps, the regular step is the smaller one.
  const median = [...steps].sort((a, b) => a - b)[Math.floor((steps.length - 1) / 2)];
  const tolerance = Math.max(0.01, 0.01 * median);
  const irregular: string[] = [];
  steps.forEach((step, i) => {
    const between = `${path.basename(positioned[i].file.path)} and ${path.basename(positioned[i + 1].file.path)}`;
    const missing = Math.round(step / median) - 1;
    if (missing >= 1 && Math.abs(step - (missing + 1) * median) <= Math.max(tolerance, 0.1 * median)) {
      warnings.push(
        `${missing} slice(s) missing between ${between} (a ${step.toFixed(2)} mm gap where slices are ${median.toFixed(2)} mm apart); the volume closes the gap.`,
      );
    } else if (Math.abs(step - median) > tolerance) {
      irregular.push(`${step.toFixed(2)} mm between ${between}`);
    }
  });
  if (irregular.length > 0) {
    warnings.push(`Inconsistent slice spacing (the volume uses ${median.toFixed(2)} mm): ${irregular.slice(0, 3).join('; ')}${irregular.length > 3 ? `; and ${irregular.length - 3} more` : ''}.`);
  }
  return median;
}

function storedWindow(file: DicomFile): Window | undefined {
  const level = num(file.dataset, 'WindowCenter');
  const width = num(file.dataset, 'WindowWidth');
  return level !== undefined && width !== undefined && width > 0 ? { level, width } : undefined;
}

/** Rescaled values go to Int16 while they fit (integral and in range), else the whole volume becomes Float32. */
class HuBuffer {
  private data: Int16Array | Float32Array;

  constructor(length: number) {
    this.data = new Int16Array(length);
  }

  setSlice(offset: number, stored: Int32Array, slope: number, intercept: number): void {
    if (this.data instanceof Int16Array && !fitsInt16(stored, slope, intercept)) this.data = Float32Array.from(this.data);
    const data = this.data;
    for (let i = 0; i < stored.length; i++) data[offset + i] = stored[i] * slope + intercept;
  }

  result(): Int16Array | Float32Array {
    return this.data;
  }
}

function fitsInt16(stored: Int32Array, slope: number, intercept: number): boolean {
  if (!Number.isInteger(slope) || !Number.isInteger(intercept)) return false;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < stored.length; i++) {
    const v = stored[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const a = min * slope + intercept;
  const b = max * slope + intercept;
  return Math.min(a, b) >= -32768 && Math.max(a, b) <= 32767;
}

function unit(v: Vec3): Vec3 {
  const n = norm(v);
  return n > 0 ? [v[0] / n, v[1] / n, v[2] / n] : v;
}

function scale(v: Vec3, s: number): Vec3 {
  return [v[0] * s, v[1] * s, v[2] * s];
}

function nearlyEqual(a: number[], b: number[], tolerance: number): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
}
