import { describe, expect, it } from 'vitest';
import { presenceIndicators, summarize } from './aggregate';

describe('summarize', () => {
  it('takes mean and population std over the defined values and counts the undefined ones', () => {
    const s = summarize([1, null, 3, null]);
    expect(s).toEqual({ mean: 2, std: 1, count: 2, undefinedCount: 2 });
  });

  it('has no mean when nothing is defined', () => {
    expect(summarize([null])).toEqual({ mean: null, std: null, count: 0, undefinedCount: 1 });
    expect(summarize([])).toEqual({ mean: null, std: null, count: 0, undefinedCount: 0 });
  });

  it('refuses NaN: undefined values must arrive as null', () => {
    expect(() => summarize([1, Number.NaN])).toThrow(RangeError);
  });
});

describe('presenceIndicators', () => {
  it('is -1 for a model whose empty samples follow the raters, with each group at its ideal', () => {
    const rows = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4].map((n) => ({ ratersMarked: n, emptySamples: (16 * (4 - n)) / 4 }));
    const p = presenceIndicators(rows, 16);
    expect(p.correlation).toBeCloseTo(-1, 12);
    expect(p.emptyByRaters[1]).toEqual({ raters: 1, slices: 2, meanEmpty: 12, ideal: 12 });
  });

  it('is undefined, not 0, for a model blind to the image (the same empties everywhere), and for empty groups', () => {
    const p = presenceIndicators([0, 1, 2, 3, 4].map((n) => ({ ratersMarked: n, emptySamples: 7 })), 16);
    expect(p.correlation).toBeNull();
    expect(presenceIndicators([{ ratersMarked: 4, emptySamples: 3 }], 16).emptyByRaters[0].meanEmpty).toBeNull();
  });

  it('matches numpy on an uneven example', () => {
    // np.corrcoef([0, 1, 4, 4, 2], [16, 9, 1, 5, 6])[0, 1]
    const rows = [[0, 16], [1, 9], [4, 1], [4, 5], [2, 6]].map(([ratersMarked, emptySamples]) => ({ ratersMarked, emptySamples }));
    expect(presenceIndicators(rows, 16).correlation).toBeCloseTo(-0.909273, 5);
  });
});
