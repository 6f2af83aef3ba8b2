import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { unpackMask } from '../../shared/masks';
import { createApp, type App } from '../app';
import { buildWorker, FIXTURES_DIR } from '../engine/fixtures';
import { MODELS_DIR, SHARED_DATA, tempDir } from '../testing/paths';
import { discoverModels } from '../engine/models';
import { createRun, saveSliceResult } from '../store';

const NODULE = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0');
const CT = path.join(SHARED_DATA, 'volumes', 'chest-abdomen-ct.nii.gz');

beforeAll(async () => {
  process.env.CALDIFF_SAMPLING_WORKER = await buildWorker();
});

const opened: App[] = [];
afterEach(() => opened.splice(0).forEach((a) => a.close()));

/** An app on a fresh data directory whose models folder holds the given fixtures. */
function newApp(models: string[] = ['bayes']) {
  const modelsDir = tempDir('caldiff-models-');
  for (const m of models) for (const ext of ['.onnx', '.json']) copyFileSync(path.join(FIXTURES_DIR, m + ext), path.join(modelsDir, m + ext));
  const app = createApp({ dataDir: tempDir(), modelsDir, settings: { forceCpu: true } });
  opened.push(app);
  return { app, api: app.client() };
}

const runs = (app: App) =>
  app.context.db.prepare('SELECT id, state, model_id AS modelId, model_sha256 AS sha, provider, sampler, seed, samples, steps, timings FROM model_runs ORDER BY id').all() as {
    id: number;
    state: string;
    modelId: string;
    sha: string;
    provider: string;
    sampler: string;
    seed: number;
    samples: number;
    steps: number;
    timings: string;
  }[];

