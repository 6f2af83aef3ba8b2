import { gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../testing/paths';
import { encodeNifti, parseNifti, readNiftiFile } from './nifti';

const CT = path.join(SHARED_DATA, 'volumes', 'chest-abdomen-ct.nii.gz');
const LIDC = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0', 'image.nii.gz');

describe('NIfTI', () => {
  it('reads a real int32 CT in Hounsfield units with its affine turned into LPS geometry', () => {
    const { volume, meta } = readNiftiFile(CT);
    expect(volume.dims).toEqual([122, 101, 112]);
    expect(volume.dtype).toBe('int32');
    expect(volume.intensity).toBe('HU');
    expect(volume.spacing).toEqual([3, 3, 3]);
    // srow_x = [3 0 0 -177.956...]: RAS x -> LPS x flips sign.
    expect(volume.origin[0]).toBeCloseTo(177.956, 2);
    expect(volume.origin[1]).toBeCloseTo(-11.319, 2);
    expect(volume.origin[2]).toBeCloseTo(94.3018, 3);
    expect(volume.direction).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(meta.sformCode).toBeGreaterThan(0);
    let min = Infinity;
    let max = -Infinity;
    for (const v of volume.data) [min, max] = [Math.min(min, v), Math.max(max, v)];
    expect(min).toBeLessThanOrEqual(-1000); // air
    expect(max).toBeGreaterThan(200); // bone
  });

  it('reads a LIDC crop as windowed uint8 in (column, row, slice) order', () => {
    const { volume } = readNiftiFile(LIDC, 'windowed');
    expect(volume.dims).toEqual([128, 128, 9]);
    expect(volume.dtype).toBe('uint8');
    // Independent read of voxel (i=40, j=70, k=3): header is 352 bytes, x fastest.
    const raw = gunzipSync(readFileSync(LIDC));
    expect(volume.data[40 + 70 * 128 + 3 * 128 * 128]).toBe(raw[352 + 40 + 70 * 128 + 3 * 128 * 128]);
  });

  it('writes a file that reads back to the same voxels and the original affine', () => {
    const { volume, meta } = readNiftiFile(CT);
    const again = parseNifti('round-trip', gunzipSync(encodeNifti(volume, volume.data, volume.dtype, meta)));
    expect(again.meta.affine).toEqual(meta.affine);
    expect(again.volume.origin).toEqual(volume.origin);
    expect(Buffer.from(again.volume.data.buffer).equals(Buffer.from(volume.data.buffer))).toBe(true);
  });

  it('names the file and the problem for a truncated gzip, a bogus header and short data', () => {
    const dir = tempDir();
    const whole = readFileSync(CT);
    const truncated = path.join(dir, 'truncated.nii.gz');
    writeFileSync(truncated, whole.subarray(0, whole.length / 2));
    expect(() => readNiftiFile(truncated)).toThrow(new RegExp(`${truncated}: the gzip stream is truncated or corrupt`));

    const bogus = path.join(dir, 'bogus.nii');
    writeFileSync(bogus, Buffer.alloc(400, 7));
    expect(() => readNiftiFile(bogus)).toThrow(/bogus.nii: not a NIfTI-1 file/);

    const raw = gunzipSync(whole);
    const short = path.join(dir, 'short.nii.gz');
    writeFileSync(short, gzipSync(raw.subarray(0, 352 + 1000)));
    expect(() => readNiftiFile(short)).toThrow(/short.nii.gz: the image data ends early/);

    const badType = Buffer.from(raw);
    badType.writeInt16LE(128, 70); // RGB24
    const rgb = path.join(dir, 'rgb.nii');
    writeFileSync(rgb, badType);
    expect(() => readNiftiFile(rgb)).toThrow(/rgb.nii: has datatype 128, which is not supported/);

    expect(() => readNiftiFile(path.join(dir, 'missing.nii'))).toThrow(/missing.nii: no such file/);
  });
});
