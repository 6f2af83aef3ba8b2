import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packMask, unpackMask } from '../../shared/masks';
import { majorityVote } from '../../shared/metrics';
import { safeName } from '../../shared/text';
import { createApp, type App } from '../app';
import { sliceOutputs } from '../engine/outputs';
import { readNiftiFile } from '../io/nifti';
import { createRun, finishRun, saveSliceResult } from '../store';
import { REPO_ROOT, SHARED_DATA, tempDir } from '../testing/paths';

const NODULE = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0');
const LIDC_CT = path.join(SHARED_DATA, 'lidc-ct', 'LIDC-IDRI-0001');
const WITH_SEG = path.join(SHARED_DATA, 'dicom', 'ct-3slice-with-seg');
const SIZE = 128 * 128;
const K = 7;

let app: App;
let api: ReturnType<App['client']>;
let studyId: number;

beforeAll(async () => {
  app = createApp({ dataDir: tempDir() });
  api = app.client();
  [{ id: studyId }] = (await api['studies.import']({ paths: [NODULE] })).studies;
});
afterAll(() => app.close());

const blindedAs = (raterId: number) => ({ viewerRaterId: raterId, blinded: true });
const lidcReader = async (n: number) => (await api['raters.list']({})).find((r) => r.name === `LIDC reader ${n}`)!;
const maskOf = async (raterId: number, sliceIndex = K) =>
  unpackMask((await api['annotations.get']({ studyId, sliceIndex, viewerRaterId: null, blinded: false })).masks.find((m) => m.raterId === raterId)!.mask, SIZE);

describe('roles', () => {
  it('creates readers by default and adjudicators when asked; a name keeps its role', async () => {
    expect(await api['raters.create']({ name: 'Reader Role' })).toMatchObject({ role: 'reader' });
    expect(await api['raters.create']({ name: 'Adj Role', role: 'adjudicator' })).toMatchObject({ role: 'adjudicator' });
    await expect(api['raters.create']({ name: 'reader role', role: 'adjudicator' })).rejects.toMatchObject({ code: 'conflict' });
    expect((await api['raters.list']({})).filter((r) => r.name.endsWith('Role')).map((r) => r.role).sort()).toEqual(['adjudicator', 'reader']);
  });

  it('never blinds an adjudicator, and keeps blinding readers', async () => {
    const adjudicator = await api['raters.create']({ name: 'Adj Sees', role: 'adjudicator' });
    const reader = await api['raters.create']({ name: 'Reader Blind' });
    const seen = await api['annotations.get']({ studyId, sliceIndex: K, ...blindedAs(adjudicator.id) });
    expect(seen.masks.map((m) => m.raterName)).toEqual(['LIDC reader 1', 'LIDC reader 2', 'LIDC reader 3', 'LIDC reader 4']);
    expect(seen.hidden).toBe(0);
    expect((await api['metrics.slice']({ studyId, sliceIndex: K, ...blindedAs(adjudicator.id) })).raters).toHaveLength(4);
    const blind = await api['annotations.get']({ studyId, sliceIndex: K, ...blindedAs(reader.id) });
    expect(blind).toMatchObject({ masks: [], hidden: 4 });
    // Volumetry follows the same rule: a blinded reader measures nothing of the others'.
    const hiddenSizes = await api['metrics.volumes']({ studyId, ...blindedAs(reader.id) });
    expect(hiddenSizes.items.filter((v) => v.kind === 'reader')).toEqual([]);
    expect(hiddenSizes.hidden).toBeGreaterThan(0);
    const allSizes = await api['metrics.volumes']({ studyId, ...blindedAs(adjudicator.id) });
    expect(allSizes.items.filter((v) => v.kind === 'reader').map((v) => v.name)).toEqual(['LIDC reader 1', 'LIDC reader 2', 'LIDC reader 3', 'LIDC reader 4']);
    // An LIDC crop does not know its pixel spacing: its sizes are in voxel units and say so.
    expect(allSizes.spacingKnown).toBe(false);
  });
});

