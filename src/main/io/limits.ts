/**
 * What an import accepts, checked before anything is allocated: a hostile or broken file gets one line naming it
 * and its problem, never gigabytes of memory. The numbers are documented in docs/architecture.md
 * ("Limits and failure behaviour").
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { constants, gunzipSync, inflateRawSync } from 'node:zlib';
import { ApiError } from '../../shared/errors';
import type { Geometry } from '../../shared/volume';

/** The largest volume an import takes: 512 x 512 x 2,048 voxels (a 1,500-slice CT fits). */
export const MAX_VOXELS = 512 * 512 * 2048;
/** The largest PNG image: 8,192 x 8,192 pixels, read from its IHDR before decoding. */
export const MAX_PNG_PIXELS = 8192 * 8192;
/** Room a deflated DICOM dataset may take beyond its declared pixel data (headers, sequences, padding). */
export const DICOM_METADATA_ALLOWANCE = 16 * 1024 * 1024;

function refuse(file: string, problem: string): never {
  throw new ApiError('bad_input', `${file}: ${problem}`);
}

/** Refuses a volume above MAX_VOXELS from its declared dimensions. */
export function checkVoxelCount(file: string, dims: readonly number[]): void {
  const count = dims.reduce((n, d) => n * d, 1);
  if (count > MAX_VOXELS) {
    refuse(file, `declares ${dims.join('x')} = ${count.toLocaleString('en')} voxels, more than the ${MAX_VOXELS.toLocaleString('en')} an import takes (512 x 512 x 2,048)`);
  }
}

/** The file's size; a device, a pipe or a folder (e.g. /dev/zero linked as x.nii) is refused. */
export function regularFileSize(file: string): number {
  let stat;
  try {
    stat = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    refuse(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (e as Error).message})`);
  }
  if (!stat.isFile()) refuse(file, 'is not a regular file (a device, pipe or folder cannot be imported)');
  return stat.size;
}

/** Up to `length` bytes from `position` of a file. */
export function readBytes(file: string, position: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const out = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, out, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return out.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * The start of a compressed stream: what the first `inputBytes` of it inflate to (at most ~1,000x as much), enough
 * to read the header that declares how large the whole must be.
 */
export function inflatePrefix(bytes: Uint8Array, kind: 'gzip' | 'raw', inputBytes = 16 * 1024): Buffer {
  const input = bytes.subarray(0, inputBytes);
  const options = { finishFlush: constants.Z_SYNC_FLUSH };
  try {
    return kind === 'gzip' ? gunzipSync(input, options) : inflateRawSync(input, options);
  } catch {
    return Buffer.alloc(0); // corrupt from the start: the full inflate reports it
  }
}

/**
 * Inflates a whole stream, refusing to produce more than the `declared` size plus `allowance` (a decompression
 * bomb stops there); `what` says what the header declared.
 */
export function inflateBounded(file: string, bytes: Uint8Array, kind: 'gzip' | 'raw', declared: number, allowance: number, what: string): Buffer {
  const limit = declared + allowance;
  try {
    return kind === 'gzip' ? gunzipSync(bytes, { maxOutputLength: limit }) : inflateRawSync(bytes, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      refuse(file, `inflates to more than ${limit.toLocaleString('en')} bytes, though its header declares ${declared.toLocaleString('en')} (${what}); refused as a decompression bomb`);
    }
    refuse(file, `the ${kind === 'gzip' ? 'gzip stream' : 'deflated data'} is truncated or corrupt (${(e as Error).message})`);
  }
}

/** Every geometry value finite, spacings positive and directions of unit length: else the store would be poisoned. */
export function checkGeometry(file: string, g: Geometry): void {
  const named: [string, readonly number[]][] = [['voxel spacing', g.spacing], ['origin', g.origin], ['orientation', g.direction]];
  for (const [name, values] of named) {
    if (values.some((v) => !Number.isFinite(v))) refuse(file, `its ${name} (${values.join(', ')}) holds a value that is not a finite number`);
    if (name === 'voxel spacing' && values.some((s) => !(s > 0))) refuse(file, `its voxel spacing (${values.join(', ')}) must be positive`);
  }
  for (let c = 0; c < 3; c++) {
    const length = Math.hypot(g.direction[c], g.direction[3 + c], g.direction[6 + c]);
    if (Math.abs(length - 1) > 1e-3) refuse(file, `its orientation axis ${c} has length ${length}, not 1 (a degenerate affine or orientation)`);
  }
}
