import { describe, expect, it } from 'vitest';
import { summarize } from './aggregate';

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