describe('adjudication and the final mask', () => {
  it('refuses a reader who tries to start or mark a final mask', async () => {
    const reader = await api['raters.create']({ name: 'Reader Final' });
    const r2 = await lidcReader(2);
    await expect(api['adjudication.start']({ studyId, sliceIndex: K, adjudicatorId: reader.id, from: { kind: 'reader', raterId: r2.id }, baseRevision: 0 })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await api['annotations.save']({ studyId, sliceIndex: K, raterId: reader.id, mask: packMask(new Uint8Array(SIZE).fill(1, 0, 50)), source: 'manual', baseRevision: 0 });
    await expect(api['final.mark']({ studyId, sliceIndex: K, adjudicatorId: reader.id, baseRevision: 1 })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await api['final.get']({ studyId, sliceIndex: K, viewerRaterId: null, blinded: false })).final).toBeNull();
  });

  it('picks a reader, edits, marks final twice; the final is its own layer, blinded for readers until they review', async () => {
    const adj = await api['raters.create']({ name: 'Dr Adjudicator', role: 'adjudicator' });
    const reader = await api['raters.create']({ name: 'Dr Late Reader' });
    const r2 = await lidcReader(2);
    const picked = await api['adjudication.start']({ studyId, sliceIndex: K, adjudicatorId: adj.id, from: { kind: 'reader', raterId: r2.id }, baseRevision: 0 });
    expect(picked).toEqual({ revision: 1, unchanged: false });
    expect(await maskOf(adj.id)).toEqual(await maskOf(r2.id));
    const first = await api['final.mark']({ studyId, sliceIndex: K, adjudicatorId: adj.id, baseRevision: 1 });
    expect(first).toMatchObject({ revision: 1, basis: 'reader:LIDC reader 2', adjudicatorName: 'Dr Adjudicator' });

    // The consensus starting point is the readers' majority: the adjudicator's own working mask does not vote.
    const all = (await api['annotations.get']({ studyId, sliceIndex: K, viewerRaterId: null, blinded: false })).masks;
    const readers = all.filter((m) => m.raterId !== adj.id).map((m) => unpackMask(m.mask, SIZE));
    await api['adjudication.start']({ studyId, sliceIndex: K, adjudicatorId: adj.id, from: { kind: 'consensus-majority' }, baseRevision: 1 });
    expect(await maskOf(adj.id)).toEqual(majorityVote(readers));

    // An edit of the consensus: one more row of pixels.
    const edited = await maskOf(adj.id);
    edited.fill(1, 5 * 128, 6 * 128);
    await api['annotations.save']({ studyId, sliceIndex: K, raterId: adj.id, mask: packMask(edited), source: 'manual', baseRevision: 2 });
    await expect(api['final.mark']({ studyId, sliceIndex: K, adjudicatorId: adj.id, baseRevision: 2 })).rejects.toMatchObject({ code: 'conflict' });
    const second = await api['final.mark']({ studyId, sliceIndex: K, adjudicatorId: adj.id, baseRevision: 3 });
    expect(second).toMatchObject({ revision: 2, basis: 'edited', area: edited.reduce((a, v) => a + v, 0) });

    const full = await api['final.get']({ studyId, sliceIndex: K, viewerRaterId: null, blinded: false });
    expect(unpackMask(full.final!.mask, SIZE)).toEqual(edited);
    expect(full.revisions.map((r) => [r.revision, r.basis])).toEqual([
      [2, 'edited'],
      [1, 'reader:LIDC reader 2'],
    ]);
    // Agreement still counts the four readers only.
    const agreement = await api['metrics.slice']({ studyId, sliceIndex: K, viewerRaterId: null, blinded: false });
    expect(agreement.raters.map((r) => r.raterName)).toEqual(all.filter((m) => m.raterId !== adj.id).map((m) => m.raterName));

    // A blinded reader who has not reviewed the slice gets neither the final mask nor the adjudicator's draft.
    expect(await api['final.get']({ studyId, sliceIndex: K, ...blindedAs(reader.id) })).toEqual({ final: null, revisions: [], hidden: true });
    await api['review.set']({ studyId, sliceIndex: K, raterId: reader.id, status: 'reviewed' });
    expect((await api['final.get']({ studyId, sliceIndex: K, ...blindedAs(reader.id) })).final?.revision).toBe(2);
    const afterReview = await api['annotations.get']({ studyId, sliceIndex: K, ...blindedAs(reader.id) });
    expect(afterReview.masks.map((m) => m.raterName)).not.toContain('Dr Adjudicator');

    // Audited: one final.mark per marking, by the adjudicator, inside the same transaction as the mask.
    const marks = await api['audit.list']({ studyId, action: 'final.mark', actor: 'Dr Adjudicator', limit: 10 });
    expect(marks.map((a) => a.detail)).toEqual([expect.stringMatching(/^final revision 2, \d+ px, edited/), expect.stringMatching(/^final revision 1, .*reader:LIDC reader 2/)]);

    // Exported as its own NIfTI, in the study's geometry: the final slice, nothing elsewhere.
    const { files } = await api['export.study']({ studyId, outDir: tempDir(), formats: ['final', 'report'] });
    const finalFile = files.find((f) => f.endsWith(path.join('final', 'final.nii.gz')))!;
    const { data } = readNiftiFile(finalFile, 'windowed').volume;
    expect(Array.from(data.subarray(K * SIZE, (K + 1) * SIZE), (v) => (v ? 1 : 0))).toEqual(Array.from(edited));
    expect(Array.from(data).filter((v) => v).length).toBe(second.area);
    const report = JSON.parse(readFileSync(files.find((f) => f.endsWith('report.json'))!, 'utf8'));
    expect(report.volumetry.find((v: { kind: string }) => v.kind === 'final')).toMatchObject({ voxels: second.area, slices: 1, diameterSlice: K });
    expect(readFileSync(files.find((f) => f.endsWith('report-volumetry.csv'))!, 'utf8')).toMatch(/^kind,name,voxels,volume_mm3,.*\nreader,LIDC reader 1,/);
  });

  it('exports the final mask of a DICOM study as a SEG that dciodvfy finds no error in', async () => {
    const dicomApp = createApp({ dataDir: tempDir() });
    const dicom = dicomApp.client();
    const [study] = (await dicom['studies.import']({ paths: [WITH_SEG] })).studies;
    const adj = await dicom['raters.create']({ name: 'Dr Dicom Adjudicator', role: 'adjudicator' });
    const [liver] = (await dicom['annotations.get']({ studyId: study.id, sliceIndex: 1, viewerRaterId: null, blinded: false })).masks;
    await dicom['adjudication.start']({ studyId: study.id, sliceIndex: 1, adjudicatorId: adj.id, from: { kind: 'reader', raterId: liver.raterId }, baseRevision: 0 });
    await dicom['final.mark']({ studyId: study.id, sliceIndex: 1, adjudicatorId: adj.id, baseRevision: 1 });
    const { files } = await dicom['export.study']({ studyId: study.id, outDir: tempDir(), formats: ['final'] });
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['final.nii.gz', 'final.seg.dcm']);
    const verdict = spawnSync('dciodvfy', [files.find((f) => f.endsWith('.seg.dcm'))!], { encoding: 'utf8' });
    expect(`${verdict.stdout}${verdict.stderr}`.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    dicomApp.close();
  });
});

