import { describe, expect, it } from 'vitest';
import { dice, iou, meanOffDiagonal, pairwiseDice, popcount32, toWords } from './overlap';
import { referenceDice, referenceIou } from './reference';
import { blobFamily, noiseMask, seededRandom } from './synthetic';

describe('dice and iou', () => {
  it('match hand-computed values', () => {
    const a = Uint8Array.of(1, 1, 0, 0);
    const b = Uint8Array.of(1, 0, 1, 0);
    expect(dice(a, b)).toBeCloseTo(0.5, 15);
    expect(iou(a, b)).toBeCloseTo(1 / 3, 15);
    expect(dice(a, a)).toBe(1);
    expect(iou(a, a)).toBe(1);
  });

  it('count two empty masks as perfect agreement and empty against non-empty as none', () => {
    const empty = new Uint8Array(70);
    const one = new Uint8Array(70);
    one[69] = 1;
    expect(dice(empty, empty)).toBe(1);
    expect(iou(empty, empty)).toBe(1);
    expect(dice(empty, one)).toBe(0);
    expect(iou(one, empty)).toBe(0);
  });

  it('are 0 for disjoint masks', () => {
    expect(dice(Uint8Array.of(1, 0), Uint8Array.of(0, 1))).toBe(0);
    expect(iou(Uint8Array.of(1, 0), Uint8Array.of(0, 1))).toBe(0);
  });

  it('are symmetric and equal the straightforward definition on random masks of awkward lengths', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 40; trial++) {
      const length = 1 + Math.floor(random() * 300);
      const a = noiseMask(length, random(), random);
      const b = noiseMask(length, random(), random);
      expect(dice(a, b)).toBe(dice(b, a));
      expect(iou(a, b)).toBe(iou(b, a));
      expect(dice(a, b)).toBeCloseTo(referenceDice(a, b), 12);
      expect(iou(a, b)).toBeCloseTo(referenceIou(a, b), 12);
    }
  });

  it('refuse masks of different sizes', () => {
    expect(() => dice(new Uint8Array(3), new Uint8Array(4))).toThrow(RangeError);
  });
});

describe('bit packing', () => {
  it('popcount32 counts the set bits of any 32-bit word', () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
    expect(popcount32(0b1011_0110)).toBe(5);
  });

  it('toWords keeps the area, including a partial last word', () => {
    const mask = noiseMask(101, 0.4, seededRandom(3));
    expect(toWords(mask).area).toBe(mask.reduce((s, v) => s + v, 0));
  });
});

describe('pairwiseDice', () => {
  it('is symmetric with a null diagonal, and its mean runs over distinct pairs', () => {
    const masks = [Uint8Array.of(1, 1, 0, 0), Uint8Array.of(1, 0, 1, 0), Uint8Array.of(0, 0, 0, 0)];
    const m = pairwiseDice(masks);
    expect(m).toEqual([
      [null, 0.5, 0],
      [0.5, null, 0],
      [0, 0, null],
    ]);
    expect(meanOffDiagonal(m)).toBeCloseTo(0.5 / 3, 15);
    expect(meanOffDiagonal(pairwiseDice([masks[0]]))).toBeNull();
  });

  it('agrees with dice() on blobs', () => {
    const masks = blobFamily(64, 64, 5, seededRandom(5));
    const m = pairwiseDice(masks);
    for (let i = 0; i < masks.length; i++) for (let j = 0; j < masks.length; j++) if (i !== j) expect(m[i][j]).toBe(dice(masks[i], masks[j]));
  });
});
