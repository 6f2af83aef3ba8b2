import { describe, expect, it } from 'vitest';
import { fillHoles, keepLargest, removeIslands } from './cleanup';
import { signedDistance, squaredDistanceTo } from './distance';
import { interpolateSlices } from './interpolate';
import { closestSample, frequencyBands, withinRange } from './model';

/** A mask from rows of '#' (on) and '.' (off). */
function grid(...rows: string[]): Uint8Array {
  return Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0));
}
const show = (m: Uint8Array, w: number) => Array.from({ length: m.length / w }, (_, y) => [...m.subarray(y * w, (y + 1) * w)].map((v) => (v ? '#' : '.')).join(''));

function disc(w: number, h: number, cx: number, cy: number, r: number): Uint8Array {
  return Uint8Array.from({ length: w * h }, (_, p) => ((p % w) - cx) ** 2 + (Math.floor(p / w) - cy) ** 2 <= r * r ? 1 : 0);
}
const area = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

describe('distance transform', () => {
  it('is the exact squared Euclidean distance to the nearest seed', () => {
    const w = 9;
    const h = 7;
    const seeds = [3, 40, 61];
    const d = squaredDistanceTo(w, h, (p) => seeds.includes(p));
    for (let p = 0; p < w * h; p++) {
      const brute = Math.min(...seeds.map((s) => ((s % w) - (p % w)) ** 2 + (Math.floor(s / w) - Math.floor(p / w)) ** 2));
      expect(d[p]).toBe(brute);
    }
  });

  it('is signed: negative inside, positive outside, half a pixel at the boundary', () => {
    const m = grid('.....', '.###.', '.###.', '.###.', '.....');
    const d = signedDistance(m, 5, 5);
    expect(d[12]).toBeCloseTo(-1.5);
    expect(d[6]).toBeCloseTo(-0.5);
    expect(d[0]).toBeCloseTo(Math.SQRT2 - 0.5);
    expect(d[2]).toBeCloseTo(0.5);
  });
});

describe('interpolateSlices', () => {
  const w = 32;
  const h = 32;
  it('gives nothing for no keys or one key', () => {
    const masks = [disc(w, h, 16, 16, 5), null, null];
    expect(interpolateSlices(masks, w, h, []).size).toBe(0);
    expect(interpolateSlices(masks, w, h, [0]).size).toBe(0);
  });

  it('gives nothing between adjacent keys, or towards an empty key', () => {
    const masks = [disc(w, h, 16, 16, 5), disc(w, h, 16, 16, 5), null, new Uint8Array(w * h)];
    expect(interpolateSlices(masks, w, h, [0, 1]).size).toBe(0);
    expect(interpolateSlices(masks, w, h, [1, 3]).size).toBe(0);
  });

  it('grows a disc linearly in radius between a small and a large key', () => {
    const masks = [disc(w, h, 16, 16, 3), null, null, null, disc(w, h, 16, 16, 11)];
    const filled = interpolateSlices(masks, w, h, [4, 0]);
    expect([...filled.keys()]).toEqual([1, 2, 3]);
    for (const [k, m] of filled) {
      const expected = disc(w, h, 16, 16, 3 + 2 * k);
      let differ = 0;
      for (let p = 0; p < m.length; p++) if (m[p] !== expected[p]) differ++;
      expect(differ / area(expected)).toBeLessThan(0.1);
    }
  });

  it('moves a drifting disc instead of shrinking it to the overlap', () => {
    const masks = [disc(w, h, 10, 16, 4), null, disc(w, h, 22, 16, 4)];
    const middle = interpolateSlices(masks, w, h, [0, 2]).get(1)!;
    expect(area(middle)).toBe(area(disc(w, h, 16, 16, 4)));
    expect(middle[16 + 16 * w]).toBe(1);
  });

  it('fills each gap of several keys and ignores keys outside the stack', () => {
    const masks = [disc(w, h, 16, 16, 4), null, disc(w, h, 16, 16, 4), null, null, disc(w, h, 16, 16, 4)];
    expect([...interpolateSlices(masks, w, h, [5, 0, 2, 2, 9, -1]).keys()]).toEqual([1, 3, 4]);
  });
});

describe('clean-up', () => {
  const m = grid('##.....', '##..#..', '......#', '.###...', '.#.#...', '.###...');
  it('removes islands smaller than N pixels (4-connected)', () => {
    expect(show(removeIslands(m, 7, 6, 4), 7)).toEqual(['##.....', '##.....', '.......', '.###...', '.#.#...', '.###...']);
    expect(show(removeIslands(m, 7, 6, 1), 7)).toEqual(show(m, 7));
  });
  it('keeps the largest component', () => {
    expect(show(keepLargest(m, 7, 6), 7)).toEqual(['.......', '.......', '.......', '.###...', '.#.#...', '.###...']);
    expect(area(keepLargest(new Uint8Array(12), 4, 3))).toBe(0);
  });
  it('fills holes but not background that reaches the border', () => {
    expect(show(fillHoles(m, 7, 6), 7)).toEqual(['##.....', '##..#..', '......#', '.###...', '.###...', '.###...']);
    const open = grid('###', '#.#', '#..');
    expect(show(fillHoles(open, 3, 3), 3)).toEqual(['###', '#.#', '#..']);
  });
});

describe('starting from the model', () => {
  it('finds the sample closest to the mask by Dice', () => {
    const mask = grid('##..', '##..');
    const samples = [grid('....', '..##'), grid('###.', '##..'), grid('##..', '#...')];
    expect(closestSample(samples, mask)).toEqual({ index: 1, dice: 8 / 9 });
    expect(closestSample([], mask)).toBeNull();
  });
  it('counts the frequency levels each pixel reaches, bounds included', () => {
    expect([...frequencyBands(Float32Array.from([1, 9 / 10, 0.5, 0.49, 1 / 10, 0.05, 0]))]).toEqual([3, 3, 2, 1, 1, 0, 0]);
    expect([...frequencyBands([0.3, 0.7], [0.25])]).toEqual([1, 1]);
  });
  it('marks pixels inside an intensity range, bounds included', () => {
    expect([...withinRange(Int16Array.from([-1000, -300, 0, 200, 201]), -300, 200)]).toEqual([0, 1, 1, 1, 0]);
  });
});

describe('interpolateSlices with several pieces', () => {
  const w = 48;
  const h = 32;
  const union = (a: Uint8Array, b: Uint8Array) => a.map((v, i) => v | b[i]);
  it('never blends two different nodules drawn on distant slices', () => {
    const masks = [disc(w, h, 10, 16, 4), null, null, disc(w, h, 38, 16, 4)];
    expect(interpolateSlices(masks, w, h, [0, 3]).size).toBe(0);
  });
  it('interpolates two nodules on the same keys each with its own partner', () => {
    const masks = [union(disc(w, h, 10, 16, 4), disc(w, h, 38, 16, 3)), null, union(disc(w, h, 12, 16, 4), disc(w, h, 38, 16, 5))];
    const middle = interpolateSlices(masks, w, h, [0, 2]).get(1)!;
    expect(area(middle)).toBe(area(union(disc(w, h, 11, 16, 4), disc(w, h, 38, 16, 4))));
    expect(middle[24 + 16 * w]).toBe(0); // nothing between them
  });
});
