import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packMask, unpackMask } from '../../shared/masks';
import { majorityVote, staple } from '../../shared/metrics/consensus';
import { referenceCalibration, referenceDice } from '../../shared/metrics/reference';
import { createApp, type App } from '../app';
import { sliceOutputs } from '../engine/outputs';
import { readNiftiFile } from '../io/nifti';
import { createRun, ensureRater, finishRun, saveMask, saveSliceResult } from '../store';
import { SHARED_DATA, tempDir } from '../testing/paths';
import { importPaths } from './studies';

const NODULE = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0');
const SIZE = 128 * 128;

/** Rater r's mask on slice k, read straight from the shared NIfTI files. */
function raterSlice(r: number, k: number): Uint8Array {
  const { data } = readNiftiFile(path.join(NODULE, `rater-${r}.nii.gz`), 'windowed').volume;
  return Uint8Array.from(data.subarray(k * SIZE, (k + 1) * SIZE), (v) => (v ? 1 : 0));
}

let app: App;
let studyId: number;

beforeAll(async () => {
  app = createApp({ dataDir: tempDir() });
  [studyId] = (await importPaths(app.context.db, [NODULE], 'test')).studyIds;
});
afterAll(() => app.close());

const call = <T>(op: string, request: unknown) => app.call(op, request, { transport: 'cli' }) as Promise<T>;
const FULL = { viewerRaterId: null, blinded: false };

interface SliceAgreement {
  raters: { raterId: number; raterName: string }[];
  pairwiseDice: (number | null)[][];
  meanPairwiseDice: number | null;
  staple: { raterId: number; sensitivity: number; specificity: number }[];
  consensusMajority: Uint8Array;
  consensusStaple: Uint8Array;
  model: Record<string, number | null> | null;
}

