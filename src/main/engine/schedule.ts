/**
 * The linear beta schedule of the card (Ho et al. 2020), computed in float64 like the training code, and the
 * timestep subsets the accelerated samplers walk.
 */
import type { ModelCard } from './card';

export interface Schedule {
  T: number;
  betas: Float64Array;
  /** abar_t = prod_{s<=t} (1 - beta_s), t = 0..T-1 (0-indexed, as the ONNX model's `t`). */
  alphasCumprod: Float64Array;
}

export function linearSchedule(card: Pick<ModelCard, 'schedule'>): Schedule {
  const { T, betaStart, betaEnd } = card.schedule;
  const betas = new Float64Array(T);
  const alphasCumprod = new Float64Array(T);
  let abar = 1;
  for (let t = 0; t < T; t++) {
    betas[t] = T === 1 ? betaStart : betaStart + ((betaEnd - betaStart) * t) / (T - 1);
    abar *= 1 - betas[t];
    alphasCumprod[t] = abar;
  }
  return { T, betas, alphasCumprod };
}

/** K timesteps evenly spaced over [0, T-1], descending, first T-1 and last 0 (the training code's ddim_timesteps). */
export function stridedTimesteps(T: number, K: number): number[] {
  if (K >= T) return Array.from({ length: T }, (_, i) => T - 1 - i);
  if (K === 1) return [T - 1];
  const set = new Set<number>();
  for (let i = 0; i < K; i++) set.add(Math.round((i * (T - 1)) / (K - 1)));
  return [...set].sort((a, b) => b - a);
}
