import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packMask, unpackMask } from '../../shared/masks';
import { majorityVote } from '../../shared/metrics';
import { createApp } from '../app';
import { readNiftiFile } from '../io/nifti';
import { readPngMask } from '../io/png';
import { SHARED_DATA, tempDir } from '../testing/paths';

const NODULE = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0');

describe('export', () => {
  it('writes rater and consensus masks that re-import to identical masks, in the input geometry', async () => {
    const app = createApp({ dataDir: tempDir() });
    const api = app.client();
    const { studies } = await api['studies.import']({ paths: [NODULE] });
    const studyId = studies[0].id;
    const me = await api['raters.create']({ name: 'Dr. Export' });
    const mine = new Uint8Array(128 * 128);
    mine.fill(1, 64 * 128 + 30, 64 * 128 + 90);
    await api['annotations.save']({ studyId, sliceIndex: 4, raterId: me.id, mask: packMask(mine), source: 'manual', baseRevision: 0 });
    await api['review.set']({ studyId, sliceIndex: 4, raterId: me.id, status: 'reviewed' });
    // A second look asked for on a slice the rater did not draw on, and by a rater who drew nothing at all.
    await api['review.set']({ studyId, sliceIndex: 6, raterId: me.id, status: 'second-look' });
    const looker = await api['raters.create']({ name: 'Dr. Look' });
    await api['review.set']({ studyId, sliceIndex: 2, raterId: looker.id, status: 'second-look' });

    const out = tempDir();
    const { files, dir, skipped } = await api['export.study']({ studyId, outDir: out, formats: ['nifti', 'png', 'report'] });
    const folder = path.join(out, `LIDC-IDRI-0001_nodule-0-study${studyId}`);
    expect(dir).toBe(folder);
    expect(skipped).toEqual([]);
    expect(files).toContain(path.join(folder, 'nifti', 'Dr._Export.nii.gz'));
    expect(files).toContain(path.join(folder, 'nifti', 'consensus-staple.nii.gz'));
    expect(existsSync(`${folder}.partial-${process.pid}`)).toBe(false);

    // Re-import the exported NIfTI files into a fresh store: the voxels are the masks, slice by slice.
    const fresh = createApp({ dataDir: tempDir() });
    const again = await fresh.client()['studies.import']({ paths: [path.join(folder, 'nifti', 'Dr._Export.nii.gz'), path.join(folder, 'nifti', 'LIDC_reader_2.nii.gz')] });
    const [drExport, reader2] = again.studies;
    expect(drExport.dims).toEqual([128, 128, 9]);
    const slice4 = await fresh.client()['studies.slice']({ studyId: drExport.id, sliceIndex: 4 });
    expect(Array.from(slice4.data)).toEqual(Array.from(mine));
    for (let k = 0; k < 9; k++) {
      const original = await api['annotations.get']({ studyId, sliceIndex: k, viewerRaterId: null, blinded: false });
      const stored = unpackMask(original.masks.find((m) => m.raterName === 'LIDC reader 2')!.mask, 128 * 128);
      const exported = (await fresh.client()['studies.slice']({ studyId: reader2.id, sliceIndex: k })).data;
      expect(Array.from(exported)).toEqual(Array.from(stored));
    }
    // The consensus volume is the majority vote of the five raters' masks, slice by slice.
    const majority = readNiftiFile(path.join(folder, 'nifti', 'consensus-majority.nii.gz')).volume.data;
    const onSlice4 = await api['annotations.get']({ studyId, sliceIndex: 4, viewerRaterId: null, blinded: false });
    expect(onSlice4.masks).toHaveLength(5);
    const expectedMajority = majorityVote(onSlice4.masks.map((m) => unpackMask(m.mask, 128 * 128)));
    expect(Array.from(majority.subarray(4 * 128 * 128, 5 * 128 * 128))).toEqual(Array.from(expectedMajority));
    expect(expectedMajority.some((v) => v === 1)).toBe(true);
    // Same affine as the input file.
    expect(readNiftiFile(path.join(folder, 'nifti', 'Dr._Export.nii.gz')).meta.affine).toEqual(readNiftiFile(path.join(NODULE, 'image.nii.gz')).meta.affine);
    // PNG slices too.
    expect(Array.from(readPngMask(path.join(folder, 'png', 'Dr._Export', 'slice-0004.png')).data)).toEqual(Array.from(mine));

    const report = JSON.parse(readFileSync(path.join(folder, 'report.json'), 'utf8'));
    expect(report.slices).toHaveLength(9);
    expect(report.slices[4].review['Dr. Export']).toBe('reviewed');
    expect(report.slices[3].review['Dr. Export']).toBe('not annotated');
    expect(report.slices[4].review['LIDC reader 1']).toBe('unreviewed');
    expect(report.slices[6].review['Dr. Export']).toBe('second look');
    expect(report.slices[2].review['Dr. Look']).toBe('second look');
    expect(report.slices[3].review['Dr. Look']).toBe('not annotated');
    const csv = readFileSync(path.join(folder, 'report.csv'), 'utf8').split('\n');
    expect(csv[0]).toMatch(/^slice,rank,score,/);
    const lookColumn = csv[0].split(',').indexOf('review:Dr. Look');
    expect(lookColumn).toBeGreaterThan(0);
    expect(csv[1 + 2].split(',')[lookColumn]).toBe('second look');
    app.close();
    fresh.close();
  });

  it('skips DICOM SEG for a study that did not come from DICOM, with a note, and writes the other formats', async () => {
    const app = createApp({ dataDir: tempDir() });
    const api = app.client();
    const { studies } = await api['studies.import']({ paths: [NODULE] });
    const out = tempDir();
    const res = await api['export.study']({ studyId: studies[0].id, outDir: out, formats: ['report', 'dicom-seg'] });
    expect(res.skipped).toEqual([{ format: 'dicom-seg', reason: expect.stringMatching(/needs a study imported from DICOM/) }]);
    expect(res.files.map((f) => path.basename(f)).sort()).toEqual(['report-volumetry.csv', 'report.csv', 'report.json']);
    expect(readdirSync(res.dir).sort()).toEqual(['report-volumetry.csv', 'report.csv', 'report.json']);
    app.close();
  });

  it('refuses an export of nothing but formats the study cannot have, leaving nothing behind', async () => {
    const app = createApp({ dataDir: tempDir() });
    const api = app.client();
    const { studies } = await api['studies.import']({ paths: [NODULE] });
    const out = tempDir();
    await expect(api['export.study']({ studyId: studies[0].id, outDir: out, formats: ['dicom-seg'] })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/needs a study imported from DICOM/) });
    expect(readdirSync(out)).toEqual([]);
    app.close();
  });
});
