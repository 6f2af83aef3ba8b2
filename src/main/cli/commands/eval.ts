/**
 * `caldiff eval`: the model's quality as the paper reports it (Table I): sample every slice of a dataset with
 * raters, score the samples against the raters, and summarise SNCC, Dmax, CI and GED² (with Sc and Da) as
 * mean ± std over the slices where each is defined, with the counts. The data are read straight from disk
 * (the shared LIDC NIfTI layout or the PNG case layout), never imported into a store.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SamplerName } from '../../../shared/api';
import { ApiError } from '../../../shared/errors';
import { packMask, unpackMask } from '../../../shared/masks';
import { presenceIndicators, summarize, type Summary } from '../../../shared/metrics/aggregate';
import { calibrationMetrics, type CalibrationMetrics } from '../../../shared/metrics/calibration';
import { sliceLength, type Intensity, type VoxelArray, type Window } from '../../../shared/volume';
import { defaultModelsDir } from '../../locations';
import { resolveModel } from '../../engine/models';
import { cpuForcedByEnv } from '../../engine/providers';
import { sampleSlices } from '../../engine/run';
import { loadModel } from '../../engine/session';
import { discover } from '../../io/sources';
import { intOption, type Command } from '../command';

const METRICS = ['sncc', 'dmax', 'ci', 'ged', 'sc', 'da'] as const;
const LABELS: Record<(typeof METRICS)[number], string> = { sncc: 'SNCC', dmax: 'Dmax', ci: 'CI', ged: 'GED²', sc: 'Sc', da: 'Da' };

/** One slice with raters, kept compact (masks bit-packed) until the model reaches it. */
interface EvalSlice {
  study: string;
  patient: string | null;
  index: number;
  width: number;
  height: number;
  image: VoxelArray;
  intensity: Intensity;
  window: Window;
  raters: Uint8Array[];
}

export interface EvalOptions {
  dataset: string;
  modelsDir: string;
  modelId: string | null;
  samples: number | null;
  steps: number | null;
  seed: number;
  limit: number | null;
  /** Only studies whose path holds one of these folder names (patient ids), e.g. a validation split. */
  patients: Set<string> | null;
  onProgress?: (done: number, total: number, elapsedS: number) => void;
}

export interface SliceRow extends CalibrationMetrics {
  study: string;
  patient: string | null;
  slice: number;
  raters: number;
  /** Raters whose mask marks something on this slice, and samples that mark nothing (the presence indicators). */
  ratersMarked: number;
  emptySamples: number;
  ms: number;
}

export interface EvalResult {
  model: { id: string; sha256: string; provider: string | null };
  settings: { sampler: SamplerName; samples: number; steps: number; seed: number };
  dataset: string;
  studies: number;
  metrics: Record<(typeof METRICS)[number], Summary>;
  presence: ReturnType<typeof presenceIndicators>;
  seconds: number;
  secondsPerSlice: number;
  rows: SliceRow[];
}

/** Every slice of every study under the dataset folder that has at least one rater mask. */
export function datasetSlices(dataset: string, patients: Set<string> | null): { slices: EvalSlice[]; studies: number } {
  const items = discover([dataset]).items.filter((item) => !patients || item.path.split(path.sep).some((part) => patients.has(part)));
  const slices: EvalSlice[] = [];
  let studies = 0;
  for (const item of items) {
    const study = item.load();
    if (study.raters.length === 0) continue;
    studies++;
    const v = study.volume;
    const n = sliceLength(v);
    for (let k = 0; k < v.dims[2]; k++) {
      slices.push({
        study: study.name,
        patient: study.patientId,
        index: k,
        width: v.dims[0],
        height: v.dims[1],
        image: v.data.slice(k * n, (k + 1) * n),
        intensity: v.intensity,
        window: v.window,
        raters: study.raters.map((r) => packMask(r.mask.subarray(k * n, (k + 1) * n))),
      });
    }
  }
  return { slices, studies };
}

