import { copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpackMask } from '../../shared/masks';
import { createApp } from '../app';
import { SHARED_DATA, tempDir } from '../testing/paths';

const LIDC = path.join(SHARED_DATA, 'lidc-idri');
const PATIENT_1 = path.join(LIDC, 'LIDC-IDRI-0001');

function newApp() {
  const app = createApp({ dataDir: tempDir() });
  return { app, api: app.client() };
}

/** Everything a failed import must leave untouched. */
function snapshot(app: ReturnType<typeof createApp>) {
  const db = app.context.db;
  return ['studies', 'slices', 'raters', 'annotations', 'audit_log'].map((t) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n);
}

describe('import', () => {
  it('turns a LIDC patient folder into one study per nodule with the four readers as raters', async () => {
    const { app, api } = newApp();
    const { studies, skipped } = await api['studies.import']({ paths: [PATIENT_1] });
    expect(studies.map((s) => s.name)).toEqual(['LIDC-IDRI-0001 nodule-0']);
    expect(skipped).toEqual([]);
    const [s] = studies;
    expect(s).toMatchObject({ patientId: 'LIDC-IDRI-0001', source: 'lidc', dims: [128, 128, 9], raterCount: 4, intensity: 'windowed' });
    const raters = (await api['raters.list']({})).map((r) => r.name);
    expect(raters).toEqual(['LIDC reader 1', 'LIDC reader 2', 'LIDC reader 3', 'LIDC reader 4']);

    // Every stored rater mask equals the rater's NIfTI slice, read independently.
    const raw = gunzipSync(readFileSync(path.join(PATIENT_1, 'nodule-0', 'rater-2.nii.gz')));
    const got = await api['annotations.get']({ studyId: s.id, sliceIndex: 4, viewerRaterId: null, blinded: false });
    const reader3 = got.masks.find((m) => m.raterName === 'LIDC reader 3')!;
    const expected = Array.from(raw.subarray(352 + 4 * 128 * 128, 352 + 5 * 128 * 128), (v) => (v ? 1 : 0));
    expect(Array.from(unpackMask(reader3.mask, 128 * 128))).toEqual(expected);
    expect(expected.some((v) => v === 1)).toBe(true);
    expect(got.masks).toHaveLength(4);
    // Shown as the axial images were cut: columns to the patient's left, rows to posterior.
    expect((await api['studies.get']({ studyId: s.id })).geometry.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    app.close();
  });

  it('imports every nodule of a tree, skips unrelated files and does not import a path twice', async () => {
    const { app, api } = newApp();
    const tree = tempDir();
    for (const p of ['LIDC-IDRI-0001', 'LIDC-IDRI-0004']) cpSync(path.join(LIDC, p), path.join(tree, p), { recursive: true });
    writeFileSync(path.join(tree, 'notes.txt'), 'not an image');
    const first = await api['studies.import']({ paths: [tree] });
    const expectedNodules = ['LIDC-IDRI-0001', 'LIDC-IDRI-0004'].flatMap((p) =>
      readdirNames(path.join(LIDC, p)).map((n) => `${p} ${n}`),
    );
    expect(first.studies.map((s) => s.name)).toEqual(expectedNodules);
    expect(first.skipped).toEqual([{ path: path.join(tree, 'notes.txt'), reason: 'not an image this import understands' }]);
    const again = await api['studies.import']({ paths: [path.join(tree, 'LIDC-IDRI-0001')] });
    expect(again.studies).toEqual([]);
    expect(again.skipped[0]).toMatchObject({ reason: expect.stringMatching(/already imported as study 1/), studyId: 1 });
    app.close();
  });

  it('imports the PNG case layout and a plain NIfTI volume keeping its geometry', async () => {
    const { app, api } = newApp();
    const { studies } = await api['studies.import']({ paths: [path.join(SHARED_DATA, 'lidc-sample', 'case-003'), path.join(SHARED_DATA, 'volumes', 'chest-abdomen-ct.nii.gz')] });
    expect(studies.map((s) => [s.source, s.dims, s.raterCount])).toEqual([
      ['png', [128, 128, 1], 4],
      ['nifti', [122, 101, 112], 0],
    ]);
    const ct = await api['studies.get']({ studyId: studies[1].id });
    expect(ct.intensity).toBe('HU');
    expect(ct.window).toEqual({ width: 1500, level: -600 });
    expect(ct.geometry.spacing).toEqual([3, 3, 3]);
    const slice = await api['studies.slice']({ studyId: studies[1].id, sliceIndex: 50 });
    expect(slice.data).toBeInstanceOf(Int32Array);
    expect(slice.data.length).toBe(122 * 101);
    app.close();
  });

  it('refuses bad input with a clear message naming the file, and leaves the database unchanged', async () => {
    const { app, api } = newApp();
    await api['studies.import']({ paths: [path.join(SHARED_DATA, 'lidc-sample', 'case-000')] });
    const before = snapshot(app);
    const dir = tempDir();

    // A tree where the second nodule is broken: the first must not be half-imported.
    const tree = path.join(dir, 'tree');
    cpSync(path.join(LIDC, 'LIDC-IDRI-0001'), path.join(tree, 'A-patient'), { recursive: true });
    cpSync(path.join(LIDC, 'LIDC-IDRI-0004'), path.join(tree, 'B-patient'), { recursive: true });
    const nodule = path.join(tree, 'B-patient', readdirNames(path.join(tree, 'B-patient'))[0]);
    const whole = readFileSync(path.join(nodule, 'rater-1.nii.gz'));
    writeFileSync(path.join(nodule, 'rater-1.nii.gz'), whole.subarray(0, whole.length - 40));
    await expect(api['studies.import']({ paths: [tree] })).rejects.toThrow(/rater-1.nii.gz: the gzip stream is truncated or corrupt/);

    // A rater mask whose shape differs from its image.
    const mismatch = path.join(dir, 'mismatch', 'LIDC-IDRI-9999', 'nodule-0');
    mkdirSync(mismatch, { recursive: true });
    copyFileSync(path.join(PATIENT_1, 'nodule-0', 'image.nii.gz'), path.join(mismatch, 'image.nii.gz'));
    copyFileSync(path.join(LIDC, 'LIDC-IDRI-0004', readdirNames(path.join(LIDC, 'LIDC-IDRI-0004'))[0], 'rater-0.nii.gz'), path.join(mismatch, 'rater-0.nii.gz'));
    await expect(api['studies.import']({ paths: [mismatch] })).rejects.toThrow(/rater-0.nii.gz: mask is 128x128x\d+ but its image .* is 128x128x9/);

    // A bogus header, an empty folder, a path that does not exist.
    const bogus = path.join(dir, 'bogus.nii');
    writeFileSync(bogus, Buffer.alloc(1000));
    await expect(api['studies.import']({ paths: [bogus] })).rejects.toThrow(/bogus.nii: not a NIfTI-1 file/);
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    await expect(api['studies.import']({ paths: [empty] })).rejects.toThrow(/empty: holds no images/);
    await expect(api['studies.import']({ paths: [path.join(dir, 'nope')] })).rejects.toThrow(/nope: no such file or folder/);

    expect(snapshot(app)).toEqual(before);
    app.close();
  });

  it('rejects a malformed request before anything runs', async () => {
    const { app } = newApp();
    const before = snapshot(app);
    await expect(app.call('studies.import', { paths: [] }, { transport: 'cli' })).rejects.toMatchObject({ code: 'validation' });
    await expect(app.call('studies.import', { paths: [PATIENT_1], extra: 1 }, { transport: 'cli' })).rejects.toMatchObject({ code: 'validation' });
    await expect(app.call('annotations.save', { studyId: 1, sliceIndex: 0, raterId: 1, mask: [1, 0, 1], source: 'manual', baseRevision: null }, { transport: 'cli' })).rejects.toThrow(/mask: expected a Uint8Array/);
    await expect(app.call('no.such.op', {}, { transport: 'cli' })).rejects.toMatchObject({ code: 'not_found' });
    expect(snapshot(app)).toEqual(before);
    app.close();
  });
});

function readdirNames(dir: string): string[] {
  return readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
