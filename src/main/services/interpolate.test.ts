import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { countMask, packMask, unpackMask } from '../../shared/masks';
import { dice } from '../../shared/metrics';
import { createApp, type App } from '../app';
import { SHARED_DATA, tempDir } from '../testing/paths';

const NODULE = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0');

const opened: App[] = [];
afterEach(() => opened.splice(0).forEach((a) => a.close()));

/** The LIDC-IDRI-0001 nodule-0 crop in a fresh store, and a new rater who has copied reader 1's slices 2 and 6. */
async function readerKeysOnly() {
  const app = createApp({ dataDir: tempDir(), modelsDir: tempDir(), settings: { forceCpu: true } });
  opened.push(app);
  const api = app.client();
  const [study] = (await api['studies.import']({ paths: [NODULE] })).studies;
  const n = study.dims[0] * study.dims[1];
  const rater = await api['raters.create']({ name: 'Key slices' });
  const readerMask = async (k: number) => {
    const { masks } = await api['annotations.get']({ studyId: study.id, sliceIndex: k, viewerRaterId: null, blinded: false });
    return unpackMask(masks.find((m) => m.raterName === 'LIDC reader 1')!.mask, n);
  };
  for (const k of [2, 6]) await api['annotations.save']({ studyId: study.id, sliceIndex: k, raterId: rater.id, mask: packMask(await readerMask(k)), source: 'manual', baseRevision: 0 });
  const own = async (k: number) => (await api['annotations.get']({ studyId: study.id, sliceIndex: k, viewerRaterId: rater.id, blinded: true })).masks.find((m) => m.raterId === rater.id);
  return { api, study, n, rater, readerMask, own };
}

describe('annotations.interpolate', () => {
  it("fills a rater's slices between their keys as interpolated revisions that a save un-marks", async () => {
    const { api, study, n, rater, readerMask, own } = await readerKeysOnly();
    const res = await api['annotations.interpolate']({ studyId: study.id, raterId: rater.id });
    expect(res.keys).toEqual([2, 6]);
    expect(res.slices.map((s) => s.sliceIndex)).toEqual([3, 4, 5]);
    for (const s of res.slices) expect(countMask(unpackMask(s.previous, n))).toBe(0);

    for (const k of [3, 4, 5]) {
      const m = (await own(k))!;
      expect(m.interpolated).toBe(true);
      expect(m.source).toBe('manual');
      expect(dice(unpackMask(m.mask, n), await readerMask(k))).toBeGreaterThanOrEqual(0.8);
    }
    expect((await own(2))!.interpolated).toBe(false);
    expect((await own(1))).toBeUndefined();
    const audit = await api['audit.list']({ studyId: study.id, limit: 10 });
    expect(audit.filter((a) => a.action === 'annotation.save' && a.detail.endsWith('manual, interpolated')).map((a) => a.sliceIndex).sort()).toEqual([3, 4, 5]);

    // The rater edits slice 4: the mark goes, and a second interpolation leaves that slice alone.
    const four = (await own(4))!;
    const edited = unpackMask(four.mask, n);
    edited[0] = 1;
    await api['annotations.save']({ studyId: study.id, sliceIndex: 4, raterId: rater.id, mask: packMask(edited), source: 'manual', baseRevision: four.revision });
    expect((await own(4))!.interpolated).toBe(false);
    const again = await api['annotations.interpolate']({ studyId: study.id, raterId: rater.id });
    expect(again.keys).toEqual([2, 4, 6]);
    expect(again.slices.map((s) => s.sliceIndex).every((k) => k === 3 || k === 5)).toBe(true);
    expect(unpackMask((await own(4))!.mask, n)).toEqual(edited);
  });

  it('fills nothing with one key slice, and refuses an unknown rater', async () => {
    const { api, study, rater } = await readerKeysOnly();
    const six = (await api['annotations.get']({ studyId: study.id, sliceIndex: 6, viewerRaterId: rater.id, blinded: true })).masks.find((m) => m.raterId === rater.id)!;
    await api['annotations.save']({ studyId: study.id, sliceIndex: 6, raterId: rater.id, mask: new Uint8Array(six.mask.length), source: 'manual', baseRevision: six.revision });
    expect(await api['annotations.interpolate']({ studyId: study.id, raterId: rater.id })).toEqual({ keys: [2], slices: [] });
    await expect(api['annotations.interpolate']({ studyId: study.id, raterId: 9999 })).rejects.toMatchObject({ code: 'not_found' });
  });
});
