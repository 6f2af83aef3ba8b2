/**
 * What a slice's N samples become: the soft mean mask, the uncertainty map E_s[CE(s, mean)] (the one definition
 * in shared/metrics), the pixel-wise binary entropy of the mean, and the scores that rank slices.
 *
 * The ranking score is the uncertainty summed inside the union of the samples grown by a small margin: pixels
 * far from anything any sample marked carry no lesion doubt, so an empty, confident slice scores 0 and sinks,
 * while a lesion the samples disagree on rises. The total over the whole slice is kept beside it.
 */
import type { SliceOutputs } from '../domain';
import { CE_EPS, meanMask, uncertaintyMap } from '../../shared/metrics/uncertainty';

/** Margin, in pixels, around the union of the samples that still counts as "at the lesion". */
export const LESION_MARGIN_PX = 2;

export function sliceOutputs(samples: Uint8Array[], width: number, height: number): SliceOutputs {
  const mean = meanMask(samples);
  const uncertainty = uncertaintyMap(samples);
  const entropy = binaryEntropy(mean);
  const region = dilate(unionOf(samples), width, height, LESION_MARGIN_PX);
  let totalUncertainty = 0;
  let lesionUncertainty = 0;
  let meanArea = 0;
  for (let i = 0; i < uncertainty.length; i++) {
    totalUncertainty += uncertainty[i];
    if (region[i]) lesionUncertainty += uncertainty[i];
    meanArea += mean[i];
  }
  return {
    samples,
    mean,
    uncertainty,
    entropy,
    totalUncertainty,
    lesionUncertainty,
    score: lesionUncertainty,
    meanArea,
  };
}

/** -[m ln m + (1 - m) ln(1 - m)] per pixel, natural log, m clipped to [eps, 1 - eps] as in the CE. */
export function binaryEntropy(mean: Float32Array, eps = CE_EPS): Float32Array {
  const out = new Float32Array(mean.length);
  for (let i = 0; i < mean.length; i++) {
    const m = Math.min(1 - eps, Math.max(eps, mean[i]));
    out[i] = -(m * Math.log(m) + (1 - m) * Math.log(1 - m));
  }
  return out;
}

export function unionOf(masks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(masks[0]?.length ?? 0);
  for (const m of masks) for (let i = 0; i < out.length; i++) if (m[i]) out[i] = 1;
  return out;
}

/** Binary dilation by a (2r+1)x(2r+1) square, done as r passes of 3x3 (separable rows then columns). */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  let cur = mask;
  for (let pass = 0; pass < radius; pass++) {
    const rows = new Uint8Array(cur.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        rows[i] = cur[i] | (x > 0 ? cur[i - 1] : 0) | (x < width - 1 ? cur[i + 1] : 0);
      }
    }
    const next = new Uint8Array(cur.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        next[i] = rows[i] | (y > 0 ? rows[i - width] : 0) | (y < height - 1 ? rows[i + width] : 0);
      }
    }
    cur = next;
  }
  return cur;
}
