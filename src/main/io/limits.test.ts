import { describe, expect, it } from 'vitest';
import { MAX_PNG_PIXELS, MAX_VOXELS, checkGeometry, checkVoxelCount } from './limits';

describe('import limits', () => {
  it('takes a 512 x 512 x 1,500-slice CT and refuses a volume past 512 x 512 x 2,048 voxels', () => {
    expect(() => checkVoxelCount('ct.nii.gz', [512, 512, 1500])).not.toThrow();
    expect(() => checkVoxelCount('ct.nii.gz', [512, 512, 2048])).not.toThrow();
    expect(() => checkVoxelCount('ct.nii.gz', [512, 512, 2049])).toThrow(/ct\.nii\.gz: declares 512x512x2049 = 537,133,056 voxels, more than the 536,870,912 an import takes/);
    // Counted in floating point: dimensions whose product overflows 32 bits are still refused.
    expect(() => checkVoxelCount('wide.dcm', [65535, 65535, 65535])).toThrow(/more than the 536,870,912/);
    expect(MAX_VOXELS).toBe(2 ** 29);
    expect(MAX_PNG_PIXELS).toBe(8192 * 8192);
  });

  it('refuses non-finite or non-positive spacing, non-finite origin and degenerate orientation', () => {
    const ok = { dims: [2, 2, 2] as [number, number, number], spacing: [1, 1, 2] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number] };
    expect(() => checkGeometry('a', ok)).not.toThrow();
    expect(() => checkGeometry('a', { ...ok, spacing: [1, 0, 1] })).toThrow(/a: its voxel spacing \(1, 0, 1\) must be positive/);
    expect(() => checkGeometry('a', { ...ok, origin: [0, Infinity, 0] })).toThrow(/a: its origin \(0, Infinity, 0\) holds a value that is not a finite number/);
    expect(() => checkGeometry('a', { ...ok, direction: [1, 0, 0, 0, 0, 0, 0, 0, 1] })).toThrow(/a: its orientation axis 1 has length 0/);
  });
});
