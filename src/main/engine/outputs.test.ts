import { describe, expect, test } from 'vitest';
import { dilate, LESION_MARGIN_PX, sliceOutputs } from './outputs';

const W = 8;
const H = 8;
/** A W x H mask with the given (x, y) pixels set. */
function mask(...pixels: [number, number][]): Uint8Array {
  const m = new Uint8Array(W * H);
  for (const [x, y] of pixels) m[y * W + x] = 1;
  return m;
}

describe('per-slice outputs from hand-made samples', () => {
  test('mean, uncertainty and entropy follow from how many samples mark a pixel', () => {
    // (1,1) marked by all 4 samples, (2,1) by 2 of 4, (3,1) by 1 of 4, everything else by none.
    const samples = [mask([1, 1], [2, 1], [3, 1]), mask([1, 1], [2, 1]), mask([1, 1]), mask([1, 1])];
    const out = sliceOutputs(samples, W, H);
    const at = (a: Float32Array, x: number, y: number) => a[y * W + x];
    expect(at(out.mean, 1, 1)).toBe(1);
    expect(at(out.mean, 2, 1)).toBe(0.5);
    expect(at(out.mean, 3, 1)).toBe(0.25);
    // E_s[CE(s, mean)], the sample being the prediction (clipped to [eps, 1 - eps]) and the mean the target:
    // a pixel that a fraction m of the samples mark gets 2 m (1 - m) ln((1 - eps) / eps).
    const eps = 1e-8;
    const ce = (m: number) => 2 * m * (1 - m) * Math.log((1 - eps) / eps);
    expect(at(out.uncertainty, 2, 1)).toBeCloseTo(ce(0.5), 4);
    expect(at(out.uncertainty, 3, 1)).toBeCloseTo(ce(0.25), 4);
    expect(at(out.uncertainty, 1, 1)).toBeLessThan(1e-6);
    expect(at(out.uncertainty, 6, 6)).toBeLessThan(1e-6);
    // the entropy of the mean is the other map: ln 2 at m = 1/2
    const h = (m: number) => -(m * Math.log(m) + (1 - m) * Math.log(1 - m));
    expect(at(out.entropy, 2, 1)).toBeCloseTo(h(0.5), 6);
    expect(at(out.entropy, 3, 1)).toBeCloseTo(h(0.25), 6);
    expect(at(out.entropy, 1, 1)).toBeLessThan(1e-6);
    expect(out.totalUncertainty).toBeCloseTo(ce(0.5) + ce(0.25), 3);
    expect(out.lesionUncertainty).toBeCloseTo(ce(0.5) + ce(0.25), 3);
    expect(out.score).toBe(out.lesionUncertainty);
    expect(out.meanArea).toBeCloseTo(1.75, 6);
    expect(out.samples).toEqual(samples);
  });

  test('an empty, confident slice scores 0 and ranks below an ambiguous lesion', () => {
    const empty = sliceOutputs([mask(), mask(), mask(), mask()], W, H);
    const confident = sliceOutputs([mask([4, 4]), mask([4, 4]), mask([4, 4]), mask([4, 4])], W, H);
    const ambiguous = sliceOutputs([mask([4, 4], [5, 4]), mask([4, 4]), mask(), mask([5, 5])], W, H);
    expect(empty.score).toBe(0);
    expect(confident.score).toBeLessThan(1e-5);
    expect(ambiguous.score).toBeGreaterThan(1);
  });

  test('uncertainty far from every sample does not count towards the lesion score', () => {
    const region = dilate(mask([0, 0]), W, H, LESION_MARGIN_PX);
    expect(region.reduce((a, b) => a + b, 0)).toBe((LESION_MARGIN_PX + 1) ** 2); // clipped at the corner
    expect(dilate(mask([4, 4]), W, H, 1).reduce((a, b) => a + b, 0)).toBe(9);
  });
});
