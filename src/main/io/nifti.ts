/**
 * NIfTI-1 reading and writing (.nii and .nii.gz). The affine the file carries is kept verbatim so that exported
 * masks line up with the input in any other tool; the volume's LPS geometry is derived from it.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ApiError } from '../../shared/errors';
import { checkGeometry, checkVoxelCount, inflateBounded, inflatePrefix, readBytes, regularFileSize } from './limits';
import { defaultWindow, voxelArrayOf, type Geometry, type Intensity, type Volume, type VoxelArray, type VoxelType } from '../../shared/volume';

const HEADER_SIZE = 348;
const DATA_OFFSET = 352;

/** NIfTI datatype codes we read, and the voxel type each becomes (wider types become float32). */
const DATATYPES: Record<number, { name: string; bytes: number; read: (v: DataView, at: number, le: boolean) => number; as: VoxelType }> = {
  2: { name: 'uint8', bytes: 1, read: (v, at) => v.getUint8(at), as: 'uint8' },
  4: { name: 'int16', bytes: 2, read: (v, at, le) => v.getInt16(at, le), as: 'int16' },
  8: { name: 'int32', bytes: 4, read: (v, at, le) => v.getInt32(at, le), as: 'int32' },
  16: { name: 'float32', bytes: 4, read: (v, at, le) => v.getFloat32(at, le), as: 'float32' },
  256: { name: 'int8', bytes: 1, read: (v, at) => v.getInt8(at), as: 'int16' },
  512: { name: 'uint16', bytes: 2, read: (v, at, le) => v.getUint16(at, le), as: 'int32' },
  64: { name: 'float64', bytes: 8, read: (v, at, le) => v.getFloat64(at, le), as: 'float32' },
};

/** What export needs to write a file that overlays the original exactly. */
export interface NiftiSourceMeta {
  /** Row-major 4x4 voxel-to-RAS affine as the file states it. */
  affine: number[];
  qformCode: number;
  sformCode: number;
  quatern: number[]; // b, c, d, qx, qy, qz, qfac
  pixdim: number[];
  xyztUnits: number;
}

export interface NiftiImage {
  volume: Volume;
  meta: NiftiSourceMeta;
}

function fail(file: string, problem: string): never {
  throw new ApiError('bad_input', `${file}: ${problem}`);
}

/** What the 348-byte header declares, checked: enough to bound the read before any voxel is allocated. */
interface NiftiHeader {
  le: boolean;
  dims: [number, number, number];
  type: (typeof DATATYPES)[number];
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: number[];
  srow: number[];
  xyztUnits: number;
  /** Bytes the file must hold: header, extensions and every voxel. */
  need: number;
}

/** Trailing bytes a compressed file may inflate to beyond its declared voxels (padding some writers add). */
const INFLATE_ALLOWANCE = 1024 * 1024;

export function readNiftiFile(file: string, intensity?: Intensity): NiftiImage {
  const size = regularFileSize(file);
  const head = readBytes(file, 0, 64 * 1024);
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const header = parseHeader(file, gzipped ? inflatePrefix(head, 'gzip') : head);
  if (!gzipped) {
    if (size < header.need) fail(file, `the image data ends early: ${size - header.voxOffset} bytes of voxels, expected ${header.need - header.voxOffset}`);
    return decode(file, header, readBytes(file, 0, header.need), intensity);
  }
  if (size > header.need * 1.01 + INFLATE_ALLOWANCE) fail(file, `is ${size.toLocaleString('en')} bytes compressed, more than the ${header.need.toLocaleString('en')} bytes its header declares`);
  const what = `${header.dims.join('x')} ${header.type.name} voxels after ${header.voxOffset} header bytes`;
  return decode(file, header, inflateBounded(file, readFileSync(file), 'gzip', header.need, INFLATE_ALLOWANCE, what), intensity);
}

export function parseNifti(file: string, bytes: Uint8Array, intensity?: Intensity): NiftiImage {
  return decode(file, parseHeader(file, bytes), bytes, intensity);
}

