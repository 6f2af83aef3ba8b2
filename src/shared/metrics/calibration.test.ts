import { describe, expect, it } from 'vitest';
import { calibrationMetrics, ciOf, type CalibrationMetrics } from './calibration';
import { referenceCalibration } from './reference';
import { blobFamily, seededRandom } from './synthetic';

const m = (...bits: number[]) => Uint8Array.from(bits);
const KEYS = ['sncc', 'dmax', 'sc', 'da', 'ci', 'ged'] as const;

function expectMetrics(actual: CalibrationMetrics, expected: CalibrationMetrics, digits = 12) {
  for (const key of KEYS) {
    const e = expected[key];
    if (e === null) expect(actual[key], key).toBeNull();
    else expect(actual[key], key).toBeCloseTo(e, digits);
  }
}

describe('calibrationMetrics: hand-computed cases', () => {
  it('a mixed case: two samples, two overlapping raters', () => {
    // Dice s1/y1 = 1, s2/y1 = 2/3, s1/y2 = 1/2, s2/y2 = 0 -> Dmax = (1 + 1/2) / 2.
    // Sc: union of raters {0,1,2}, union of samples {0,1} -> 2/3.
    // Da: V_s = 1/3, V_y = 1/2 -> 1 - (1/6 + 1/6) / 2 = 5/6. CI = 3 (2/3)(3/4)(5/6) / (2/3 + 3/4 + 5/6) = 5/9.
    // GED²: E d(s,y) = (0 + 2/3 + 1/2 + 1) / 4, E d(s,s') = (2 * 1/2) / 4, E d(y,y') = (2 * 2/3) / 4 -> 1/2.
    // NCC: the error map of y1 equals the uncertainty map (1); for y2 the maps are affine images of
    // [0,1,0,0] and [1,1/2,1,0], whose correlation is -1/sqrt(33).
    const r = calibrationMetrics([m(1, 1, 0, 0), m(1, 0, 0, 0)], [m(1, 1, 0, 0), m(0, 1, 1, 0)]);
    expectMetrics(r, { dmax: 0.75, sc: 2 / 3, da: 5 / 6, ci: 5 / 9, ged: 0.5, sncc: (1 - 1 / Math.sqrt(33)) / 2 }, 8);
    expect(r.ncc[0]).toBeCloseTo(1, 8);
    expect(r.ncc[1]).toBeCloseTo(-1 / Math.sqrt(33), 8);
    expect(r.bestDice).toEqual([1, 0.5]);
    expect(r.gedTerms!.sampleRater).toBeCloseTo(13 / 24, 15);
  });

  it('all masks empty: perfect agreement, and SNCC undefined because the uncertainty map is constant', () => {
    const e = () => m(0, 0, 0, 0);
    const r = calibrationMetrics([e(), e()], [e(), e(), e()]);
    expectMetrics(r, { dmax: 1, sc: 1, da: 1, ci: 1, ged: 0, sncc: null });
    expect(r.ncc).toEqual([null, null, null]);
  });

  it('one rater empty: no sample matches it, the raters disagree completely, the samples not at all', () => {
    const s = () => m(1, 1, 0, 0);
    const r = calibrationMetrics([s(), s()], [m(1, 1, 0, 0), m(0, 0, 0, 0)]);
    // Dmax (1 + 0)/2; Sc 1; V_s = 0, V_y = 1 -> Da 0; CI 0; GED² = 2 * 1/2 - 0 - 1/2.
    expectMetrics(r, { dmax: 0.5, sc: 1, da: 0, ci: 0, ged: 0.5, sncc: null });
  });

  it('identical samples: the uncertainty map is constant, so every NCC and SNCC are null', () => {
    const s = () => m(0, 1, 1, 0, 0, 0);
    const r = calibrationMetrics([s(), s(), s()], [m(0, 1, 1, 1, 0, 0), m(0, 1, 0, 0, 0, 0)]);
    expect(r.ncc).toEqual([null, null]);
    expect(r.sncc).toBeNull();
    expect(r.dmax).toBeCloseTo((0.8 + 2 / 3) / 2, 15);
    expect(r.sc).toBeCloseTo(2 / 3, 15); // the raters' union {1,2,3}, the samples cover {1,2}
  });

  it('a single sample: Da and CI undefined (no pairs of samples), the rest defined', () => {
    const r = calibrationMetrics([m(1, 1, 0, 0)], [m(1, 0, 0, 0), m(1, 1, 1, 0)]);
    expect(r.da).toBeNull();
    expect(r.ci).toBeNull();
    expect(r.sncc).toBeNull(); // one binary sample is never uncertain
    expect(r.dmax).toBeCloseTo((2 / 3 + 0.8) / 2, 15);
    expect(r.sc).toBeCloseTo(2 / 3, 15);
    // E d(s,y) = (1/2 + 1/3) / 2, E d(s,s') = 0, E d(y,y') = (2 * 2/3) / 4.
    expect(r.ged).toBeCloseTo(5 / 6 - 1 / 3, 15);
  });

  it('a single rater: Da and CI undefined, Dmax against that rater', () => {
    const r = calibrationMetrics([m(1, 1, 0, 0), m(1, 0, 0, 0)], [m(1, 0, 0, 0)]);
    expect(r.da).toBeNull();
    expect(r.ci).toBeNull();
    expect(r.dmax).toBe(1);
    expect(r.ncc[0]).toBeCloseTo(1, 8);
  });

  it('disjoint masks: Dmax 0, Sc 0, Da 1 (both sides equally diverse), CI 0, GED² 1, no correlation', () => {
    const r = calibrationMetrics([m(1, 0, 0, 0), m(0, 1, 0, 0)], [m(0, 0, 1, 0), m(0, 0, 0, 1)]);
    expectMetrics(r, { dmax: 0, sc: 0, da: 1, ci: 0, ged: 1, sncc: 0 }, 8);
  });

  it('Sc is undefined when the raters mark nothing but the samples do, and CI with it', () => {
    const r = calibrationMetrics([m(1, 0, 0), m(1, 1, 0)], [m(0, 0, 0), m(0, 0, 0)]);
    expect(r.sc).toBeNull();
    expect(r.ci).toBeNull();
    expect(r.dmax).toBe(0);
    expect(r.da).toBeCloseTo(1 - (1 / 3 + 1 / 3) / 2, 15);
  });

  it('without samples or without raters nothing is defined', () => {
    expectMetrics(calibrationMetrics([], [m(1, 0)]), { sncc: null, dmax: null, sc: null, da: null, ci: null, ged: null });
    expectMetrics(calibrationMetrics([m(1, 0)], []), { sncc: null, dmax: null, sc: null, da: null, ci: null, ged: null });
  });

  it('refuses masks of different sizes', () => {
    expect(() => calibrationMetrics([m(1, 0)], [m(1, 0, 0)])).toThrow(RangeError);
  });

  it('CI follows eq. 22, not the harmonic mean, and is 0 when all its parts are', () => {
    expect(ciOf(0.5, 0.8, 0.9)).toBeCloseTo((3 * 0.5 * 0.8 * 0.9) / 2.2, 15);
    expect(ciOf(0, 0, 0)).toBe(0);
    expect(ciOf(null, 1, 1)).toBeNull();
  });
});

