/**
 * Measurements behind `npm run bench:sampling` / `caldiff bench`: sampling speed against the reference
 * implementation's naive schedule, onnxruntime against PyTorch, and what the accelerated sampler costs in
 * validation quality. Everything runs in-process on one opened model, so the numbers compare like with like.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { calibrationMetrics } from '../../shared/metrics/calibration';
import { summarize, type Summary } from '../../shared/metrics/aggregate';
import { WINDOW_PRESETS } from '../../shared/volume';
import { readNiftiFile } from '../io/nifti';
import type { ModelCard } from './card';
import type { SliceMessage } from './protocol';
import { physicalCores } from './providers';
import { sampleSlices } from './run';
import type { SamplerSettings } from './sampler';
import type { LoadedModel } from './session';

export interface BenchSlice {
  name: string;
  image: Uint8Array;
  raters: Uint8Array[];
}

const SIZE = 128 * 128;

/**
 * Validation slices with a lesion: for each patient of the training code's validation split (in its order), the
 * middle slice of nodule-0 among those any rater marked. Deterministic, and never a slice the model trained on.
 */
export function validationSlices(lidcDir: string, splitFile: string, count: number): BenchSlice[] {
  const patients = existsSync(splitFile)
    ? readFileSync(splitFile, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean)
    : [];
  if (patients.length === 0) throw new Error(`no validation split at ${splitFile}: the benchmark uses the training code's held-out patients`);
  const out: BenchSlice[] = [];
  for (const patient of patients) {
    if (out.length >= count) break;
    const nodule = path.join(lidcDir, patient, 'nodule-0');
    if (!existsSync(path.join(nodule, 'image.nii.gz'))) continue;
    const image = readNiftiFile(path.join(nodule, 'image.nii.gz'), 'windowed').volume;
    const raters = [0, 1, 2, 3].map((r) => readNiftiFile(path.join(nodule, `rater-${r}.nii.gz`), 'windowed').volume.data);
    const depth = image.dims[2];
    const marked = Array.from({ length: depth }, (_, k) => k).filter((k) => raters.some((m) => m.subarray(k * SIZE, (k + 1) * SIZE).some((v) => v)));
    if (marked.length === 0 || image.dims[0] !== 128 || image.dims[1] !== 128) continue;
    const k = marked[Math.floor(marked.length / 2)];
    out.push({
      name: `${patient}/nodule-0 #${k}`,
      image: Uint8Array.from(image.data.subarray(k * SIZE, (k + 1) * SIZE)),
      raters: raters.map((m) => Uint8Array.from(m.subarray(k * SIZE, (k + 1) * SIZE), (v) => (v ? 1 : 0))),
    });
  }
  return out;
}

/** Samples the slices with one sampler setting; returns each slice's result. */
export async function sampleBenchSlices(model: LoadedModel, slices: BenchSlice[], settings: SamplerSettings): Promise<SliceMessage[]> {
  const results: SliceMessage[] = [];
  await sampleSlices(
    model,
    {
      model: { file: model.file, card: model.card },
      session: { forceCpu: false },
      settings,
      label: 'bench',
      slices: slices.map((s, index) => ({ index, width: 128, height: 128, data: s.image, intensity: 'windowed', window: WINDOW_PRESETS.full8bit })),
    },
    { slice: (s) => void results.push(s) },
  );
  return results;
}

export const QUALITY_KEYS = ['sncc', 'ged', 'dmax', 'ci'] as const;
type QualityKey = (typeof QUALITY_KEYS)[number];

/** Each metric per slice (null where undefined for that slice) and summarised over the slices. */
export type Quality = Record<QualityKey, { perSlice: (number | null)[]; summary: Summary }>;

export function quality(slices: BenchSlice[], results: SliceMessage[]): Quality {
  const reports = results.map((r, i) => calibrationMetrics(r.samples, slices[i].raters));
  const of = (key: QualityKey) => {
    const perSlice = reports.map((r) => r[key]);
    return { perSlice, summary: summarize(perSlice) };
  };
  return { sncc: of('sncc'), ged: of('ged'), dmax: of('dmax'), ci: of('ci') };
}

/** Mean of the per-slice differences a - b over the slices where both are defined, with a 95% interval. */
export interface PairedDifference {
  mean: number | null;
  /** Half-width of the normal 95% confidence interval of the mean difference (1.96 standard errors). */
  ci95: number | null;
  count: number;
}

export function pairedDifference(a: (number | null)[], b: (number | null)[]): PairedDifference {
  const d = a.flatMap((x, i) => (x === null || b[i] === null ? [] : [x - b[i]!]));
  if (d.length === 0) return { mean: null, ci95: null, count: 0 };
  const mean = d.reduce((s, x) => s + x, 0) / d.length;
  if (d.length < 2) return { mean, ci95: null, count: 1 };
  const variance = d.reduce((s, x) => s + (x - mean) ** 2, 0) / (d.length - 1);
  return { mean, ci95: 1.96 * Math.sqrt(variance / d.length), count: d.length };
}

/** For every metric: K steps against all T steps, and the K-step sampler against itself with another seed. */
export function compareQuality(k: Quality, kOtherSeed: Quality, t: Quality): Record<QualityKey, { vsT: PairedDifference; seedToSeed: PairedDifference }> {
  const out = {} as Record<QualityKey, { vsT: PairedDifference; seedToSeed: PairedDifference }>;
  for (const key of QUALITY_KEYS) out[key] = { vsT: pairedDifference(k[key].perSlice, t[key].perSlice), seedToSeed: pairedDifference(k[key].perSlice, kOtherSeed[key].perSlice) };
  return out;
}

/**
 * Best-of-`repeats` wall time of one network evaluation on a batch, after a warm-up. The minimum, not the median:
 * on a shared machine other processes only ever add time, so the minimum is the least disturbed estimate of the
 * network's own cost (PyTorch is timed the same way).
 */
export async function stepMs(model: LoadedModel, batch: number, repeats: number): Promise<number> {
  const image = new Float32Array(batch * SIZE).fill(0.5);
  const x = new Float32Array(batch * SIZE).map((_, i) => Math.sin(i));
  await model.denoise(image, x, 500, batch);
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await model.denoise(image, x, (r * 97) % model.card.schedule.T, batch);
    times.push(performance.now() - t);
  }
  return Math.min(...times);
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface TorchTiming {
  available: boolean;
  reason: string | null;
  torchVersion?: string;
  threads?: number;
  batch1Ms?: number;
  batch16Ms?: number;
  parameters?: number;
}

/**
 * PyTorch forward time of the same architecture (the training code's U-Net for the card's configuration). Weights
 * are random: the time of a forward pass does not depend on their values.
 */
export function torchTiming(repoRoot: string, card: ModelCard, python = '/usr/bin/python3'): TorchTiming {
  const script = path.join(repoRoot, 'scripts', 'bench-sampling-torch.py');
  const config = typeof card.training.config === 'string' ? card.training.config : null;
  if (!config) return { available: false, reason: 'the model card names no training configuration' };
  if (!existsSync(python)) return { available: false, reason: `${python} not found` };
  const run = spawnSync(python, [script, '--config', config, '--threads', String(physicalCores())], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) return { available: false, reason: (run.stderr || run.stdout || `exit ${run.status}`).trim().split('\n').at(-1) ?? 'failed' };
  return { available: true, reason: null, ...(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Omit<TorchTiming, 'available' | 'reason'>) };
}
