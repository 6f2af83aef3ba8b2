/**
 * Triage: sample every slice of a study with the CalDiff model (in the sampling worker), store the maps and
 * scores as a model run with its provenance, and rank slices by uncertainty for review.
 */
import type { z } from 'zod';
import type { Job, ModelInfoSchema, QueueItem, ReviewStatus, Roi, SamplerName } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { packMask } from '../../shared/masks';
import type { AppContext } from '../context';
import { startSampling } from '../engine/client';
import type { ModelCard } from '../engine/card';
import { byPreference, discoverModels, resolveModel } from '../engine/models';
import type { SliceMessage } from '../engine/protocol';
import { cutWindow, modelWindow, pasteWindow, windowOrigin } from '../engine/window';
import type { ProviderReport } from '../engine/providers';
import type { JobControl } from '../jobs/registry';
import {
  createRun,
  currentRun,
  findCompleteRun,
  finishRun,
  getRoi,
  getSliceResult,
  getStudy,
  listRois,
  listStudies,
  readSlice,
  reviewStatuses,
  runningRuns,
  saveSliceResult,
  statusesAcrossRaters,
  sliceScores,
  type Db,
  type RunSettings,
  type SliceResult,
  type StudyRecord,
} from '../store';
import type { HandlerGroup } from './registry';
import { isModelSized, knownSpacing } from './rois';

type ModelInfo = z.infer<typeof ModelInfoSchema>;

/** What triage needs of the app context (it is made before the context that holds it). */
export type TriageDeps = Pick<AppContext, 'db' | 'jobs' | 'modelsDir' | 'settings'>;

/** Runs queue behind each other: two concurrent runs would only halve each other's speed on the same cores. */
const SAMPLING_LANE = { name: 'sampling', waiting: 'waiting for the triage run before it to finish' };

export interface TriageOptions {
  modelId: string | null;
  samples: number;
  steps: number | null;
  /** null: the card's recommended sampler. */
  sampler: SamplerName | null;
  seed: number;
  /** null: every ROI of the study, or the whole image of a model-sized study without ROIs. */
  roiIds?: number[] | null;
}

/** The settings a run is identified by, with the model's defaults filled in. */
export function runSettings(app: Pick<AppContext, 'modelsDir'>, studyId: number, o: TriageOptions) {
  const model = resolveModel(app.modelsDir, o.modelId);
  const T = model.card.schedule.T;
  const sampler = o.sampler ?? model.card.defaults.sampler;
  // Without a step count: the card's K, except DDPM asked for by name on a DDIM card, which is the paper's sampler
  // over all T steps.
  const steps = Math.min(T, o.steps ?? (sampler === 'ddpm' && model.card.defaults.sampler !== 'ddpm' ? T : model.card.defaults.steps));
  const settings: RunSettings = {
    studyId,
    modelId: model.card.id,
    modelSha256: model.card.sha256,
    sampler,
    seed: o.seed,
    samples: o.samples,
    steps,
  };
  return { model, settings };
}

/** One window the worker samples: where it came from in the study and where its results go back. */
interface Crop {
  sliceIndex: number;
  roiId: number;
  origin: [number, number];
  size: [number, number];
}

/** What a run samples: every slice whole (a model-sized study without ROIs), or the ROIs' windows on their slices. */
type Regions = { kind: 'whole' } | { kind: 'rois'; rois: Roi[]; size: [number, number]; warnings: string[] };

/**
 * A study whose slices are not what the model takes is never shrunk to it whole: it is sampled only inside its
 * regions of interest, at the model's scale, and refused without one.
 */
export function planRegions(app: Pick<AppContext, 'db'>, study: StudyRecord, card: ModelCard, roiIds: number[] | null): Regions {
  const rois = roiIds === null ? listRois(app.db, study.id) : roiIds.map((id) => getRoi(app.db, id));
  const foreign = rois.find((r) => r.studyId !== study.id);
  if (foreign) throw new ApiError('bad_input', `ROI ${foreign.id} belongs to study ${foreign.studyId}, not ${study.id}`);
  if (rois.length === 0) {
    if (isModelSized(study, card.input.size)) return { kind: 'whole' };
    const [mw, mh] = card.input.size;
    throw new ApiError(
      'bad_input',
      `${study.name} has ${study.dims[0]}x${study.dims[1]} slices and no region of interest: the model reads ${mw}x${mh} windows around a nodule at the scan's scale, not whole slices. ` +
        `Add a nodule ROI first (the "Add nodule ROI" tool, or caldiff roi add ${study.id} --center X,Y,Z | --world x,y,z --diameter MM | --from-raters, or caldiff roi import FILE.csv)`,
    );
  }
  const plan = modelWindow(card, knownSpacing(study), study.name);
  return { kind: 'rois', rois: [...rois].sort((a, b) => a.id - b.id), size: plan.size, warnings: plan.warnings };
}