describe('calibrationMetrics: properties on seeded random lesions', () => {
  const random = seededRandom(2026);
  const cases = Array.from({ length: 25 }, () => {
    const family = blobFamily(48, 40, 10, random, 0.15);
    return { samples: family.slice(0, 6), raters: family.slice(6) };
  });

  it('equals the straightforward implementation of the definitions', () => {
    for (const { samples, raters } of cases) expectMetrics(calibrationMetrics(samples, raters), referenceCalibration(samples, raters), 9);
  });

  it('GED² >= 0, and 0 when the samples are the raters', () => {
    for (const { samples, raters } of cases) {
      expect(calibrationMetrics(samples, raters).ged).toBeGreaterThanOrEqual(0);
      expect(calibrationMetrics(raters, raters).ged).toBeCloseTo(0, 12);
    }
  });

  it('is invariant to the order of the samples and of the raters', () => {
    for (const { samples, raters } of cases) {
      const shuffled = [...samples].sort(() => random() - 0.5);
      expectMetrics(calibrationMetrics(shuffled, [...raters].reverse()), calibrationMetrics(samples, raters), 12);
    }
  });

  it('keeps every defined value in its range', () => {
    for (const { samples, raters } of cases) {
      const r = calibrationMetrics(samples, raters);
      for (const key of ['dmax', 'sc', 'da', 'ci'] as const) {
        if (r[key] === null) continue;
        expect(r[key]).toBeGreaterThanOrEqual(0);
        expect(r[key]).toBeLessThanOrEqual(1);
      }
      if (r.sncc !== null) expect(Math.abs(r.sncc)).toBeLessThanOrEqual(1);
    }
  });
});
