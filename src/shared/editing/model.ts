import { dice } from '../metrics/overlap';

/**
 * The index of the sample with the highest Dice against `mask` (the rater's current mask); the first on a tie,
 * null without samples. Against an empty mask every non-empty sample scores 0 and an empty one 1.
 */
export function closestSample(samples: readonly Uint8Array[], mask: Uint8Array): { index: number; dice: number } | null {
  let best: { index: number; dice: number } | null = null;
  samples.forEach((s, index) => {
    const d = dice(s, mask);
    if (!best || d > best.dice) best = { index, dice: d };
  });
  return best;
}

/** The sample-frequency levels the uncertainty bands outline. */
export const BAND_LEVELS = [0.1, 0.5, 0.9] as const;

/**
 * Per pixel, how many of `levels` the fraction of samples marking it reaches (0..levels.length): nested regions
 * whose boundaries are the iso-contours of the sample frequency at each level.
 */
export function frequencyBands(samples: readonly Uint8Array[], levels: readonly number[] = BAND_LEVELS): Uint8Array {
  const n = samples[0]?.length ?? 0;
  const out = new Uint8Array(n);
  if (!samples.length) return out;
  for (let p = 0; p < n; p++) {
    let marked = 0;
    for (const s of samples) if (s[p]) marked++;
    const f = marked / samples.length;
    let band = 0;
    for (const level of levels) if (f >= level) band++;
    out[p] = band;
  }
  return out;
}

/** Which pixels of a slice lie inside [min, max] (inclusive), as a 0/1 mask. */
export function withinRange(pixels: ArrayLike<number>, min: number, max: number): Uint8Array {
  return Uint8Array.from({ length: pixels.length }, (_, p) => (pixels[p] >= min && pixels[p] <= max ? 1 : 0));
}
