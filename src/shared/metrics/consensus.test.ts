import { describe, expect, it } from 'vitest';
import { calibrationMetrics } from './calibration';
import { majorityVote, staple } from './consensus';
import { dice } from './overlap';
import { blob, noiseMask, seededRandom } from './synthetic';

describe('majorityVote', () => {
  it('keeps a pixel marked by more than half of the raters; a tie goes to background', () => {
    const raters = [Uint8Array.of(1, 1, 1, 0, 0), Uint8Array.of(1, 1, 0, 0, 0), Uint8Array.of(1, 1, 0, 0, 0), Uint8Array.of(1, 0, 1, 1, 0)];
    // votes: 4, 3, 2, 1, 0
    expect([...majorityVote(raters)]).toEqual([1, 1, 0, 0, 0]);
    expect([...majorityVote(raters.slice(0, 3))]).toEqual([1, 1, 0, 0, 0]);
  });
});

describe('staple', () => {
  const width = 64;
  const height = 64;
  const random = seededRandom(42);
  const truth = blob(width, height, 30, 34, 12, random, 1);

  it('ranks a noisy rater below three agreeing ones and recovers the truth', () => {
    const noise = noiseMask(truth.length, 0.08, random);
    const noisy = truth.map((v, i) => v ^ noise[i]);
    const result = staple([truth, truth.slice(), truth.slice(), noisy]);
    expect(result.converged).toBe(true);
    expect([...result.consensus]).toEqual([...truth]);
    const [s0, s1, s2, s3] = result.sensitivity as number[];
    const [p0, p1, p2, p3] = result.specificity as number[];
    expect(s0).toBeCloseTo(1, 6);
    expect(s1).toBeCloseTo(1, 6);
    expect(s2).toBeCloseTo(1, 6);
    expect(s3).toBeLessThan(0.97);
    expect(p3).toBeLessThan(0.97);
    expect(Math.min(p0, p1, p2)).toBeGreaterThan(0.999);
    // The noisy rater's estimated rates are the real ones it was given.
    let tp = 0;
    let positives = 0;
    for (let i = 0; i < truth.length; i++) if (truth[i]) {
      positives++;
      tp += noisy[i];
    }
    expect(s3).toBeCloseTo(tp / positives, 3);
  });

  it('gives an under-segmenting rater a lower sensitivity but full specificity', () => {
    const small = blob(width, height, 30, 34, 8, random, 1);
    const result = staple([truth, truth, truth, small]);
    const sensitivity = result.sensitivity as number[];
    expect(sensitivity[3]).toBeLessThan(0.6);
    expect(sensitivity[3]).toBeGreaterThan(0.3);
    expect(result.specificity[3]).toBeGreaterThan(0.999);
    expect(dice(result.consensus, truth)).toBe(1);
  });

  it('with all raters empty: empty consensus, specificity 1, sensitivity undefined', () => {
    const empty = new Uint8Array(100);
    const result = staple([empty, empty]);
    expect(result.consensus.every((v) => v === 0)).toBe(true);
    expect(result.sensitivity).toEqual([null, null]);
    expect(result.specificity).toEqual([1, 1]);
  });

  it('with raters split 2 against 2 leans on who agrees with the rest elsewhere', () => {
    const a = blob(width, height, 30, 34, 10, random, 1);
    const wide = blob(width, height, 30, 34, 13, random, 1);
    // Three raters draw the small lesion, one the wide one: the rim belongs to background.
    const result = staple([a, a, a, wide]);
    expect(dice(result.consensus, a)).toBe(1);
    expect((result.sensitivity as number[])[3]).toBeCloseTo(1, 6);
    expect(result.specificity[3]).toBeLessThan(result.specificity[0]!);
  });

  it('lets the samples be scored against the consensus like a rater', () => {
    const result = staple([truth, truth, truth]);
    const r = calibrationMetrics([truth, truth], [result.consensus]);
    expect(r.dmax).toBe(1);
    expect(r.ged).toBe(0);
  });

  it('refuses no raters and raters of different sizes', () => {
    expect(() => staple([])).toThrow(RangeError);
    expect(() => staple([new Uint8Array(3), new Uint8Array(4)])).toThrow(RangeError);
  });
});
