import { describe, expect, test } from 'vitest';
import { resampleNearest } from './masks';

describe('masks', () => {
  test('nearest neighbour maps a mask onto another grid, and passes one of the same size through', () => {
    const mask = new Uint8Array([1, 0, 0, 1]); // 2x2
    expect([...resampleNearest(mask, 2, 2, 4, 2)]).toEqual([1, 1, 0, 0, 0, 0, 1, 1]);
    expect(resampleNearest(mask, 2, 2, 2, 2)).toBe(mask);
    expect(resampleNearest(new Float32Array([0.5, 1, 2, 3]), 2, 2, 1, 1)).toEqual(new Float32Array([3]));
  });
});