/** `limit` slices spread evenly over the list (so a short run still sees many patients), in their order. */
export function spread<T>(items: T[], limit: number | null): T[] {
  if (limit === null || limit >= items.length) return items;
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]);
}

export async function evaluateDataset(o: EvalOptions): Promise<EvalResult> {
  const slices = spread(datasetSlices(o.dataset, o.patients).slices, o.limit);
  if (slices.length === 0) throw new ApiError('bad_input', `${o.dataset}: no slices with rater masks${o.patients ? ' for the listed patients' : ''}`);

  const { card, file } = resolveModel(o.modelsDir, o.modelId);
  const settings = { sampler: card.defaults.sampler, samples: o.samples ?? card.defaults.samples, steps: o.steps ?? card.defaults.steps, seed: o.seed, eta: 0 };
  const model = await loadModel(file, card, { forceCpu: cpuForcedByEnv() });
  const rows: SliceRow[] = [];
  const start = performance.now();
  try {
    // One request per study, so that each slice draws from the same random stream as triage gives it.
    const byStudy = new Map<string, EvalSlice[]>();
    for (const s of slices) byStudy.set(s.study, [...(byStudy.get(s.study) ?? []), s]);
    for (const [label, group] of byStudy) {
      const byIndex = new Map(group.map((s) => [s.index, s]));
      await sampleSlices(
        model,
        { model: { file, card }, session: { forceCpu: cpuForcedByEnv() }, settings, label, slices: group.map((s) => ({ index: s.index, width: s.width, height: s.height, data: s.image, intensity: s.intensity, window: s.window })) },
        {
          slice: (out) => {
            const s = byIndex.get(out.sliceIndex)!;
            const n = s.width * s.height;
            const raters = s.raters.map((r) => unpackMask(r, n));
            const { sncc, dmax, sc, da, ci, ged } = calibrationMetrics(out.samples, raters);
            rows.push({
              study: s.study,
              patient: s.patient,
              slice: s.index,
              raters: raters.length,
              ratersMarked: raters.filter((r) => r.includes(1)).length,
              emptySamples: out.samples.filter((m) => !m.includes(1)).length,
              sncc,
              dmax,
              sc,
              da,
              ci,
              ged,
              ms: Math.round(out.elapsedMs * 10) / 10,
            });
            o.onProgress?.(rows.length, slices.length, (performance.now() - start) / 1000);
          },
        },
      );
    }
  } finally {
    await model.release();
  }
  const seconds = (performance.now() - start) / 1000;
  const metrics = Object.fromEntries(METRICS.map((k) => [k, summarize(rows.map((r) => r[k]))])) as EvalResult['metrics'];
  return {
    model: { id: card.id, sha256: card.sha256, provider: model.report.active },
    settings: { sampler: settings.sampler, samples: settings.samples, steps: settings.steps, seed: settings.seed },
    dataset: path.resolve(o.dataset),
    studies: new Set(slices.map((s) => s.study)).size,
    metrics,
    presence: presenceIndicators(rows, settings.samples),
    seconds,
    secondsPerSlice: seconds / rows.length,
    rows,
  };
}

const CSV_COLUMNS = ['study', 'patient', 'slice', 'raters', 'ratersMarked', 'emptySamples', 'sncc', 'dmax', 'sc', 'da', 'ci', 'ged', 'ms'] as const;