describe('history', () => {
  it('lists every revision of a mask and restores an old one as a new revision with its pixels', async () => {
    const reader = await api['raters.create']({ name: 'Dr History' });
    const other = await api['raters.create']({ name: 'Dr Other' });
    const revisions = [10, 30, 60].map((rows) => new Uint8Array(SIZE).fill(1, 0, rows * 128));
    for (const [i, m] of revisions.entries()) await api['annotations.save']({ studyId, sliceIndex: 2, raterId: reader.id, mask: packMask(m), source: 'manual', baseRevision: i });
    const before = await api['annotations.history']({ studyId, sliceIndex: 2, raterId: reader.id, ...blindedAs(reader.id) });
    expect(before.revisions.map((r) => [r.revision, r.area, r.source])).toEqual([
      [3, 60 * 128, 'manual'],
      [2, 30 * 128, 'manual'],
      [1, 10 * 128, 'manual'],
    ]);
    // Blinded, another reader's history is as hidden as their mask.
    await expect(api['annotations.history']({ studyId, sliceIndex: 2, raterId: reader.id, ...blindedAs(other.id) })).rejects.toMatchObject({ code: 'forbidden' });

    await expect(api['annotations.restore']({ studyId, sliceIndex: 2, raterId: reader.id, revision: 1, baseRevision: 2 })).rejects.toMatchObject({ code: 'conflict' });
    expect(await api['annotations.restore']({ studyId, sliceIndex: 2, raterId: reader.id, revision: 1, baseRevision: 3 })).toEqual({ revision: 4, unchanged: false });
    expect(await maskOf(reader.id, 2)).toEqual(revisions[0]);
    const after = await api['annotations.history']({ studyId, sliceIndex: 2, raterId: reader.id, viewerRaterId: null, blinded: false });
    expect(after.revisions).toHaveLength(4);
    const [restored] = await api['audit.list']({ studyId, actor: 'Dr History', action: 'annotation.restore', limit: 5 });
    expect(restored).toMatchObject({ sliceIndex: 2, detail: 'revision 1 restored as revision 4' });
  });
});

