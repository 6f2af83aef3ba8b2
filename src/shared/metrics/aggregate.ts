/** Summary of a metric over slices: mean and standard deviation over the defined values, with both counts. */
export interface Summary {
  mean: number | null;
  /** Population standard deviation (divides by the count), as numpy's default; 0 for a single value. */
  std: number | null;
  /** How many values were defined. */
  count: number;
  /** How many were null (undefined for that slice). */
  undefinedCount: number;
}

export function summarize(values: Iterable<number | null>): Summary {
  let count = 0;
  let undefinedCount = 0;
  let sum = 0;
  const defined: number[] = [];
  for (const v of values) {
    if (v === null) {
      undefinedCount++;
      continue;
    }
    if (!Number.isFinite(v)) throw new RangeError(`summarize got a non-finite value (${v}); undefined values must be null`);
    defined.push(v);
    sum += v;
    count++;
  }
  if (count === 0) return { mean: null, std: null, count, undefinedCount };
  const mean = sum / count;
  let squares = 0;
  for (const v of defined) squares += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(squares / count), count, undefinedCount };
}