/** The windows to sample, slice by slice (ROIs by id within a slice), so a slice's windows arrive together. */
function cropsOf(regions: Extract<Regions, { kind: 'rois' }>): Crop[] {
  const crops: Crop[] = [];
  const slices = [...new Set(regions.rois.flatMap((r) => Array.from({ length: r.slices[1] - r.slices[0] + 1 }, (_, i) => r.slices[0] + i)))].sort((a, b) => a - b);
  for (const k of slices)
    for (const roi of regions.rois)
      if (k >= roi.slices[0] && k <= roi.slices[1]) crops.push({ sliceIndex: k, roiId: roi.id, origin: windowOrigin(roi.center, regions.size), size: regions.size });
  return crops;
}

const regionsKey = (regions: Regions) =>
  regions.kind === 'whole' ? '' : JSON.stringify(regions.rois.map((r) => ({ id: r.id, center: r.center, slices: r.slices, window: regions.size })));

/**
 * Puts a slice's sampled windows back into the slice: samples, mean, uncertainty and entropy are the window's
 * inside it and zero (no lesion, no doubt) outside; the scores add up over the slice's windows.
 */
export function pasteSlice(study: Pick<StudyRecord, 'dims'>, parts: { crop: Crop; result: SliceMessage }[]): SliceResult {
  const [width, height] = study.dims;
  const n = width * height;
  const samples = parts[0].result.samples.map(() => new Uint8Array(n));
  const mean = new Float32Array(n);
  const uncertainty = new Float32Array(n);
  const entropy = new Float32Array(n);
  let totalUncertainty = 0;
  let lesionUncertainty = 0;
  let score = 0;
  let meanArea = 0;
  let elapsedMs = 0;
  const warnings: string[] = [];
  for (const { crop, result } of parts) {
    result.samples.forEach((m, i) => pasteWindow(samples[i], width, height, m, crop.origin, crop.size));
    pasteWindow(mean, width, height, result.mean, crop.origin, crop.size);
    pasteWindow(uncertainty, width, height, result.uncertainty, crop.origin, crop.size);
    pasteWindow(entropy, width, height, result.entropy, crop.origin, crop.size);
    totalUncertainty += result.totalUncertainty;
    lesionUncertainty += result.lesionUncertainty;
    score += result.score;
    meanArea += result.meanArea;
    elapsedMs += result.elapsedMs;
    warnings.push(...result.warnings);
  }
  return {
    sliceIndex: parts[0].crop.sliceIndex,
    width,
    height,
    samples,
    mean,
    uncertainty,
    entropy,
    totalUncertainty,
    lesionUncertainty,
    score,
    meanArea,
    warnings,
    elapsedMs,
    roiId: parts[0].crop.roiId,
  };
}

/**
 * Triage on the app context: starts runs (one at a time, in the job registry's sampling lane) and keeps what this
 * process learnt about models: the last sampling worker's provider report, and the models that failed to load.
 */
export class TriageService {
  /** What the last sampling worker found about providers: the models view shows it. */
  private lastProvider: ProviderReport | null = null;
  /** Models that failed to load (contract mismatch, corrupt file), by sha256: the models view shows why. */
  private readonly loadProblems = new Map<string, string>();

  constructor(private readonly app: TriageDeps) {}

  start(studyId: number, options: TriageOptions, actor: string): Job {
    const { app } = this;
    const study = getStudy(app.db, studyId);
    const { model, settings } = runSettings(app, studyId, options);
    const regions = planRegions(app, study, model.card, options.roiIds ?? null);
    settings.regions = regionsKey(regions);
    const crops = regions.kind === 'rois' ? cropsOf(regions) : null;
    const total = crops ? crops.length : study.dims[2];
    const stored = findCompleteRun(app.db, settings);
    if (stored) {
      return app.jobs.start('triage', studyId, total, async (control) => {
        for (const w of stored.warnings) control.warn(w);
        control.progress({ done: total, step: settings.steps, steps: settings.steps });
        return `served from stored run ${stored.id} (${settings.modelId}, ${settings.sampler} K=${settings.steps}, N=${settings.samples}, seed ${settings.seed})`;
      });
    }
    const runWarnings = regions.kind === 'rois' ? regions.warnings : [];
    return app.jobs.start('triage', studyId, total, (control) => this.run(study, model, settings, runWarnings, crops, control, actor), { lane: SAMPLING_LANE });
  }

