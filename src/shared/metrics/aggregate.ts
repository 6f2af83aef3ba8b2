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

/** One slice as the presence indicators see it: how many raters marked it, and how many of its samples are empty. */
export interface PresenceRow {
  ratersMarked: number;
  emptySamples: number;
}

/**
 * Does the model see whether there is a nodule (issue 13)? `correlation`: Pearson's r over slices between the raters
 * who marked a slice and its empty samples (a model that sees the nodule: near -1; null when either is constant).
 * `emptyByRaters[n]`: mean empty samples over the slices n of four raters marked, against the ideal N (4 - n) / 4.
 * The twin of training/caldiff/validation.py's `presence`.
 */
export function presenceIndicators(rows: readonly PresenceRow[], samples: number) {
  const n = rows.length;
  const mean = (f: (r: PresenceRow) => number) => rows.reduce((s, r) => s + f(r), 0) / n;
  const mr = mean((r) => r.ratersMarked);
  const me = mean((r) => r.emptySamples);
  let cov = 0;
  let vr = 0;
  let ve = 0;
  for (const r of rows) {
    cov += (r.ratersMarked - mr) * (r.emptySamples - me);
    vr += (r.ratersMarked - mr) ** 2;
    ve += (r.emptySamples - me) ** 2;
  }
  const correlation = n > 0 && vr > 0 && ve > 0 ? cov / Math.sqrt(vr * ve) : null;
  const emptyByRaters = [0, 1, 2, 3, 4].map((raters) => {
    const group = rows.filter((r) => r.ratersMarked === raters);
    return {
      raters,
      slices: group.length,
      meanEmpty: group.length ? group.reduce((s, r) => s + r.emptySamples, 0) / group.length : null,
      ideal: (samples * (4 - raters)) / 4,
    };
  });
  return { correlation, emptyByRaters };
}
