/**
 * One sampling run, wherever it executes (the worker process in the app, in-process in the benchmark):
 * open the model, then for each slice preprocess, sample N masks, map them back to the slice's grid and
 * derive the maps and scores.
 */
import { loadModel, type LoadedModel } from './session';
import { sliceOutputs } from './outputs';
import { resampleNearest } from '../../shared/masks';
import { toModelInput } from './preprocess';
import type { Progress, RunRequest, SliceMessage } from './protocol';
import { sampleMasks } from './sampler';
import { linearSchedule } from './schedule';
import type { ProviderReport } from './providers';

export interface RunListener {
  ready?(report: ProviderReport, loadMs: number): void;
  progress?(p: Progress): void;
  slice?(s: SliceMessage): void;
  cancelled?(): boolean;
}

export async function executeRun(request: RunRequest, listener: RunListener): Promise<void> {
  const t0 = performance.now();
  const model = await loadModel(request.model.file, request.model.card, request.session);
  try {
    listener.ready?.(model.report, performance.now() - t0);
    await sampleSlices(model, request, listener);
  } finally {
    await model.release();
  }
}

export async function sampleSlices(model: LoadedModel, request: RunRequest, listener: RunListener): Promise<void> {
  const { card } = model;
  const schedule = linearSchedule(card);
  const range = { low: card.mask.low, high: card.mask.high, threshold: card.mask.threshold };
  const total = request.slices.length;
  for (let done = 0; done < total; done++) {
    const slice = request.slices[done];
    const start = performance.now();
    const input = toModelInput(slice, card.input.size, `${request.label} slice ${slice.index}`);
    const masks = await sampleMasks(model.denoise, input.image, schedule, request.settings, range, slice.index, {
      cancelled: listener.cancelled,
      onStep: (step, steps) => listener.progress?.({ done, slices: total, sliceIndex: slice.index, step, steps }),
    });
    const back = masks.map((m) => resampleNearest(m, input.width, input.height, slice.width, slice.height));
    listener.slice?.({
      ...sliceOutputs(back, slice.width, slice.height),
      sliceIndex: slice.index,
      width: slice.width,
      height: slice.height,
      warnings: input.warnings,
      elapsedMs: performance.now() - start,
    });
  }
}
