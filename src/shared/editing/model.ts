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
 * The value a stored frequency must reach to count as `level`: the mean is kept as float32, where 9 of 10 samples
 * is 0.89999998, under the 0.9 it equals.
 */
export function bandThreshold(level: number): number {
  return level - 1e-6;
}

/**
 * Per pixel, how many of `levels` its sample frequency reaches (0..levels.length): nested regions whose boundaries
 * are the iso-contours of the frequency at each level. `frequency` is the fraction of samples marking each pixel,
 * which is the model's mean mask (engine/outputs.ts: the mean of the binary samples).
 */
export function frequencyBands(frequency: ArrayLike<number>, levels: readonly number[] = BAND_LEVELS): Uint8Array {
  const out = new Uint8Array(frequency.length);
  for (let p = 0; p < out.length; p++) {
    let band = 0;
    for (const level of levels) if (frequency[p] >= bandThreshold(level)) band++;
    out[p] = band;
  }
  return out;
}

/** Which pixels of a slice lie inside [min, max] (inclusive), as a 0/1 mask. */
export function withinRange(pixels: ArrayLike<number>, min: number, max: number): Uint8Array {
  return Uint8Array.from({ length: pixels.length }, (_, p) => (pixels[p] >= min && pixels[p] <= max ? 1 : 0));
}
