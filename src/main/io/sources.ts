/**
 * What `import` understands, behind one function: paths in, studies (volume + rater masks) out.
 * Layouts: a LIDC nodule folder (image.nii.gz + rater-R.nii.gz), a PNG case folder (image.png + rater-R.png),
 * any NIfTI volume, DICOM series and SEG objects, and any folder or tree holding those.
 * Reading is lazy so that a large tree streams through one transaction instead of sitting in memory; DICOM is
 * found here and read by dicom-sources.ts (its decoders are asynchronous).
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors';
import { IDENTITY_DIRECTION, defaultWindow, sliceLength } from '../../shared/volume';
import type { NewStudy } from '../domain';
import { scanDicomFolder, type DicomScan } from './dicom';
import { readNiftiFile } from './nifti';
import { readPngGray, readPngMask } from './png';

export interface RaterVolume {
  raterName: string;
  /** 0/1 per voxel, same layout as the study volume. */
  mask: Uint8Array;
}

export interface ImportedStudy extends NewStudy {
  raters: RaterVolume[];
}

export interface ImportItem {
  path: string;
  kind: NewStudy['source'];
  load(): ImportedStudy;
}

export interface Discovery {
  items: ImportItem[];
  /** DICOM series and SEG objects found, read later (asynchronously) by dicom-sources.ts. */
  dicom: Pick<DicomScan, 'series' | 'segs'>;
  skipped: { path: string; reason: string }[];
}

const RATER_FILE = /^rater-(\d+)\.(nii\.gz|nii|png)$/;
const isNifti = (name: string) => /\.nii(\.gz)?$/i.test(name);

/** A Part-10 DICOM file has "DICM" after its 128-byte preamble; many are named without an extension. */
function isDicomFile(file: string): boolean {
  if (/\.dcm$/i.test(file)) return true;
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 128) === 4 && magic.toString('latin1') === 'DICM';
  } finally {
    closeSync(fd);
  }
}

/** The name a LIDC rater file becomes: rater-0 is "LIDC reader 1". */
export const lidcRaterName = (index: number) => `LIDC reader ${index + 1}`;

function bad(file: string, problem: string): never {
  throw new ApiError('bad_input', `${file}: ${problem}`);
}

export function discover(paths: string[]): Discovery {
  const found: Discovery = { items: [], dicom: { series: [], segs: [] }, skipped: [] };
  const count = () => found.items.length + found.dicom.series.reduce((n, s) => n + s.files.length, 0) + found.dicom.segs.length;
  for (const p of paths) {
    const abs = path.resolve(p);
    const before = count();
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      bad(abs, 'no such file or folder');
    }
    if (stat.isDirectory()) walk(abs, found);
    else if (!stat.isFile()) bad(abs, 'is not a regular file (a device, pipe or socket cannot be imported)');
    else if (isNifti(abs)) found.items.push(niftiItem(abs));
    else if (isDicomFile(abs)) addDicom(abs, found);
    else bad(abs, 'is not a NIfTI or DICOM file, nor a folder of studies');
    if (count() === before) bad(abs, 'holds no images that can be imported (expected NIfTI volumes, DICOM series, LIDC nodule folders or PNG case folders)');
  }
  return found;
}

function walk(dir: string, found: Discovery): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  if (names.has('image.nii.gz') || names.has('image.nii')) {
    found.items.push(caseItem(dir, names.has('image.nii.gz') ? 'image.nii.gz' : 'image.nii', 'lidc'));
    return;
  }
  if (names.has('image.png')) {
    found.items.push(caseItem(dir, 'image.png', 'png'));
    return;
  }
  if (entries.some((e) => e.isFile() && isDicomFile(path.join(dir, e.name)))) {
    addDicom(dir, found); // the DICOM scan takes the whole subtree
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, found);
    else if (e.isFile() && isNifti(e.name)) found.items.push(niftiItem(full));
    else if (e.isFile()) found.skipped.push({ path: full, reason: 'not an image this import understands' });
  }
}

/** Truncated or malformed DICOM files fail the import (all or nothing) instead of being dropped quietly. */
function addDicom(root: string, found: Discovery): void {
  const scan = scanDicomFolder(root);
  if (scan.broken.length) bad(scan.broken[0].path, scan.broken[0].reason.replace(/^.*?: /, ''));
  for (const series of scan.series) {
    // Files of one series named one by one arrive as several scans: they are still one series.
    const same = found.dicom.series.find((s) => s.seriesInstanceUID === series.seriesInstanceUID);
    if (same) same.files.push(...series.files.filter((f) => !same.files.includes(f)));
    else found.dicom.series.push(series);
  }
  found.dicom.segs.push(...scan.segs);
  found.skipped.push(...scan.skipped);
}

