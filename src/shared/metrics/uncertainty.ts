/**
 * Pixel-wise uncertainty and error maps of a set of binary samples (Wang et al. 2026, Sec. III-D, after
 * Baumgartner et al. 2019):
 *
 *   CE(p, y)         = -[ y ln(clip(p)) + (1 - y) ln(1 - clip(p)) ],  clip(p) = min(max(p, eps), 1 - eps)
 *   uncertainty(x)   = mean over samples s of CE(s(x), mean(x))        mean = pixel-wise mean of the samples
 *   error_j(x)       = mean over samples s of CE(s(x), y_j(x))         y_j  = rater j's mask
 *
 * natural log, eps = 1e-8. The first argument of CE is the prediction (a binary sample), the second the target.
 *
 * Masks are unpacked: one byte per pixel, nonzero = lesion. Because every sample is binary, both maps depend on a
 * pixel only through k = how many of the N samples mark it (and, for the error map, the rater's bit), so they are
 * computed from a lookup table of N + 1 entries instead of N logarithms per pixel.
 */

import { checkMasks } from './shape';

export const CE_EPS = 1e-8;

/** Binary cross entropy of prediction p against target y, with p clipped to [eps, 1 - eps]. */
export function crossEntropy(p: number, y: number, eps = CE_EPS): number {
  const q = Math.min(Math.max(p, eps), 1 - eps);
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
}

/** Number of samples marking each pixel. */
export function sampleCounts(samples: readonly Uint8Array[]): Uint8Array | Uint16Array {
  const length = checkMasks(samples, 'samples');
  const counts = samples.length < 256 ? new Uint8Array(length) : new Uint16Array(length);
  for (const s of samples) {
    for (let i = 0; i < length; i++) if (s[i] !== 0) counts[i]++;
  }
  return counts;
}

/** uncertaintyByCount[k]: the uncertainty of a pixel that k of n samples mark. */
export function uncertaintyByCount(n: number, eps = CE_EPS): Float64Array {
  const table = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) {
    const mean = k / n;
    table[k] = (k * crossEntropy(1, mean, eps) + (n - k) * crossEntropy(0, mean, eps)) / n;
  }
  return table;
}

/**
 * errorByCount[2k + y]: the error of a pixel that k of n samples mark, against a rater whose bit is y.
 */
export function errorByCount(n: number, eps = CE_EPS): Float64Array {
  const table = new Float64Array(2 * (n + 1));
  for (let k = 0; k <= n; k++) {
    for (let y = 0; y <= 1; y++) table[2 * k + y] = (k * crossEntropy(1, y, eps) + (n - k) * crossEntropy(0, y, eps)) / n;
  }
  return table;
}

/** The uncertainty map E_s[CE(s, mean of samples)] of N >= 1 equal-length binary samples. */
export function uncertaintyMap(samples: readonly Uint8Array[], eps = CE_EPS): Float32Array {
  if (samples.length === 0) throw new RangeError('uncertaintyMap needs at least one sample');
  const counts = sampleCounts(samples);
  const table = uncertaintyByCount(samples.length, eps);
  const out = new Float32Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = table[counts[i]];
  return out;
}

/** The error map E_s[CE(s, rater)] of N >= 1 binary samples against one rater's mask. */
export function errorMap(samples: readonly Uint8Array[], rater: Uint8Array, eps = CE_EPS): Float32Array {
  if (samples.length === 0) throw new RangeError('errorMap needs at least one sample');
  const counts = sampleCounts(samples);
  if (rater.length !== counts.length) throw new RangeError(`rater mask has ${rater.length} pixels, the samples ${counts.length}`);
  const table = errorByCount(samples.length, eps);
  const out = new Float32Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = table[2 * counts[i] + (rater[i] !== 0 ? 1 : 0)];
  return out;
}

/** The pixel-wise mean of the samples (the soft mean mask). */
export function meanMask(samples: readonly Uint8Array[]): Float32Array {
  if (samples.length === 0) throw new RangeError('meanMask needs at least one sample');
  const counts = sampleCounts(samples);
  const out = new Float32Array(counts.length);
  const inv = 1 / samples.length;
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] * inv;
  return out;
}