function parseHeader(file: string, bytes: Uint8Array): NiftiHeader {
  if (bytes.byteLength < HEADER_SIZE) fail(file, bytes.byteLength === 0 ? 'the gzip stream is truncated or corrupt' : `too short for a NIfTI header (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = view.getInt32(0, true) === HEADER_SIZE;
  if (!le && view.getInt32(0, false) !== HEADER_SIZE) fail(file, 'not a NIfTI-1 file (header size field is not 348)');
  const magic = String.fromCharCode(...bytes.subarray(344, 347));
  if (magic !== 'n+1' && magic !== 'ni1') fail(file, `not a NIfTI-1 file (magic "${magic}")`);
  if (magic === 'ni1') fail(file, 'is a two-file (.hdr/.img) NIfTI pair; convert it to a single .nii');

  const dim = Array.from({ length: 8 }, (_, i) => view.getInt16(40 + 2 * i, le));
  const ndim = dim[0];
  if (ndim < 2 || ndim > 7) fail(file, `has ${ndim} dimensions in its header; expected 2 to 7`);
  const [nx, ny] = [dim[1], dim[2]];
  const nz = ndim >= 3 ? dim[3] : 1;
  for (let d = 4; d <= ndim; d++) if (dim[d] > 1) fail(file, `is ${ndim}-dimensional (dim ${d} = ${dim[d]}); only 2-D and 3-D images can be opened`);
  if (nx < 1 || ny < 1 || nz < 1) fail(file, `has invalid dimensions ${nx}x${ny}x${nz}`);
  checkVoxelCount(file, [nx, ny, nz]);

  const code = view.getInt16(70, le);
  const type = DATATYPES[code];
  if (!type) fail(file, `has datatype ${code}, which is not supported (uint8, int16, int32, float32, int8, uint16, float64)`);
  const bitpix = view.getInt16(72, le);
  if (bitpix !== type.bytes * 8) fail(file, `header says ${bitpix} bits per voxel but datatype ${type.name} has ${type.bytes * 8}`);

  const floats = (at: number, n: number) => Array.from({ length: n }, (_, i) => view.getFloat32(at + 4 * i, le));
  const pixdim = floats(76, 8);
  const rawOffset = view.getFloat32(108, le);
  const [sclSlope, sclInter] = floats(112, 2);
  const qformCode = view.getInt16(252, le);
  const sformCode = view.getInt16(254, le);
  const quatern = floats(256, 6);
  const srow = floats(280, 12);
  // NaN or infinity here would read header bytes as voxels, or reach the store as nulls.
  const finite = (name: string, values: number[]) => {
    if (values.some((v) => !Number.isFinite(v))) fail(file, `its ${name} (${values.join(', ')}) holds a value that is not a finite number`);
  };
  finite('vox_offset', [rawOffset]);
  finite('scl_slope/scl_inter', [sclSlope, sclInter]);
  finite('pixdim', pixdim);
  if (qformCode > 0) finite('qform quaternion', quatern);
  if (sformCode > 0) finite('sform (srow_x/y/z)', srow);
  if (rawOffset < 0) fail(file, `its vox_offset ${rawOffset} is negative`);
  const voxOffset = Math.max(DATA_OFFSET, Math.round(rawOffset));
  const need = voxOffset + nx * ny * nz * type.bytes;
  return { le, dims: [nx, ny, nz], type, pixdim, voxOffset, sclSlope, sclInter, qformCode, sformCode, quatern, srow, xyztUnits: view.getUint8(123), need };
}

function decode(file: string, h: NiftiHeader, bytes: Uint8Array, intensity?: Intensity): NiftiImage {
  const { le, type, voxOffset, sclSlope, sclInter, pixdim, quatern, qformCode, sformCode } = h;
  const [nx, ny, nz] = h.dims;
  const count = nx * ny * nz;
  if (bytes.byteLength < h.need) fail(file, `the image data ends early: ${bytes.byteLength - voxOffset} bytes of voxels, expected ${count * type.bytes}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const scaled = sclSlope !== 0 && (sclSlope !== 1 || sclInter !== 0);
  const dtype: VoxelType = scaled ? 'float32' : type.as;
  const data = voxelArrayOf(dtype, count);
  for (let i = 0, at = voxOffset; i < count; i++, at += type.bytes) {
    const v = type.read(view, at, le);
    data[i] = scaled ? v * sclSlope + sclInter : v;
  }
  if (dtype === 'float32') for (let i = 0; i < count; i++) if (!Number.isFinite(data[i])) fail(file, `voxel ${i} is not a finite number`);

  const qfac = pixdim[0] < 0 ? -1 : 1;
  const affine = sformCode > 0 ? [...h.srow, 0, 0, 0, 1] : qformCode > 0 ? qformAffine(quatern, pixdim, qfac) : scaleAffine(pixdim);
  const geometry = geometryFromRasAffine(affine, [nx, ny, nz]);
  checkGeometry(file, geometry);
  const kind = intensity ?? guessIntensity(data, dtype);
  return {
    volume: { ...geometry, dtype, data, intensity: kind, window: defaultWindow(kind) },
    meta: { affine, qformCode, sformCode, quatern: [...quatern, qfac], pixdim, xyztUnits: h.xyztUnits },
  };
}

/** CT in Hounsfield units has air near -1000; 8-bit data is taken as already windowed. */
function guessIntensity(data: VoxelArray, dtype: VoxelType): Intensity {
  if (dtype === 'uint8') return 'windowed';
  let min = Infinity;
  for (let i = 0; i < data.length; i += 7) if (data[i] < min) min = data[i];
  return min <= -900 && min >= -3100 ? 'HU' : 'raw';
}

function scaleAffine(pixdim: number[]): number[] {
  const s = (i: number) => (pixdim[i] > 0 ? pixdim[i] : 1);
  return [s(1), 0, 0, 0, 0, s(2), 0, 0, 0, 0, s(3), 0, 0, 0, 0, 1];
}

function qformAffine(q: number[], pixdim: number[], qfac: number): number[] {
  const [b, c, d, qx, qy, qz] = q;
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const s = [pixdim[1] || 1, pixdim[2] || 1, (pixdim[3] || 1) * qfac];
  return [
    r[0][0] * s[0], r[0][1] * s[1], r[0][2] * s[2], qx,
    r[1][0] * s[0], r[1][1] * s[1], r[1][2] * s[2], qy,
    r[2][0] * s[0], r[2][1] * s[1], r[2][2] * s[2], qz,
    0, 0, 0, 1,
  ];
}

/** NIfTI maps voxels to RAS; the app works in DICOM's LPS, which flips x and y. */
export function geometryFromRasAffine(affine: number[], dims: [number, number, number]): Geometry {
  const lps = (row: number, col: number) => (row < 2 ? -1 : 1) * affine[row * 4 + col] || 0; // || 0: no -0
  const spacing = [0, 1, 2].map((c) => Math.hypot(lps(0, c), lps(1, c), lps(2, c))) as Geometry['spacing'];
  const direction = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => lps(r, c) / spacing[c])) as Geometry['direction'];
  return { dims, spacing, origin: [lps(0, 3), lps(1, 3), lps(2, 3)], direction };
}

