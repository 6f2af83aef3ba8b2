/** How arrays are laid into BLOBs: deflated raw little-endian bytes (every supported platform is little-endian). */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { voxelArrayOf, type VoxelArray, type VoxelType } from '../../shared/volume';

export function deflateArray(a: ArrayBufferView): Buffer {
  return deflateRawSync(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), { level: 6 });
}

export function inflateBytes(blob: Buffer): Uint8Array {
  const raw = inflateRawSync(blob);
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength).slice();
}

export function inflateFloat32(blob: Buffer): Float32Array {
  const bytes = inflateBytes(blob);
  return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
}

export function inflateVoxels(blob: Buffer, dtype: VoxelType, length: number): VoxelArray {
  const bytes = inflateBytes(blob);
  const out = voxelArrayOf(dtype, length);
  if (bytes.byteLength !== out.byteLength) throw new Error(`stored slice holds ${bytes.byteLength} bytes, expected ${out.byteLength}`);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