describe('audit log filters', () => {
  it('filters by rater, study and action (family), and refuses a malformed action', async () => {
    const other = (await api['studies.import']({ paths: [path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0002')] })).studies[0];
    const reader = await api['raters.create']({ name: 'Dr Audit' });
    await api['annotations.save']({ studyId, sliceIndex: 1, raterId: reader.id, mask: packMask(new Uint8Array(SIZE).fill(1, 0, 9)), source: 'manual', baseRevision: 0 });
    await api['annotations.save']({ studyId: other.id, sliceIndex: 0, raterId: reader.id, mask: packMask(new Uint8Array(SIZE).fill(1, 0, 9)), source: 'manual', baseRevision: 0 });
    await api['review.set']({ studyId, sliceIndex: 1, raterId: reader.id, status: 'reviewed' });

    const mine = await api['audit.list']({ studyId: null, actor: 'Dr Audit', limit: 100 });
    expect(mine.map((a) => `${a.action}@${a.studyId}`).sort()).toEqual([`annotation.save@${other.id}`, `annotation.save@${studyId}`, 'rater.create@null', `review.set@${studyId}`].sort());
    const here = await api['audit.list']({ studyId, actor: 'Dr Audit', action: 'annotation', limit: 100 });
    expect(here.map((a) => a.action)).toEqual(['annotation.save']);
    expect((await api['audit.list']({ studyId: other.id, actor: null, action: 'review', limit: 100 })).length).toBe(0);
    const vocabulary = await api['audit.filters']({});
    expect(vocabulary.actors).toContain('Dr Audit');
    expect(vocabulary.actions).toEqual(expect.arrayContaining(['annotation.save', 'review.set', 'study.import']));
    await expect(api['audit.list']({ studyId: null, action: "x' OR 1=1 --", limit: 5 })).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('volumetry', () => {
  it('measures every reader, the consensus, the final mask and the model mean of a real CT as numpy does', async () => {
    const ctApp = createApp({ dataDir: tempDir() });
    const ct = ctApp.client();
    const [study] = (await ct['studies.import']({ paths: [LIDC_CT] })).studies;
    expect(study.spacing![2]).toBeCloseTo(2.5, 3);
    const n = study.dims[0] * study.dims[1];
    const readers = (await ct['annotations.volume']({ studyId: study.id, viewerRaterId: null, blinded: false })).raters;
    expect(readers.length).toBe(4);
    // The final mask: reader 1's slices as they are; the model mean: the readers as its samples on the same slices.
    const adj = await ct['raters.create']({ name: 'Dr CT Adjudicator', role: 'adjudicator' });
    const runId = createRun(ctApp.context.db, { studyId: study.id, modelId: 'readers-as-samples', modelSha256: 'none', sampler: 'ddim', seed: 0, samples: 4, steps: 1 }, 'cpu', 'test');
    for (const { sliceIndex } of readers[0].slices) {
      await ct['adjudication.start']({ studyId: study.id, sliceIndex, adjudicatorId: adj.id, from: { kind: 'reader', raterId: readers[0].raterId }, baseRevision: 0 });
      await ct['final.mark']({ studyId: study.id, sliceIndex, adjudicatorId: adj.id, baseRevision: 1 });
      const samples = readers.map((r) => {
        const s = r.slices.find((x) => x.sliceIndex === sliceIndex);
        return s ? unpackMask(s.mask, n) : new Uint8Array(n);
      });
      saveSliceResult(ctApp.context.db, runId, { sliceIndex, width: study.dims[0], height: study.dims[1], ...sliceOutputs(samples, study.dims[0], study.dims[1]), warnings: [], elapsedMs: 0 });
    }
    finishRun(ctApp.context.db, runId, 'complete', {}, null, 'test');

    const { items, spacingKnown } = await ct['metrics.volumes']({ studyId: study.id, viewerRaterId: null, blinded: false });
    expect(spacingKnown).toBe(true);
    expect(items.map((v) => v.kind)).toEqual(['reader', 'reader', 'reader', 'reader', 'consensus-majority', 'consensus-staple', 'final', 'model-mean']);
    // The same masks written to NIfTI by the export, measured by numpy from the files' own voxel sizes.
    const { files } = await ct['export.study']({ studyId: study.id, outDir: tempDir(), formats: ['nifti', 'final'] });
    const fileOf = (name: string) => files.find((f) => path.basename(f) === `${name}.nii.gz`)!;
    const masks = items.filter((v) => v.kind !== 'model-mean').map((v) => ({ v, file: fileOf(v.kind === 'reader' ? safeName(v.name) : v.kind) }));
    const python = spawnSync('/usr/bin/python3', [path.join(REPO_ROOT, 'scripts', 'volumetry_reference.py'), ...masks.map((m) => m.file)], { encoding: 'utf8' });
    expect(python.stderr).toBe('');
    const reference = JSON.parse(python.stdout) as Record<string, { voxels: number; volumeMm3: number; longestDiameterMm: number; perpendicularDiameterMm: number; slices: number }>;
    const pixel = Math.max(study.spacing![0], study.spacing![1]);
    for (const { v, file } of masks) {
      const r = reference[file];
      expect(v.voxels, v.name).toBeGreaterThan(0);
      expect(v.voxels, v.name).toBe(r.voxels);
      expect(Math.abs(v.volumeMm3 - r.volumeMm3), v.name).toBeLessThan(1e-6);
      expect(v.slices, v.name).toBe(r.slices);
      expect(Math.abs(v.longestDiameterMm - r.longestDiameterMm), v.name).toBeLessThan(pixel);
      expect(Math.abs(v.perpendicularDiameterMm - r.perpendicularDiameterMm), v.name).toBeLessThan(pixel);
    }
    // A nodule of LIDC-IDRI-0001 is centimetres across, measured in millimetres, not pixels.
    const final = items.find((v) => v.kind === 'final')!;
    expect(final.longestDiameterMm).toBeGreaterThan(10);
    expect(final.perpendicularDiameterMm).toBeLessThanOrEqual(final.longestDiameterMm);
    expect(final.volumeMm3).toBeCloseTo(final.voxels * study.spacing![0] * study.spacing![1] * study.spacing![2], 6);
    // The model mean mask of the four readers as samples: pixels at least two of the four marked.
    let twoVotes = 0;
    for (const { sliceIndex } of readers[0].slices) {
      const votes = new Uint8Array(n);
      for (const r of readers) {
        const s = r.slices.find((x) => x.sliceIndex === sliceIndex);
        if (s) unpackMask(s.mask, n).forEach((v, i) => (votes[i] += v));
      }
      twoVotes += Array.from(votes).filter((v) => v >= 2).length;
    }
    expect(items.find((v) => v.kind === 'model-mean')!.voxels).toBe(twoVotes);
    ctApp.close();
  }, 300_000);
});
