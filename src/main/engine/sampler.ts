/**
 * The two samplers, written against a `Denoiser` so they run the same on any backend:
 *
 *  - DDPM: ancestral sampling with the learned variance (Improved DDPM: log var = frac log beta + (1 - frac)
 *    log beta_tilde, frac = (v + 1) / 2). With K = T steps this is the paper's sampler; with K < T it walks the
 *    respaced chain over the strided timesteps (Nichol & Dhariwal 2021, Sec. 4).
 *  - DDIM (Song et al. 2021) over K strided timesteps, eta = 0 deterministic given the initial noise.
 *
 * The N samples of a slice run as one batch per step. Noise comes from a generator seeded by (seed, slice
 * index), so a slice's masks do not depend on which other slices share the run. The x0 estimate is clipped to
 * the card's mask range and the final estimate binarised at its threshold, as the training code samples.
 */
import type { SamplerName } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { Rng } from './rng';
import { stridedTimesteps, type Schedule } from './schedule';

export interface SamplerSettings {
  sampler: SamplerName;
  /** Denoising steps K (clamped to T). */
  steps: number;
  samples: number;
  seed: number;
  /** DDIM stochasticity; 0 = deterministic. Ignored by DDPM. */
  eta: number;
}

export interface MaskRange {
  low: number;
  high: number;
  threshold: number;
}

/** One network evaluation on a batch: `image` and `x` hold `batch` planes of `pixels` values each. */
export type Denoiser = (image: Float32Array, x: Float32Array, t: number, batch: number) => Promise<{ eps: Float32Array; v: Float32Array | null }>;

export interface SampleHooks {
  onStep?: (step: number, steps: number) => void;
  /** Checked before every network evaluation: a cancelled run stops within one step. */
  cancelled?: () => boolean;
}

export async function sampleMasks(
  denoise: Denoiser,
  image: Float32Array,
  schedule: Schedule,
  settings: SamplerSettings,
  range: MaskRange,
  streamId: number,
  hooks: SampleHooks = {},
): Promise<Uint8Array[]> {
  const n = settings.samples;
  const pixels = image.length;
  const batchImage = new Float32Array(n * pixels);
  for (let s = 0; s < n; s++) batchImage.set(image, s * pixels);

  const rng = new Rng(settings.seed, streamId);
  const x = rng.fillNormal(new Float32Array(n * pixels));
  const noise = new Float32Array(n * pixels);
  const x0 = new Float32Array(n * pixels);
  const ts = stridedTimesteps(schedule.T, Math.min(settings.steps, schedule.T));
  const abarOf = (i: number) => (i < ts.length ? schedule.alphasCumprod[ts[i]] : 1);

  for (let i = 0; i < ts.length; i++) {
    if (hooks.cancelled?.()) throw new ApiError('cancelled', 'sampling was cancelled');
    const { eps, v } = await denoise(batchImage, x, ts[i], n);
    const abar = abarOf(i);
    const abarPrev = abarOf(i + 1);
    const last = i === ts.length - 1;
    predictX0(x, eps, abar, range, x0);
    if (!last) {
      if (settings.sampler === 'ddpm' || settings.eta > 0) rng.fillNormal(noise);
      if (settings.sampler === 'ddpm') ddpmStep(x, x0, v, abar, abarPrev, noise);
      else ddimStep(x, x0, abar, abarPrev, settings.eta, noise);
    }
    hooks.onStep?.(i + 1, ts.length);
  }

  const masks: Uint8Array[] = [];
  for (let s = 0; s < n; s++) {
    const mask = new Uint8Array(pixels);
    const base = s * pixels;
    for (let p = 0; p < pixels; p++) mask[p] = x0[base + p] > range.threshold ? 1 : 0;
    masks.push(mask);
  }
  return masks;
}

/** x0 = (x_t - sqrt(1 - abar) eps) / sqrt(abar), clipped to the mask range. */
function predictX0(x: Float32Array, eps: Float32Array, abar: number, range: MaskRange, out: Float32Array): void {
  const a = Math.sqrt(1 / abar);
  const b = Math.sqrt(1 / abar - 1);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(range.high, Math.max(range.low, a * x[i] - b * eps[i]));
}

/** One ancestral step of the (respaced) chain from abar to abarPrev, with the learned variance when there is one. */
function ddpmStep(x: Float32Array, x0: Float32Array, v: Float32Array | null, abar: number, abarPrev: number, noise: Float32Array): void {
  const beta = 1 - abar / abarPrev;
  const betaTilde = (beta * (1 - abarPrev)) / (1 - abar);
  const coef0 = (beta * Math.sqrt(abarPrev)) / (1 - abar);
  const coefT = ((1 - abarPrev) * Math.sqrt(1 - beta)) / (1 - abar);
  const logBeta = Math.log(beta);
  const logBetaTilde = Math.log(betaTilde);
  const fixedStd = Math.sqrt(betaTilde);
  for (let i = 0; i < x.length; i++) {
    const mean = coef0 * x0[i] + coefT * x[i];
    let std = fixedStd;
    if (v) {
      const frac = (v[i] + 1) / 2;
      std = Math.exp(0.5 * (frac * logBeta + (1 - frac) * logBetaTilde));
    }
    x[i] = mean + std * noise[i];
  }
}

/** One DDIM step from abar to abarPrev, with eps recomputed from the clipped x0 as the training code does. */
function ddimStep(x: Float32Array, x0: Float32Array, abar: number, abarPrev: number, eta: number, noise: Float32Array): void {
  const sigma = eta * Math.sqrt(((1 - abarPrev) / (1 - abar)) * (1 - abar / abarPrev));
  const sa = Math.sqrt(abar);
  const inv = 1 / Math.sqrt(1 - abar);
  const c0 = Math.sqrt(abarPrev);
  const cEps = Math.sqrt(Math.max(0, 1 - abarPrev - sigma * sigma));
  for (let i = 0; i < x.length; i++) {
    const eps = (x[i] - sa * x0[i]) * inv;
    x[i] = c0 * x0[i] + cEps * eps + (sigma > 0 ? sigma * noise[i] : 0);
  }
}