  models(): { models: ModelInfo[]; provider: ProviderReport | null } {
    return { models: listModels(this.app.modelsDir, this.loadProblems), provider: this.lastProvider };
  }

  /**
   * A run left 'running' by an app that stopped mid-run (crash, power loss) would show its partial results as if
   * still coming in: at start-up, mark it failed, keeping what it stored, so the queue shows only live or complete
   * runs. A run another live process samples (e.g. `caldiff triage` beside the app) is left alone; one marked with
   * this process's id was left by a dead process whose id has been reused, as this process has not started any.
   */
  failInterruptedRuns(): void {
    for (const { id, workerPid } of runningRuns(this.app.db)) {
      if (workerPid !== null && workerPid !== process.pid && processAlive(workerPid)) continue;
      finishRun(this.app.db, id, 'failed', {}, 'interrupted: the app stopped during this run', 'triage');
    }
  }

  private async run(
    study: StudyRecord,
    model: ReturnType<typeof resolveModel>,
    settings: RunSettings,
    runWarnings: string[],
    crops: Crop[] | null,
    control: JobControl,
    actor: string,
  ): Promise<string> {
    const { app } = this;
    if (control.signal.aborted) throw new ApiError('cancelled', 'triage was cancelled before it started');
    for (const w of runWarnings) control.warn(w);
    const [width, height] = study.dims;
    const image = { intensity: study.intensity, window: study.window };
    const slices = crops
      ? crops.map((c) => ({ index: c.sliceIndex, width: c.size[0], height: c.size[1], data: cutWindow(readSlice(app.db, study, c.sliceIndex), width, height, c.origin, c.size), ...image }))
      : Array.from({ length: study.dims[2] }, (_, k) => ({ index: k, width, height, data: readSlice(app.db, study, k), ...image }));
    const started = performance.now();
    let runId: number | null = null;
    let loadMs = 0;
    let done = 0;
    let pending: { crop: Crop; result: SliceMessage }[] = [];
    control.progress({ message: `loading ${settings.modelId}` });
    const handle = startSampling(
      {
        model: { file: model.file, card: model.card },
        session: { forceCpu: app.settings.forceCpu },
        settings: { sampler: settings.sampler as SamplerName, steps: settings.steps, samples: settings.samples, seed: settings.seed, eta: 0 },
        label: study.name,
        slices,
      },
      {
        ready: (report, ms) => {
          this.lastProvider = report;
          loadMs = ms;
          runId = createRun(app.db, settings, report.active ?? 'none', actor, runWarnings, process.pid);
          const skipped = report.attempts.filter((a) => !a.ok && a.provider !== report.active);
          control.progress({ message: `sampling on ${report.active}${skipped.length ? ` (${skipped.map((a) => `${a.provider}: ${a.reason}`).join('; ')})` : ''}` });
        },
        progress: (p) =>
          control.progress({ done: p.done, step: p.step, steps: p.steps, message: `${crops ? 'window' : 'slice'} ${p.done + 1} of ${p.slices} (slice ${p.sliceIndex}), step ${p.step} of ${p.steps}` }),
        slice: (s) => {
          if (runId === null) throw new ApiError('internal', 'the sampling worker sent a slice before its model was ready');
          if (crops) {
            // Windows arrive in the order they were sent; a slice is stored once all of its windows are in.
            const crop = crops[done];
            pending.push({ crop, result: s });
            if (crops[done + 1]?.sliceIndex !== crop.sliceIndex) {
              saveSliceResult(app.db, runId, pasteSlice(study, pending));
              pending = [];
            }
          } else saveSliceResult(app.db, runId, s);
          done++;
          control.progress({ done, step: 0 });
        },
      },
    );
    const onAbort = () => handle.cancel();
    control.signal.addEventListener('abort', onAbort);
    try {
      await handle.done;
      const totalMs = performance.now() - started;
      finishRun(app.db, runId!, 'complete', { loadMs, totalMs, msPerSlice: (totalMs - loadMs) / Math.max(1, done), slices: done }, null, actor);
      return `run ${runId}: ${done} ${crops ? 'ROI windows' : 'slices'} sampled (${settings.sampler} K=${settings.steps}, N=${settings.samples}, seed ${settings.seed})`;
    } catch (e) {
      const error = ApiError.from(e);
      if (runId === null && error.code === 'bad_input') this.loadProblems.set(settings.modelSha256, error.message);
      if (runId !== null)
        finishRun(app.db, runId, error.code === 'cancelled' ? 'cancelled' : 'failed', { loadMs, totalMs: performance.now() - started, slices: done }, error.code === 'cancelled' ? null : error.message, actor);
      throw error;
    } finally {
      control.signal.removeEventListener('abort', onAbort);
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------- the queue ----------

function statusesOfRater(db: Db, studyId: number, raterId: number): Map<number, ReviewStatus> {
  return new Map(reviewStatuses(db, studyId, raterId).map((r) => [r.sliceIndex, r.status]));
}

/** Every scored slice of the study (or of all studies), most uncertain first. */
export function triageQueue(db: Db, studyId: number | null, raterId: number | null) {
  const studies = studyId === null ? listStudies(db) : [getStudy(db, studyId)];
  const items: QueueItem[] = [];
  const warnings: { studyId: number; runId: number; message: string }[] = [];
  let scoreTotal = 0;
  let scoreUnsettled = 0;
  for (const study of studies) {
    const run = currentRun(db, study.id);
    if (!run) continue;
    for (const message of run.warnings) warnings.push({ studyId: study.id, runId: run.id, message });
    const acrossRaters = statusesAcrossRaters(db, study.id);
    const status = raterId === null ? acrossRaters : statusesOfRater(db, study.id, raterId);
    for (const s of sliceScores(db, [run.id])) {
      scoreTotal += s.score;
      if (acrossRaters.get(s.sliceIndex) !== 'reviewed') scoreUnsettled += s.score;
      items.push({
        studyId: study.id,
        studyName: study.name,
        sliceIndex: s.sliceIndex,
        score: s.score,
        totalUncertainty: s.totalUncertainty,
        lesionUncertainty: s.lesionUncertainty,
        meanArea: s.meanArea,
        status: status.get(s.sliceIndex) ?? 'unreviewed',
        runId: run.id,
        roiId: s.roiId,
      });
    }
  }
  items.sort((a, b) => b.score - a.score || b.totalUncertainty - a.totalUncertainty || a.studyId - b.studyId || a.sliceIndex - b.sliceIndex);
  const count = (status: ReviewStatus) => items.filter((i) => i.status === status).length;
  return { items, reviewed: count('reviewed'), secondLook: count('second-look'), unreviewed: count('unreviewed'), total: items.length, scoreTotal, scoreUnsettled, warnings };
}

// ---------- models ----------

function listModels(modelsDir: string, loadProblems: Map<string, string>): ModelInfo[] {
  // in the order triage chooses its default, so that the first usable one is the model a run takes
  return byPreference(discoverModels(modelsDir)).map((e) => {
    const problem = e.problem ?? (e.card && loadProblems.get(e.card.sha256)) ?? null;
    return {
      id: e.id,
      name: e.card?.name ?? e.id,
      file: e.file ?? e.cardPath,
      sha256: e.card?.sha256 ?? '',
      ok: problem === null,
      problem,
      defaults: e.card?.defaults ?? { samples: 16, steps: 1, sampler: 'ddim' },
      validation: e.card?.validation ?? null,
    };
  });
}

export const triageHandlers: HandlerGroup<'models.list' | 'triage.start' | 'triage.queue' | 'triage.result'> = {
  'models.list': (_req, app) => app.triage.models(),

  'triage.start': (req, app, call) => app.triage.start(req.studyId, req, `triage (${call.transport})`),

  'triage.queue': ({ studyId, raterId }, app) => triageQueue(app.db, studyId, raterId),

  'triage.result': ({ studyId, sliceIndex }, app) => {
    getStudy(app.db, studyId);
    const run = currentRun(app.db, studyId);
    const result = run && getSliceResult(app.db, run.id, sliceIndex);
    if (!run || !result) return null;
    return {
      runId: run.id,
      modelId: run.modelId,
      width: result.width,
      height: result.height,
      samples: result.samples.map(packMask),
      mean: result.mean,
      uncertainty: result.uncertainty,
      entropy: result.entropy,
      totalUncertainty: result.totalUncertainty,
      lesionUncertainty: result.lesionUncertainty,
      score: result.score,
      warnings: result.warnings,
    };
  },
};
