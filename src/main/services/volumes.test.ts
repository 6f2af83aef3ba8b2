import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackMask } from '../../shared/masks';
import { createApp, type App } from '../app';
import { sliceOutputs } from '../engine/outputs';
import { createRun, ensureRater, finishRun, saveMask, saveSliceResult, setReview } from '../store';
import { SHARED_DATA, tempDir } from '../testing/paths';
import { importPaths } from './studies';

const NODULE = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0');

let app: App;
let studyId: number;

beforeAll(async () => {
  app = createApp({ dataDir: tempDir() });
  [studyId] = (await importPaths(app.context.db, [NODULE], 'test')).studyIds;
});
afterAll(() => app.close());

const call = <T>(op: string, request: unknown) => app.call(op, request, { transport: 'cli' }) as Promise<T>;

interface MaskVolume {
  width: number;
  height: number;
  depth: number;
  raters: { raterId: number; raterName: string; slices: { sliceIndex: number; mask: Uint8Array }[] }[];
  hidden: number;
}

describe('whole-study reads for the MPR and 3D views', () => {
  it("gives every visible rater's masks slice by slice, and hides others' from a blinded reader", async () => {
    const full = await call<MaskVolume>('annotations.volume', { studyId, viewerRaterId: null, blinded: false });
    expect(full.raters.map((r) => r.raterName)).toEqual(['LIDC reader 1', 'LIDC reader 2', 'LIDC reader 3', 'LIDC reader 4']);
    expect(full.raters[0].slices.length).toBeGreaterThan(1);
    const n = full.width * full.height;
    const { slices } = full.raters[0];
    const oneSlice = await call<{ masks: { raterName: string; mask: Uint8Array }[] }>('annotations.get', { studyId, sliceIndex: slices[0].sliceIndex, viewerRaterId: null, blinded: false });
    expect(unpackMask(slices[0].mask, n)).toEqual(unpackMask(oneSlice.masks.find((m) => m.raterName === 'LIDC reader 1')!.mask, n));

    const db = app.context.db;
    const reader = ensureRater(db, 'Dr Volume');
    const own = new Uint8Array(n);
    own.fill(1, 0, 50);
    saveMask(db, { studyId, sliceIndex: slices[0].sliceIndex, raterId: reader.id, mask: own, source: 'manual', baseRevision: 0 }, reader.name);
    const blinded = await call<MaskVolume>('annotations.volume', { studyId, viewerRaterId: reader.id, blinded: true });
    expect(blinded.raters.map((r) => r.raterName)).toEqual(['Dr Volume']);
    expect(blinded.hidden).toBeGreaterThan(0);
    setReview(db, studyId, slices[0].sliceIndex, reader.id, 'reviewed', reader.name);
    const reviewed = await call<MaskVolume>('annotations.volume', { studyId, viewerRaterId: reader.id, blinded: true });
    // Reviewing one slice shows the others' masks of that slice only.
    expect(reviewed.raters.map((r) => r.raterName)).toContain('LIDC reader 1');
    for (const r of reviewed.raters) expect(r.slices.map((s) => s.sliceIndex)).toEqual([slices[0].sliceIndex]);
  });

  it("gives the model's mean and uncertainty of every triaged slice, or null before triage", async () => {
    expect(await call('triage.volume', { studyId })).toBeNull();
    const db = app.context.db;
    const runId = createRun(db, { studyId, modelId: 'm', modelSha256: 'x', sampler: 'ddim', seed: 0, samples: 2, steps: 1 }, 'cpu', 'test');
    const size = 4 * 4;
    const samples = [new Uint8Array(size).fill(1, 0, 8), new Uint8Array(size).fill(1, 0, 4)];
    saveSliceResult(db, runId, { sliceIndex: 3, width: 4, height: 4, warnings: [], elapsedMs: 1, ...sliceOutputs(samples, 4, 4) });
    finishRun(db, runId, 'complete', {}, null, 'test');
    const volume = await call<{ width: number; slices: { sliceIndex: number; mean: Float32Array; uncertainty: Float32Array }[] }>('triage.volume', { studyId });
    expect(volume.width).toBe(4);
    expect(volume.slices.map((s) => s.sliceIndex)).toEqual([3]);
    expect(Array.from(volume.slices[0].mean.subarray(0, 8))).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    expect(volume.slices[0].uncertainty[6]).toBeGreaterThan(0);
  });
});
