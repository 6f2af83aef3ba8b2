import { describe, expect, it } from 'vitest';
import { blobFamily, seededRandom } from './synthetic';
import { CE_EPS, crossEntropy, errorMap, meanMask, uncertaintyMap } from './uncertainty';

const A = -Math.log(CE_EPS); // CE of a confident wrong prediction, ≈ 18.42
const B = -Math.log(1 - CE_EPS); // CE of a confident right prediction, ≈ 1e-8

describe('crossEntropy', () => {
  it('clips the prediction to [eps, 1 - eps] and uses the natural log', () => {
    expect(crossEntropy(0, 1)).toBeCloseTo(18.420680743952367, 12);
    // 1 - (1 - eps) is not exactly eps in floating point, so the mirrored case differs in the 9th digit.
    expect(crossEntropy(1, 0)).toBeCloseTo(A, 7);
    expect(crossEntropy(1, 1)).toBeCloseTo(1e-8, 15);
    expect(crossEntropy(0.5, 0.5)).toBeCloseTo(Math.LN2, 12);
    expect(crossEntropy(0.25, 1)).toBeCloseTo(Math.log(4), 12);
  });
});

describe('uncertaintyMap', () => {
  it('is E_s[CE(s, mean)]: about -ln(eps)/2 where two samples split, about 0 where they agree', () => {
    const u = uncertaintyMap([Uint8Array.of(1, 1, 0), Uint8Array.of(1, 0, 0)]);
    expect(u).toBeInstanceOf(Float32Array);
    expect(u[0]).toBeCloseTo(B, 12);
    expect(u[1]).toBeCloseTo((A + B) / 2, 5);
    expect(u[2]).toBeCloseTo(B, 12);
  });

  it('of 4 samples with one marking a pixel is 2 m (1 - m) ln(1/eps) + (m² + (1 - m)²) ln(1/(1 - eps)), m = 1/4', () => {
    const u = uncertaintyMap([Uint8Array.of(1), Uint8Array.of(0), Uint8Array.of(0), Uint8Array.of(0)]);
    const m = 0.25;
    expect(u[0]).toBeCloseTo(2 * m * (1 - m) * A + (m * m + (1 - m) * (1 - m)) * B, 5);
  });

  it('matches the per-pixel definition on random samples, and treats any nonzero byte as lesion', () => {
    const random = seededRandom(7);
    const samples = blobFamily(40, 30, 9, random).map((s) => s.map((v) => v * 255));
    const u = uncertaintyMap(samples);
    const mean = meanMask(samples.map((s) => s.map((v) => (v ? 1 : 0))));
    for (let i = 0; i < u.length; i++) {
      let expected = 0;
      for (const s of samples) expected += crossEntropy(s[i] ? 1 : 0, mean[i]) / samples.length;
      expect(u[i]).toBeCloseTo(expected, 4);
    }
  });

  it('refuses no samples and samples of different sizes', () => {
    expect(() => uncertaintyMap([])).toThrow(RangeError);
    expect(() => uncertaintyMap([new Uint8Array(4), new Uint8Array(5)])).toThrow(/samples\[1\] has 5 pixels/);
  });
});

describe('errorMap', () => {
  it('is E_s[CE(s, rater)]: the fraction of samples contradicting the rater times ln(1/eps)', () => {
    const e = errorMap([Uint8Array.of(1, 1, 0, 0), Uint8Array.of(1, 0, 0, 0)], Uint8Array.of(0, 1, 1, 0));
    expect(e[0]).toBeCloseTo(A, 5);
    expect(e[1]).toBeCloseTo((A + B) / 2, 5);
    expect(e[2]).toBeCloseTo(A, 5);
    expect(e[3]).toBeCloseTo(B, 12);
  });

  it('refuses a rater mask of another size', () => {
    expect(() => errorMap([new Uint8Array(4)], new Uint8Array(3))).toThrow(RangeError);
  });
});