describe('metrics.slice', () => {
  it('gives the raters pairwise Dice, majority and STAPLE consensus of the imported LIDC masks', async () => {
    const masks = [0, 1, 2, 3].map((r) => raterSlice(r, 7));
    const res = await call<SliceAgreement>('metrics.slice', { studyId, sliceIndex: 7, ...FULL });
    expect(res.raters.map((r) => r.raterName)).toEqual(['LIDC reader 1', 'LIDC reader 2', 'LIDC reader 3', 'LIDC reader 4']);
    for (let i = 0; i < 4; i++) {
      expect(res.pairwiseDice[i][i]).toBeNull();
      for (let j = 0; j < 4; j++) if (i !== j) expect(res.pairwiseDice[i][j]).toBeCloseTo(referenceDice(masks[i], masks[j]), 12);
    }
    expect(res.meanPairwiseDice).toBeGreaterThan(0.3);
    expect(res.meanPairwiseDice).toBeLessThan(0.95);
    expect(res.consensusMajority).toEqual(packMask(majorityVote(masks)));
    expect(res.consensusStaple).toEqual(packMask(staple(masks).consensus));
    expect(res.staple).toHaveLength(4);
    // Reader 2 drew by far the smallest outline on this slice (301 px against 383-609): STAPLE finds it least sensitive.
    const sensitivities = res.staple.map((s) => s.sensitivity);
    expect(Math.min(...sensitivities)).toBe(sensitivities[1]);
    expect(res.model).toBeNull();
  });

  it('on a slice only one reader marked: empty raters agree with each other and not with that reader', async () => {
    const res = await call<SliceAgreement>('metrics.slice', { studyId, sliceIndex: 8, ...FULL });
    expect(res.pairwiseDice[0][1]).toBe(1);
    expect(res.pairwiseDice[0][3]).toBe(0);
    expect(unpackMask(res.consensusMajority, SIZE).every((v) => v === 0)).toBe(true);
  });

  it('scores the stored triage samples against the raters', async () => {
    const k = 3;
    const raters = [0, 1, 2, 3].map((r) => raterSlice(r, k));
    const db = app.context.db;
    const runId = createRun(db, { studyId, modelId: 'raters-as-samples', modelSha256: 'none', sampler: 'ddim', seed: 0, samples: 4, steps: 1 }, 'cpu', 'test');
    // The raters' own masks as the "samples": a perfectly calibrated model by every measure.
    saveSliceResult(db, runId, { sliceIndex: k, width: 128, height: 128, ...sliceOutputs(raters, 128, 128), warnings: [], elapsedMs: 0 });
    const noisy = [raterSlice(0, 7), raterSlice(0, 7), raterSlice(3, 7)];
    saveSliceResult(db, runId, { sliceIndex: 7, width: 128, height: 128, ...sliceOutputs(noisy, 128, 128), warnings: [], elapsedMs: 0 });
    finishRun(db, runId, 'complete', {}, null, 'test');

    const perfect = await call<SliceAgreement>('metrics.slice', { studyId, sliceIndex: k, ...FULL });
    expect(perfect.model).toMatchObject({ dmax: 1, sc: 1, da: 1, ci: 1, ged: 0 });
    const other = await call<SliceAgreement>('metrics.slice', { studyId, sliceIndex: 7, ...FULL });
    const expected = referenceCalibration(noisy, [0, 1, 2, 3].map((r) => raterSlice(r, 7)));
    for (const key of ['sncc', 'dmax', 'sc', 'da', 'ci', 'ged'] as const) expect(other.model![key]).toBeCloseTo(expected[key]!, 9);

    const none = await call<SliceAgreement>('metrics.slice', { studyId, sliceIndex: 0, ...FULL });
    expect(none.model).toBeNull();
  });

  it('on a volume nobody has marked: no raters, then one rater, whose STAPLE rates against their own mask are not given', async () => {
    const db = app.context.db;
    const [ctId] = (await importPaths(db, [path.join(SHARED_DATA, 'volumes', 'chest-abdomen-ct.nii.gz')], 'test')).studyIds;
    const pixels = 122 * 101;
    const bare = await call<SliceAgreement>('metrics.slice', { studyId: ctId, sliceIndex: 50, ...FULL });
    expect(bare).toMatchObject({ raters: [], pairwiseDice: [], meanPairwiseDice: null, staple: [], model: null });
    expect(bare.consensusStaple).toEqual(packMask(new Uint8Array(pixels)));

    const reader = ensureRater(db, 'Dr Empty');
    saveMask(db, { studyId: ctId, sliceIndex: 50, raterId: reader.id, mask: new Uint8Array(pixels), source: 'manual', baseRevision: null }, reader.name);
    const one = await call<SliceAgreement>('metrics.slice', { studyId: ctId, sliceIndex: 50, ...FULL });
    expect(one.raters.map((r) => r.raterName)).toEqual(['Dr Empty']);
    expect(one.pairwiseDice).toEqual([[null]]);
    expect(one.meanPairwiseDice).toBeNull();
    // One rater against a consensus that is their own mask: no rates at all, rather than a sensitivity "against itself".
    expect(one.staple).toEqual([]);
    expect(unpackMask(one.consensusMajority, pixels).some((v) => v !== 0)).toBe(false);
    const marked = new Uint8Array(pixels).fill(1, 40 * 122, 42 * 122);
    saveMask(db, { studyId: ctId, sliceIndex: 50, raterId: reader.id, mask: marked, source: 'manual', baseRevision: 1 }, reader.name);
    const drawn = await call<SliceAgreement>('metrics.slice', { studyId: ctId, sliceIndex: 50, ...FULL });
    expect(drawn.staple).toEqual([]);
    expect(drawn.consensusStaple).toEqual(packMask(marked));
    const second = ensureRater(db, 'Dr Second');
    saveMask(db, { studyId: ctId, sliceIndex: 50, raterId: second.id, mask: marked, source: 'manual', baseRevision: null }, second.name);
    const two = await call<SliceAgreement>('metrics.slice', { studyId: ctId, sliceIndex: 50, ...FULL });
    expect(two.staple.map((r) => r.raterId).sort()).toEqual([reader.id, second.id].sort());
  });

  it('jumps to the slice of most rater disagreement, and with one rater says it needs two (needs_more)', async () => {
    const agreement = await call<{ slices: { sliceIndex: number; meanPairwiseDice: number | null }[] }>('metrics.study', { studyId, ...FULL });
    const rated = agreement.slices.filter((s) => s.meanPairwiseDice !== null);
    expect(rated.length).toBeGreaterThan(1);
    const lowest = rated.reduce((a, b) => (b.meanPairwiseDice! < a.meanPairwiseDice! ? b : a));
    expect(await call('metrics.jump', { studyId, to: 'disagreement', ...FULL })).toEqual({ sliceIndex: lowest.sliceIndex });

    // A store of its own, so that no other test's masks or runs count here.
    const alone = createApp({ dataDir: tempDir() });
    const db = alone.context.db;
    const [ctId] = (await importPaths(db, [path.join(SHARED_DATA, 'volumes', 'chest-abdomen-ct.nii.gz')], 'test')).studyIds;
    const only = ensureRater(db, 'Dr Alone');
    saveMask(db, { studyId: ctId, sliceIndex: 10, raterId: only.id, mask: new Uint8Array(122 * 101).fill(1, 0, 500), source: 'manual', baseRevision: null }, only.name);
    const jump = (to: string) => alone.call('metrics.jump', { studyId: ctId, to, ...FULL }, { transport: 'cli' });
    await expect(jump('disagreement')).rejects.toMatchObject({ code: 'needs_more', message: expect.stringMatching(/two raters/) });
    await expect(jump('mismatch')).rejects.toMatchObject({ code: 'needs_more', message: expect.stringMatching(/triage results/) });
    alone.close();
  });

  it('refuses a slice the study does not have and a study that does not exist', async () => {
    await expect(call('metrics.slice', { studyId, sliceIndex: 99, ...FULL })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call('metrics.slice', { studyId: 9999, sliceIndex: 0, ...FULL })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('metrics.study', () => {
  interface StudyAgreement {
    slices: { sliceIndex: number; meanPairwiseDice: number | null; model: Record<string, number | null> | null; uncertainty: number | null }[];
    pairwiseDice: (number | null)[][];
    raters: { raterId: number; raterName: string }[];
    hidden: number;
  }

  it('pools Dice over the study, lists every slice, and adds a new rater only where they annotated', async () => {
    const db = app.context.db;
    const late = ensureRater(db, 'Dr Late');
    const own = raterSlice(2, 4);
    saveMask(db, { studyId, sliceIndex: 4, raterId: late.id, mask: own, source: 'manual', baseRevision: null }, late.name);

    const res = await call<StudyAgreement>('metrics.study', { studyId, ...FULL });
    expect(res.raters.map((r) => r.raterName)).toEqual(['Dr Late', 'LIDC reader 1', 'LIDC reader 2', 'LIDC reader 3', 'LIDC reader 4']);
    expect(res.slices.map((s) => s.sliceIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);

    // Readers 1 and 4 over all nine slices, pooled: 2 * sum of intersections / sum of areas.
    let inter = 0;
    let areas = 0;
    for (let k = 0; k < 9; k++) {
      const a = raterSlice(0, k);
      const b = raterSlice(3, k);
      for (let i = 0; i < SIZE; i++) {
        inter += a[i] & b[i];
        areas += a[i] + b[i];
      }
    }
    expect(res.pairwiseDice[1][4]).toBeCloseTo((2 * inter) / areas, 12);
    expect(res.pairwiseDice[4][1]).toBe(res.pairwiseDice[1][4]);
    // Dr Late copied reader 3 on the one slice they drew: pooled over that slice only, they agree perfectly.
    expect(res.pairwiseDice[0][3]).toBe(1);
    expect(res.pairwiseDice[0][0]).toBeNull();

    const withModel = res.slices.filter((s) => s.model !== null).map((s) => s.sliceIndex);
    expect(withModel).toEqual([3, 7]);
    expect(res.slices[3].model).toMatchObject({ ged: 0, dmax: 1 });
    expect(res.slices[3].uncertainty).toBeGreaterThan(0);
    expect(res.slices[0].uncertainty).toBeNull();
  });

  it('computes nothing from masks a blinded viewer may not see yet, and everything once they reviewed the slice', async () => {
    const db = app.context.db;
    const reader = ensureRater(db, 'Dr Blind');
    const own = raterSlice(1, 5);
    saveMask(db, { studyId, sliceIndex: 5, raterId: reader.id, mask: own, source: 'manual', baseRevision: null }, reader.name);
    const viewer = { viewerRaterId: reader.id, blinded: true };

    const slice = await call<SliceAgreement & { hidden: number }>('metrics.slice', { studyId, sliceIndex: 5, ...viewer });
    expect(slice.raters.map((r) => r.raterName)).toEqual(['Dr Blind']);
    expect(slice.hidden).toBe(4);
    expect(slice.consensusMajority).toEqual(packMask(own));
    const study = await call<StudyAgreement>('metrics.study', { studyId, ...viewer });
    expect(study.raters.map((r) => r.raterName)).toEqual(['Dr Blind']);
    const everyone = await call<StudyAgreement>('metrics.study', { studyId, ...FULL });
    const masksInStudy = everyone.slices.length * 4 + 2; // four LIDC readers on every slice, Dr Late and Dr Blind on one each
    expect(study.hidden).toBe(masksInStudy - 1);

    await call('review.set', { studyId, sliceIndex: 5, raterId: reader.id, status: 'reviewed' });
    const reviewed = await call<SliceAgreement & { hidden: number }>('metrics.slice', { studyId, sliceIndex: 5, ...viewer });
    expect(reviewed.hidden).toBe(0);
    expect(reviewed.raters).toHaveLength(5);
    expect(reviewed.consensusMajority).toEqual(packMask(majorityVote([own, ...[0, 1, 2, 3].map((r) => raterSlice(r, 5))])));
    const afterReview = await call<StudyAgreement>('metrics.study', { studyId, ...viewer });
    expect(afterReview.hidden).toBe(masksInStudy - 5);
    expect(afterReview.raters.map((r) => r.raterName)).toContain('LIDC reader 2');
  });
});
