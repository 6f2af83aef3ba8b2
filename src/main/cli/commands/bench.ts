import os from 'node:os';
import path from 'node:path';
import { ApiError } from '../../../shared/errors';
import type { Summary } from '../../../shared/metrics/aggregate';
import { defaultModelsDir } from '../../app';
import { median, quality, sampleBenchSlices, stepMs, torchTiming, validationSlices, type QualitySummary } from '../../engine/bench';
import { resolveModel } from '../../engine/models';
import { cpuForcedByEnv, physicalCores } from '../../engine/providers';
import { loadModel } from '../../engine/session';
import { intOption, type Command } from '../command';

/** The repository root, from the bundle in dist/main. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

const fmt = (s: Summary) => (s.mean === null ? 'undefined' : `${s.mean.toFixed(4)}${s.undefinedCount ? ` (${s.undefinedCount} undefined)` : ''}`);
const diff = (a: Summary, b: Summary) => (a.mean === null || b.mean === null ? null : Math.abs(a.mean - b.mean));

export const benchCommand: Command = {
  name: 'bench',
  summary: 'sampling benchmark: ms per slice, speed-up over the naive schedule, onnxruntime vs PyTorch, K vs T steps quality',
  usage: 'caldiff bench [--model ID] [--slices N] [--full-slices N] [--steps K] [--no-torch] [--no-full] [--json]',
  options: {
    model: { type: 'string' },
    'models-dir': { type: 'string' },
    slices: { type: 'string' },
    'full-slices': { type: 'string' },
    steps: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    'no-full': { type: 'boolean', default: false },
  },
  async run(ctx) {
    const log = (line: string) => (ctx.json ? ctx.err(line) : ctx.out(line));
    const modelsDir = (ctx.values['models-dir'] as string | undefined) ?? defaultModelsDir();
    const { card, file } = resolveModel(modelsDir, (ctx.values.model as string | undefined) ?? null);
    const N = 16;
    const T = card.schedule.T;
    const K = Math.min(T, intOption(ctx, 'steps', card.defaults.steps)!);
    const sharedData = process.env.CALDIFF_SHARED_DATA ?? path.resolve(REPO_ROOT, '..', 'shared', 'data');
    const slices = validationSlices(path.join(sharedData, 'lidc-idri'), path.join(REPO_ROOT, 'training', 'splits', 'val.txt'), Math.max(intOption(ctx, 'slices', 8)!, intOption(ctx, 'full-slices', 4)!));
    if (slices.length === 0) throw new ApiError('not_found', `no validation slices found under ${sharedData}`);
    const speedSlices = slices.slice(0, intOption(ctx, 'slices', 8)!);
    const fullSlices = ctx.values['no-full'] ? [] : slices.slice(0, intOption(ctx, 'full-slices', 4)!);

    const model = await loadModel(file, card, { forceCpu: cpuForcedByEnv() });
    try {
      const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
      log(`model ${card.id} (${path.basename(file)}, sha256 ${card.sha256.slice(0, 12)}…) on ${model.report.active}; ${physicalCores()} physical cores, ${cpu}`);
      for (const a of model.report.attempts.filter((x) => !x.ok)) log(`  ${a.provider}: ${a.reason}`);

      // 1. speed: N = 16 samples per slice at the default K, batched
      await sampleBenchSlices(model, speedSlices.slice(0, 1), { sampler: 'ddim', steps: K, samples: N, seed: 0, eta: 0 }); // warm-up
      const fast = await sampleBenchSlices(model, speedSlices, { sampler: 'ddim', steps: K, samples: N, seed: 0, eta: 0 });
      const msPerSlice = median(fast.map((r) => r.elapsedMs));
      const step1 = await stepMs(model, 1, 30);
      const step16 = await stepMs(model, N, 10);
      const naiveMs = N * T * step1;
      log(`\nspeed (${speedSlices.length} validation slices, N=${N}, DDIM K=${K})`);
      log(`  ms per slice (median):               ${msPerSlice.toFixed(0)} ms`);
      log(`  network evaluations per slice:       ${K} batched calls = ${N * K} sample-evaluations vs naive ${N * T} (${((N * T) / (N * K)).toFixed(0)}x fewer)`);
      log(`  one forward, batch 1 / batch ${N}:      ${step1.toFixed(1)} ms / ${step16.toFixed(1)} ms (best of 30 / 10)`);
      log(`  naive schedule (1 sample x ${T} steps, x${N}): ${(naiveMs / 1000).toFixed(1)} s per slice (extrapolated from batch-1 step time)`);
      log(`  speed-up over the naive schedule:    ${(naiveMs / msPerSlice).toFixed(0)}x`);

      // 2. onnxruntime-node against PyTorch, same architecture
      const torch = ctx.values['no-torch'] ? { available: false, reason: '--no-torch' } : torchTiming(REPO_ROOT, card);
      log(`\nonnxruntime-node vs PyTorch forward time (same architecture)`);
      if (torch.available)
        log(
          `  batch 1: ${step1.toFixed(1)} ms vs ${torch.batch1Ms!.toFixed(1)} ms (${(torch.batch1Ms! / step1).toFixed(2)}x); batch ${N}: ${step16.toFixed(1)} ms vs ${torch.batch16Ms!.toFixed(1)} ms (${(torch.batch16Ms! / step16).toFixed(2)}x); torch ${torch.torchVersion}, ${torch.threads} threads, random weights`,
        );
      else log(`  PyTorch not measured: ${torch.reason}`);

      // 3. quality: K steps against all T steps on the same slices, with the seed-to-seed noise floor
      let full: {
        slices: string[];
        ddimK: QualitySummary;
        ddimKOtherSeed: QualitySummary;
        ddpmK: QualitySummary;
        ddpmT: QualitySummary;
        tMsPerSlice: number;
      } | null = null;
      if (fullSlices.length) {
        log(`\nquality on ${fullSlices.length} validation slices (N=${N}); DDPM over all ${T} steps takes a while…`);
        const k0 = fast.slice(0, fullSlices.length);
        const k1 = await sampleBenchSlices(model, fullSlices, { sampler: 'ddim', steps: K, samples: N, seed: 1, eta: 0 });
        const kDdpm = await sampleBenchSlices(model, fullSlices, { sampler: 'ddpm', steps: K, samples: N, seed: 0, eta: 0 });
        const tRun = await sampleBenchSlices(model, fullSlices, { sampler: 'ddpm', steps: T, samples: N, seed: 0, eta: 0 });
        full = {
          slices: fullSlices.map((s) => s.name),
          ddimK: quality(fullSlices, k0),
          ddimKOtherSeed: quality(fullSlices, k1),
          ddpmK: quality(fullSlices, kDdpm),
          ddpmT: quality(fullSlices, tRun),
          tMsPerSlice: median(tRun.map((r) => r.elapsedMs)),
        };
        const cell = (v: number | null) => (v === null ? '-' : v.toFixed(4)).padEnd(10);
        log(`  metric  DDPM T=${T}  DDIM K=${K}  |diff|      DDPM K=${K}  |diff|      DDIM seed-to-seed |diff| (noise floor)`);
        for (const key of ['sncc', 'ged', 'dmax', 'ci'] as const) {
          log(
            `  ${key.padEnd(6)}  ${fmt(full.ddpmT[key]).padEnd(11)} ${fmt(full.ddimK[key]).padEnd(11)} ${cell(diff(full.ddimK[key], full.ddpmT[key]))}  ${fmt(full.ddpmK[key]).padEnd(11)} ${cell(diff(full.ddpmK[key], full.ddpmT[key]))}  ${cell(diff(full.ddimK[key], full.ddimKOtherSeed[key]))}`,
          );
        }
        log(`  DDPM T=${T}: ${(full.tMsPerSlice / 1000).toFixed(1)} s per slice measured`);
      }

      if (ctx.json)
        ctx.out(
          JSON.stringify(
            {
              model: { id: card.id, sha256: card.sha256, provider: model.report.active },
              machine: { cpu, physicalCores: physicalCores() },
              settings: { samples: N, steps: K, T },
              speed: { slices: speedSlices.map((s) => s.name), msPerSlice, step1Ms: step1, step16Ms: step16, naiveMsPerSlice: naiveMs, speedup: naiveMs / msPerSlice, evaluationRatio: T / K },
              torch,
              quality: full,
            },
            null,
            2,
          ),
        );
      return 0;
    } finally {
      await model.release();
    }
  },
};