function niftiItem(file: string): ImportItem {
  return {
    path: file,
    kind: 'nifti',
    load: () => {
      const { volume, meta } = readNiftiFile(file);
      const notes = volume.intensity === 'raw' ? ['intensities are not Hounsfield units; the window was set from the data type'] : [];
      return { name: path.basename(file).replace(/\.nii(\.gz)?$/i, ''), patientId: null, source: 'nifti', sourcePath: file, volume, sourceMeta: { nifti: meta }, notes, raters: [] };
    },
  };
}

/** A folder whose parent is the patient: LIDC-IDRI-0001/nodule-0 is patient LIDC-IDRI-0001, nodule 0. */
function caseItem(dir: string, imageName: string, kind: 'lidc' | 'png'): ImportItem {
  return { path: dir, kind, load: () => (kind === 'lidc' ? loadLidcNodule(dir, imageName) : loadPngCase(dir)) };
}

function raterFiles(dir: string, ext: RegExp): { index: number; file: string }[] {
  return readdirSync(dir)
    .map((name) => ({ name, m: RATER_FILE.exec(name) }))
    .filter((x) => x.m && ext.test(x.name))
    .map((x) => ({ index: Number(x.m![1]), file: path.join(dir, x.name) }))
    .sort((a, b) => a.index - b.index);
}

function loadLidcNodule(dir: string, imageName: string): ImportedStudy {
  const imageFile = path.join(dir, imageName);
  const { volume, meta } = readNiftiFile(imageFile, 'windowed');
  const raters = raterFiles(dir, /\.nii(\.gz)?$/).map(({ index, file }) => {
    const r = readNiftiFile(file, 'windowed').volume;
    if (r.dims.some((d, i) => d !== volume.dims[i])) bad(file, `mask is ${r.dims.join('x')} but its image ${imageFile} is ${volume.dims.join('x')}`);
    const mask = new Uint8Array(r.data.length);
    for (let i = 0; i < mask.length; i++) mask[i] = r.data[i] ? 1 : 0;
    return { raterName: lidcRaterName(index), mask };
  });
  const patient = path.basename(path.dirname(dir));
  // The crops were cut from axial DICOM images and resampled upstream: their spacing is unknown (voxel units) and
  // their NIfTI affine is a placeholder identity. Displayed as they were cut, columns run to the patient's left
  // and rows to posterior: DICOM's own axial convention. Export writes the file's affine back unchanged.
  volume.direction = IDENTITY_DIRECTION;
  volume.origin = [0, 0, 0];
  volume.window = defaultWindow('windowed');
  return {
    name: `${patient} ${path.basename(dir)}`,
    patientId: patient,
    source: 'lidc',
    sourcePath: dir,
    volume,
    sourceMeta: { nifti: meta },
    notes: ['LIDC-IDRI crop: intensities are windowed to 0..255 (not Hounsfield units) and the pixel spacing is unknown'],
    raters,
  };
}

function loadPngCase(dir: string): ImportedStudy {
  const imageFile = path.join(dir, 'image.png');
  const img = readPngGray(imageFile);
  const raters = raterFiles(dir, /\.png$/).map(({ index, file }) => {
    const m = readPngMask(file);
    if (m.width !== img.width || m.height !== img.height) bad(file, `mask is ${m.width}x${m.height} but its image ${imageFile} is ${img.width}x${img.height}`);
    return { raterName: lidcRaterName(index), mask: m.data };
  });
  const volume = {
    dims: [img.width, img.height, 1] as [number, number, number],
    spacing: [1, 1, 1] as [number, number, number],
    origin: [0, 0, 0] as [number, number, number],
    direction: IDENTITY_DIRECTION,
    dtype: 'uint8' as const,
    data: img.data,
    intensity: 'windowed' as const,
    window: defaultWindow('windowed'),
  };
  if (sliceLength(volume) !== img.data.length) bad(imageFile, 'pixel count does not match its size');
  return {
    name: `${path.basename(path.dirname(dir))} ${path.basename(dir)}`,
    patientId: null,
    source: 'png',
    sourcePath: dir,
    volume,
    sourceMeta: {},
    notes: ['PNG case: 8-bit windowed intensities, pixel spacing unknown'],
    raters,
  };
}