describe('triage', () => {
  it('samples every slice, stores the run with its provenance and ranks the slices', async () => {
    const { app, api } = newApp();
    const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
    const started = await api['triage.start']({ studyId: study.id, samples: 4, steps: 5, seed: 11 });
    expect(started).toMatchObject({ kind: 'triage', studyId: study.id, total: 9 });
    const job = await app.context.jobs.settled(started.id);
    expect(job).toMatchObject({ state: 'done', done: 9, total: 9, error: null });

    const [run] = runs(app);
    expect(run).toMatchObject({ state: 'complete', modelId: 'bayes', provider: 'cpu', sampler: 'ddim', seed: 11, samples: 4, steps: 5 });
    expect(run.sha).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(run.timings)).toMatchObject({ slices: 9, loadMs: expect.any(Number), msPerSlice: expect.any(Number) });

    const queue = await api['triage.queue']({ studyId: study.id, raterId: null });
    expect(queue.total).toBe(9);
    expect(queue.items.map((i) => i.sliceIndex).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (let i = 1; i < queue.items.length; i++) expect(queue.items[i - 1].score).toBeGreaterThanOrEqual(queue.items[i].score);
    expect(queue.items.every((i) => i.status === 'unreviewed' && i.runId === run.id)).toBe(true);

    const top = queue.items[0];
    const result = await api['triage.result']({ studyId: study.id, sliceIndex: top.sliceIndex });
    expect(result).not.toBeNull();
    expect(result!.samples).toHaveLength(4);
    expect(result!.samples[0]).toHaveLength((128 * 128) / 8); // bit-packed
    expect(result!.mean).toHaveLength(128 * 128);
    expect(result!.score).toBeCloseTo(top.score, 6);
    // the mean mask is the average of the stored samples
    const unpacked = result!.samples.map((s) => unpackMask(s, 128 * 128));
    const p = unpacked.findIndex((m) => m.some((v) => v));
    expect(p).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 128 * 128; i += 97) expect(result!.mean[i]).toBeCloseTo(unpacked.reduce((a, m) => a + m[i], 0) / 4, 6);

    // the review status follows the raters' reviews
    const rater = await api['raters.create']({ name: 'Dr Test' });
    await api['review.set']({ studyId: study.id, sliceIndex: top.sliceIndex, raterId: rater.id, status: 'reviewed' });
    const mine = await api['triage.queue']({ studyId: null, raterId: rater.id });
    expect(mine.reviewed).toBe(1);
    expect(mine.items[0]).toMatchObject({ sliceIndex: top.sliceIndex, status: 'reviewed', studyName: study.name });
    // A second look is its own state; the done rule counts the score of every slice nobody has settled.
    await api['review.set']({ studyId: study.id, sliceIndex: queue.items[1].sliceIndex, raterId: rater.id, status: 'second-look' });
    const flagged = await api['triage.queue']({ studyId: study.id, raterId: rater.id });
    expect(flagged).toMatchObject({ reviewed: 1, secondLook: 1, unreviewed: 7, total: 9 });
    const sum = queue.items.reduce((a, i) => a + i.score, 0);
    expect(flagged.scoreTotal).toBeCloseTo(sum, 6);
    expect(flagged.scoreUnsettled).toBeCloseTo(sum - top.score, 6);
    expect(queue.scoreUnsettled).toBeCloseTo(sum, 6);

    const models = await api['models.list']({});
    expect(models.provider).toMatchObject({ active: 'cpu', forcedCpu: true });
    expect(models.models).toEqual([expect.objectContaining({ id: 'bayes', ok: true, problem: null })]);
  });

  it('serves a re-run with identical settings from the store; other settings run again', async () => {
    const { app, api } = newApp();
    const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
    const settings = { studyId: study.id, samples: 2, steps: 2, seed: 5 };
    await app.context.jobs.settled((await api['triage.start'](settings)).id);
    const again = await app.context.jobs.settled((await api['triage.start'](settings)).id);
    expect(again.message).toMatch(/^served from stored run 1/);
    expect(runs(app)).toHaveLength(1);
    await app.context.jobs.settled((await api['triage.start']({ ...settings, seed: 6 })).id);
    expect(runs(app).map((r) => r.seed)).toEqual([5, 6]);
  });

  it('runs started together queue behind each other and both complete', async () => {
    const { app, api } = newApp();
    const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
    const first = await api['triage.start']({ studyId: study.id, samples: 2, steps: 3, seed: 1 });
    const second = await api['triage.start']({ studyId: study.id, samples: 2, steps: 3, seed: 2 });
    expect(first.state).toBe('running');
    expect(second).toMatchObject({ state: 'queued', message: 'waiting for the triage run before it to finish' });
    expect(await api['jobs.get']({ jobId: second.id })).toMatchObject({ state: 'queued' });
    // Its turn comes when the first has finished: it is running (or done) by then, never queued again.
    const seen: string[] = [];
    const off = app.context.jobs.subscribe((j) => j.id === second.id && seen.at(-1) !== j.state && seen.push(j.state));
    const jobs = await Promise.all([first, second].map((j) => app.context.jobs.settled(j.id)));
    off();
    expect(jobs.map((j) => j.state)).toEqual(['done', 'done']);
    expect(seen).toEqual(['running', 'done']);
    const rows = runs(app);
    expect(rows.map((r) => [r.seed, r.state])).toEqual([
      [1, 'complete'],
      [2, 'complete'],
    ]);
  });

  it('a queued run cancelled before its turn ends at once and never samples', async () => {
    const { app, api } = newApp();
    const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
    const first = await api['triage.start']({ studyId: study.id, samples: 2, steps: 3, seed: 1 });
    const second = await api['triage.start']({ studyId: study.id, samples: 2, steps: 3, seed: 2 });
    expect(await api['jobs.cancel']({ jobId: second.id })).toMatchObject({ state: 'cancelled', message: 'cancelled before it started' });
    expect((await app.context.jobs.settled(first.id)).state).toBe('done');
    const third = await app.context.jobs.settled((await api['triage.start']({ studyId: study.id, samples: 2, steps: 3, seed: 3 })).id);
    expect(third.state).toBe('done');
    expect(runs(app).map((r) => [r.seed, r.state])).toEqual([
      [1, 'complete'],
      [3, 'complete'],
    ]);
  });

  it('results stream in while a run goes on; a cancelled run leaves no result marked complete', async () => {
    const { app, api } = newApp();
    const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
    const job = await api['triage.start']({ studyId: study.id, samples: 2, steps: 400, seed: 1 });
    await new Promise<void>((resolve) => {
      const off = app.context.jobs.subscribe((j) => j.id === job.id && j.done >= 1 && (off(), resolve()));
    });
    // streaming: the slices done so far are already in the queue while the run goes on
    const partial = await api['triage.queue']({ studyId: study.id, raterId: null });
    expect(partial.total).toBeGreaterThanOrEqual(1);
    expect(partial.total).toBeLessThan(9);
    await api['jobs.cancel']({ jobId: job.id });
    const settled = await app.context.jobs.settled(job.id);
    expect(settled.state).toBe('cancelled');
    expect(runs(app).map((r) => r.state)).toEqual(['cancelled']);
    const queue = await api['triage.queue']({ studyId: study.id, raterId: null });
    expect(queue.total).toBe(0);
    expect(await api['triage.result']({ studyId: study.id, sliceIndex: 0 })).toBeNull();
  });

  it('a run left running by an app that stopped is failed when the next app starts, not by reads', async () => {
    const { app, api } = newApp();
    const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
    // What a crashed process leaves behind: a run marked running, with one slice stored, by a process now gone.
    const gone = 2 ** 22 + 12345; // above Linux's pid_max default: no such process
    const settings = { studyId: study.id, modelId: 'bayes', modelSha256: 'a'.repeat(64), sampler: 'ddim', seed: 0, samples: 2, steps: 2 };
    const runId = createRun(app.context.db, settings, 'cpu', 'test', [], gone);
    const empty = new Float32Array(128 * 128);
    saveSliceResult(app.context.db, runId, {
      sliceIndex: 0, width: 128, height: 128, samples: [new Uint8Array(128 * 128), new Uint8Array(128 * 128)], mean: empty, uncertainty: empty, entropy: empty,
      totalUncertainty: 0, lesionUncertainty: 0, score: 0, meanArea: 0, warnings: [], elapsedMs: 1,
    });
    const workerPid = () => (app.context.db.prepare('SELECT worker_pid AS pid FROM model_runs WHERE id = ?').get(runId) as { pid: number }).pid;
    expect(workerPid()).toBe(gone);
    // Reads change nothing: the queue shows what the store holds.
    expect((await api['triage.queue']({ studyId: study.id, raterId: null })).total).toBe(1);
    expect(await api['triage.result']({ studyId: study.id, sliceIndex: 0 })).toMatchObject({ runId });
    expect(runs(app)[0].state).toBe('running');
    // A run another live process samples survives the next start-up; the dead process's run does not.
    const live = createRun(app.context.db, { ...settings, seed: 1 }, 'cpu', 'test', [], process.ppid);
    const next = createApp({ dataDir: app.context.dataDir, modelsDir: app.context.modelsDir, settings: { forceCpu: true } });
    opened.push(next);
    expect(runs(next).map((r) => [r.id, r.state])).toEqual([
      [runId, 'failed'],
      [live, 'running'],
    ]);
    expect((await next.client()['triage.result']({ studyId: study.id, sliceIndex: 0 }))).toBeNull();
  });

  it("refuses a study that is not model-sized without an ROI; a 3 mm CT is resampled to the model's scale inside one", async () => {
    const { app, api } = newApp();
    const [ct] = (await api['studies.import']({ paths: [CT] })).studies;
    expect(ct.dims).toEqual([122, 101, 112]);
    await expect(api['triage.start']({ studyId: ct.id, samples: 2, steps: 2 })).rejects.toThrow(/122x101 slices and no region of interest/);
    // The fixture card knows no training spacing; give it the shipped model's range.
    const card = path.join(app.context.modelsDir, 'bayes.json');
    const json = JSON.parse(readFileSync(card, 'utf8'));
    writeFileSync(card, JSON.stringify({ ...json, input: { ...json.input, pixelSpacingMm: { min: 0.46, max: 0.98 } } }));
    const roi = await api['roi.add']({ studyId: ct.id, center: [60, 50, 60], slices: [60, 61] });
    // 128 px at 0.98 mm cover 125 mm: 42 of this scan's 3 mm pixels
    expect(roi.window).toEqual([42, 42]);
    const job = await app.context.jobs.settled((await api['triage.start']({ studyId: ct.id, samples: 2, steps: 2 })).id);
    expect(job.state).toBe('done');
    expect(job.warnings).toEqual([expect.stringMatching(/pixel spacing 3\.000 x 3\.000 mm lies outside the model's training range 0\.46-0\.98 mm, so each region of interest is cut as 42x42 pixels and resampled to 128x128/)]);
    const result = await api['triage.result']({ studyId: ct.id, sliceIndex: 60 });
    expect(result).toMatchObject({ width: 122, height: 101 });
    expect(result!.uncertainty).toHaveLength(122 * 101);
    expect(result!.warnings[0]).toMatch(/slice 60 is 42x42, the model takes 128x128/);
    expect((await api['triage.queue']({ studyId: ct.id, raterId: null })).items.map((i) => i.sliceIndex).sort()).toEqual([60, 61]);
  });

  it('a model that breaks the contract fails the job naming the file, and the models list says why', async () => {
    const { app, api } = newApp(['wrong-input']);
    const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
    const job = await app.context.jobs.settled((await api['triage.start']({ studyId: study.id, samples: 2, steps: 2 })).id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/wrong-input\.onnx does not match the CalDiff ONNX contract: inputs are \[img,x_t,t\]/);
    expect(runs(app)).toEqual([]);
    const [model] = (await api['models.list']({})).models;
    expect(model).toMatchObject({ id: 'wrong-input', ok: false, problem: expect.stringContaining('missing "image"') });
  });

  it('refuses requests outside the contract before anything runs', async () => {
    const { app, api } = newApp([]);
    await expect(api['triage.start']({ studyId: 1, samples: 0 })).rejects.toMatchObject({ code: 'validation' });
    await expect(api['triage.start']({ studyId: 99 })).rejects.toMatchObject({ code: 'not_found' });
    const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
    await expect(api['triage.start']({ studyId: study.id })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/no usable model/) });
    expect(app.context.jobs.list()).toEqual([]);
  });

  it('triages a LIDC patient end to end with the shipped model', async () => {
    const shipped = discoverModels(MODELS_DIR).find((m) => m.problem === null);
    expect(shipped, `no usable model in ${MODELS_DIR}`).toBeDefined();
    const app = createApp({ dataDir: tempDir(), modelsDir: MODELS_DIR, settings: { forceCpu: true } });
    opened.push(app);
    const api = app.client();
    const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
    const job = await app.context.jobs.settled((await api['triage.start']({ studyId: study.id, modelId: shipped!.id, samples: 2, steps: 2 })).id);
    expect(job).toMatchObject({ state: 'done', done: 9, error: null });
    expect(runs(app)[0]).toMatchObject({ modelId: shipped!.id, sha: shipped!.card!.sha256, provider: 'cpu', state: 'complete' });
    const queue = await api['triage.queue']({ studyId: study.id, raterId: null });
    expect(queue.items.map((i) => i.sliceIndex).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const result = await api['triage.result']({ studyId: study.id, sliceIndex: queue.items[0].sliceIndex });
    expect(result!.uncertainty.every((u) => Number.isFinite(u) && u >= 0)).toBe(true);
  });
});