export function rasAffineFromGeometry(g: Geometry): number[] {
  const m: number[] = [];
  for (let r = 0; r < 3; r++) {
    const flip = r < 2 ? -1 : 1;
    for (let c = 0; c < 3; c++) m.push(flip * g.direction[r * 3 + c] * g.spacing[c]);
    m.push(flip * g.origin[r]);
  }
  return [...m, 0, 0, 0, 1];
}

const WRITE_CODES: Record<VoxelType, { code: number; bits: number }> = {
  uint8: { code: 2, bits: 8 },
  int16: { code: 4, bits: 16 },
  int32: { code: 8, bits: 32 },
  float32: { code: 16, bits: 32 },
};

/**
 * Writes a gzipped NIfTI-1 file. With `meta` (from the imported file) the original affine, qform and sform are
 * written back unchanged; otherwise the affine is derived from the geometry.
 */
export function encodeNifti(g: Geometry, data: VoxelArray, dtype: VoxelType, meta?: NiftiSourceMeta, description = 'CalDiff Workstation'): Uint8Array {
  const header = new ArrayBuffer(DATA_OFFSET);
  const v = new DataView(header);
  const affine = meta?.affine ?? rasAffineFromGeometry(g);
  v.setInt32(0, HEADER_SIZE, true);
  const dims = [3, g.dims[0], g.dims[1], g.dims[2], 1, 1, 1, 1];
  dims.forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  v.setInt16(70, WRITE_CODES[dtype].code, true);
  v.setInt16(72, WRITE_CODES[dtype].bits, true);
  const pixdim = meta?.pixdim ?? [1, g.spacing[0], g.spacing[1], g.spacing[2], 1, 1, 1, 1];
  pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setFloat32(108, DATA_OFFSET, true);
  v.setFloat32(112, 1, true); // scl_slope: values are stored as they are
  v.setUint8(123, meta?.xyztUnits ?? 2); // mm
  new Uint8Array(header, 148, 80).set(new TextEncoder().encode(description.slice(0, 79)));
  v.setInt16(252, meta?.qformCode ?? 0, true);
  v.setInt16(254, meta ? meta.sformCode || 2 : 2, true);
  (meta?.quatern ?? [0, 0, 0, 0, 0, 0]).slice(0, 6).forEach((q, i) => v.setFloat32(256 + 4 * i, q, true));
  for (let i = 0; i < 12; i++) v.setFloat32(280 + 4 * i, affine[i], true);
  new Uint8Array(header, 344, 4).set([0x6e, 0x2b, 0x31, 0]); // "n+1\0"
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(DATA_OFFSET + body.byteLength);
  out.set(new Uint8Array(header), 0);
  out.set(body, DATA_OFFSET);
  return gzipSync(out);
}
