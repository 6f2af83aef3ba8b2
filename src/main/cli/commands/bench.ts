import os from 'node:os';
import path from 'node:path';
import { ApiError } from '../../../shared/errors';
import type { Summary } from '../../../shared/metrics/aggregate';
import { defaultModelsDir } from '../../locations';
import { compareQuality, median, quality, QUALITY_KEYS, sampleBenchSlices, stepMs, torchTiming, validationSlices, type PairedDifference, type Quality } from '../../engine/bench';
import { resolveModel } from '../../engine/models';
import { cpuForcedByEnv, physicalCores } from '../../engine/providers';
import { loadModel } from '../../engine/session';
import { intListOption, intOption, type Command } from '../command';

/** The repository root, from the bundle in dist/main. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

const fmt = (s: Summary) => (s.mean === null ? 'undefined' : `${s.mean.toFixed(4)}${s.undefinedCount ? ` (${s.undefinedCount} undefined)` : ''}`);

interface KQuality {
  steps: number;
  msPerSlice: number;
  summary: Quality;
  differences: ReturnType<typeof compareQuality>;
}


export const benchCommand: Command = {
  name: 'bench',
  summary: 'sampling benchmark: ms per slice, speed-up over the naive schedule, onnxruntime vs PyTorch, K vs T steps quality',
  forms: [],
  options: {
    model: { type: 'string', value: 'ID', help: 'the model to measure (default: the first usable one)' },
    'models-dir': { type: 'string', value: 'DIR', help: "where model cards are found (default: CALDIFF_MODELS_DIR or the app's models/)" },
    slices: { type: 'string', value: 'N', help: 'validation slices timed for speed', default: '8' },
    'full-slices': { type: 'string', value: 'N', help: 'validation slices sampled over all T steps for quality', default: '4' },
    steps: { type: 'string', value: 'K', help: "sampler steps (default: the model card's)" },
    'quality-steps': { type: 'string', value: 'K1,K2,...', help: 'step counts compared with all T steps (default: --steps)' },
    'no-torch': { type: 'boolean', help: 'skip the PyTorch comparison' },
    'no-full': { type: 'boolean', help: 'skip the quality comparison over all T steps' },
  },
  async run(ctx) {
    const log = (line: string) => (ctx.json ? ctx.err(line) : ctx.out(line));
    const modelsDir = (ctx.values['models-dir'] as string | undefined) ?? defaultModelsDir();
    const { card, file } = resolveModel(modelsDir, (ctx.values.model as string | undefined) ?? null);
    const N = 16;
    const T = card.schedule.T;
    const K = Math.min(T, intOption(ctx, 'steps', card.defaults.steps)!);
    const sharedData = process.env.CALDIFF_SHARED_DATA ?? path.resolve(REPO_ROOT, '..', 'shared', 'data');
    const slices = validationSlices(path.join(sharedData, 'lidc-idri'), path.join(REPO_ROOT, 'training', 'splits', 'val.txt'), Math.max(intOption(ctx, 'slices')!, intOption(ctx, 'full-slices')!));
    if (slices.length === 0) throw new ApiError('not_found', `no validation slices found under ${sharedData}`);
    const speedSlices = slices.slice(0, intOption(ctx, 'slices')!);
    const fullSlices = ctx.values['no-full'] ? [] : slices.slice(0, intOption(ctx, 'full-slices')!);

    const model = await loadModel(file, card, { forceCpu: cpuForcedByEnv() });
    try {
      const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
      log(`model ${card.id} (${path.basename(file)}, sha256 ${card.sha256.slice(0, 12)}…) on ${model.report.active}; ${physicalCores()} physical cores, ${cpu}`);
      for (const a of model.report.attempts.filter((x) => !x.ok)) log(`  ${a.provider}: ${a.reason}`);

      // 1. speed: N = 16 samples per slice with the card's sampler at its default K, batched
      const sampler = card.defaults.sampler;
      await sampleBenchSlices(model, speedSlices.slice(0, 1), { sampler, steps: K, samples: N, seed: 0, eta: 0 }); // warm-up
      const fast = await sampleBenchSlices(model, speedSlices, { sampler, steps: K, samples: N, seed: 0, eta: 0 });
      const msPerSlice = median(fast.map((r) => r.elapsedMs));
      const step1 = await stepMs(model, 1, 30);
      const step16 = await stepMs(model, N, 10);
      const naiveMs = N * T * step1;
      log(`\nspeed (${speedSlices.length} validation slices, N=${N}, ${sampler.toUpperCase()} K=${K})`);
      log(`  ms per slice (median):               ${msPerSlice.toFixed(0)} ms`);
      log(`  network evaluations per slice:       ${K} batched calls vs naive ${N * T} calls (${((N * T) / K).toFixed(0)}x fewer); ${N * K} sample-evaluations vs ${N * T} (${(T / K).toFixed(0)}x fewer)`);
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

      // 3. quality: each K against all T steps on the same slices, paired per slice, with the seed-to-seed noise
      const qualitySteps = intListOption(ctx, 'quality-steps', [K]).filter((k) => k < T);
      let full: { slices: string[]; T: { summary: Quality; msPerSlice: number }; K: KQuality[] } | null = null;
      if (fullSlices.length) {
        log(`\nquality on ${fullSlices.length} validation slices (N=${N}, ${sampler.toUpperCase()}); the sampler over all ${T} steps takes a while…`);
        const tRun = await sampleBenchSlices(model, fullSlices, { sampler: 'ddpm', steps: T, samples: N, seed: 0, eta: 0 });
        const tQuality = quality(fullSlices, tRun);
        const perK: KQuality[] = [];
        for (const k of qualitySteps) {
          const seed0 = await sampleBenchSlices(model, fullSlices, { sampler, steps: k, samples: N, seed: 0, eta: 0 });
          const seed1 = await sampleBenchSlices(model, fullSlices, { sampler, steps: k, samples: N, seed: 1, eta: 0 });
          const q = quality(fullSlices, seed0);
          perK.push({ steps: k, msPerSlice: median(seed0.map((r) => r.elapsedMs)), summary: q, differences: compareQuality(q, quality(fullSlices, seed1), tQuality) });
        }
        full = { slices: fullSlices.map((s) => s.name), T: { summary: tQuality, msPerSlice: median(tRun.map((r) => r.elapsedMs)) }, K: perK };
        const signed = (d: PairedDifference) => (d.mean === null ? '-' : `${d.mean >= 0 ? '+' : ''}${d.mean.toFixed(4)}${d.ci95 === null ? '' : ` ± ${d.ci95.toFixed(4)}`}`);
        log(`  T=${T}: ${(full.T.msPerSlice / 1000).toFixed(1)} s per slice; ${QUALITY_KEYS.map((key) => `${key} ${fmt(tQuality[key].summary)}`).join(', ')}`);
        for (const r of perK) {
          log(`  K=${r.steps} (${(r.msPerSlice / 1000).toFixed(2)} s per slice): mean over slices, then paired difference K - T (95% interval), then seed 0 - seed 1 of K`);
          for (const key of QUALITY_KEYS)
            log(`    ${key.padEnd(5)} ${fmt(r.summary[key].summary).padEnd(10)} vs T ${signed(r.differences[key].vsT).padEnd(20)} seed-to-seed ${signed(r.differences[key].seedToSeed)}`);
        }
      }

      if (ctx.json)
        ctx.out(
          JSON.stringify(
            {
              model: { id: card.id, sha256: card.sha256, provider: model.report.active },
              machine: { cpu, physicalCores: physicalCores() },
              settings: { samples: N, steps: K, T },
              speed: { sampler: card.defaults.sampler, slices: speedSlices.map((s) => s.name), msPerSlice, step1Ms: step1, step16Ms: step16, naiveMsPerSlice: naiveMs, speedup: naiveMs / msPerSlice, callRatio: (N * T) / K, sampleEvaluationRatio: T / K },
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