export function rowsToCsv(rows: SliceRow[]): string {
  const cell = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

function tableRow(r: EvalResult): string[] {
  const fmt = (s: Summary) =>
    s.mean === null || s.std === null ? 'undefined'.padEnd(17) : `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}`.padEnd(17);
  return [
    `model ${r.model.id} (sha256 ${r.model.sha256.slice(0, 12)}…) on ${r.model.provider ?? 'no provider'}: ${r.settings.sampler.toUpperCase()} K=${r.settings.steps}, N=${r.settings.samples} samples, seed ${r.settings.seed}`,
    `${r.rows.length} slices of ${r.studies} studies in ${r.dataset}`,
    `metric  mean ± std         defined  undefined`,
    ...METRICS.map((k) => `${LABELS[k].padEnd(7)} ${fmt(r.metrics[k])}  ${String(r.metrics[k].count).padStart(7)}  ${String(r.metrics[k].undefinedCount).padStart(9)}`),
    `presence: r(raters who marked a slice, its empty samples) ${r.presence.correlation === null ? 'undefined' : r.presence.correlation.toFixed(3)} (ideal -1)`,
    `empty samples by raters who marked the slice: ${r.presence.emptyByRaters.map((g) => `${g.raters}: ${g.meanEmpty === null ? '-' : g.meanEmpty.toFixed(2)} (ideal ${g.ideal}, ${g.slices} slices)`).join('; ')}`,
    `time    ${r.seconds.toFixed(1)} s, ${r.secondsPerSlice.toFixed(2)} s per slice`,
  ];
}

function readPatients(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ApiError('bad_input', `${file}: cannot be read (expected one patient id per line)`);
  }
  const ids = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (ids.length === 0) throw new ApiError('bad_input', `${file}: lists no patient ids`);
  return new Set(ids);
}

export const evalCommand: Command = {
  name: 'eval',
  summary: "the model's Table I row on a dataset: mean ± std of SNCC, Dmax, CI, GED² over its slices, and a per-slice CSV",
  forms: [],
  options: {
    dataset: { type: 'string', value: 'DIR', help: 'the dataset to evaluate (required): LIDC crops with their raters' },
    model: { type: 'string', value: 'ID', help: 'the model to evaluate (default: the first usable one)' },
    'models-dir': { type: 'string', value: 'DIR', help: "where model cards are found (default: CALDIFF_MODELS_DIR or the app's models/)" },
    samples: { type: 'string', value: 'N', help: "samples per slice (default: the model card's)" },
    steps: { type: 'string', value: 'K', help: "sampler steps (default: the model card's)" },
    seed: { type: 'string', value: 'S', help: 'random seed', default: '0' },
    limit: { type: 'string', value: 'N', help: 'evaluate at most N slices' },
    patients: { type: 'string', value: 'FILE', help: 'only the patients listed in FILE, one id a line' },
    csv: { type: 'string', value: 'FILE', help: 'write the per-slice metrics to FILE' },
  },
  async run(ctx) {
    const dataset = ctx.values.dataset;
    if (typeof dataset !== 'string') throw new Error('--dataset DIR is required');
    const positive = (name: string) => {
      const v = intOption(ctx, name, null);
      if (v !== null && v < 1) throw new Error(`--${name} must be at least 1, got ${v}`);
      return v;
    };
    const seed = intOption(ctx, 'seed')!;
    if (seed < 0) throw new Error(`--seed must not be negative, got ${seed}`);
    const patientsFile = ctx.values.patients;
    const result = await evaluateDataset({
      dataset,
      modelsDir: typeof ctx.values['models-dir'] === 'string' ? ctx.values['models-dir'] : defaultModelsDir(),
      modelId: typeof ctx.values.model === 'string' ? ctx.values.model : null,
      samples: positive('samples'),
      steps: positive('steps'),
      seed,
      limit: positive('limit'),
      patients: typeof patientsFile === 'string' ? readPatients(patientsFile) : null,
      onProgress: (done, total, elapsed) => {
        if (done === total || done % 10 === 0) ctx.err(`${done}/${total} slices, ${elapsed.toFixed(0)} s`);
      },
    });
    const csv = typeof ctx.values.csv === 'string' ? ctx.values.csv : `caldiff-eval-${result.model.id}.csv`;
    writeFileSync(csv, rowsToCsv(result.rows));
    const { rows: _rows, ...summary } = result;
    if (ctx.json) ctx.out(JSON.stringify({ ...summary, slices: result.rows.length, csv: path.resolve(csv) }, null, 2));
    else for (const line of [...tableRow(result), `per-slice CSV: ${path.resolve(csv)}`]) ctx.out(line);
    return 0;
  },
};
