import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from '../engine/fixtures';
import { packMask, unpackMask } from '../../shared/masks';
import { createApp } from '../app';
import { dcmjsRead } from '../testing/dcmjs';
import { expectValidDicom } from '../testing/dciodvfy';
import { SHARED_DATA, tempDir } from '../testing/paths';

const DICOM = path.join(SHARED_DATA, 'dicom');
const WITH_SEG = path.join(DICOM, 'ct-3slice-with-seg');

async function raterMasks(api: ReturnType<ReturnType<typeof createApp>['client']>, studyId: number, slices: number, length: number) {
  const out: Record<string, number[]> = {};
  for (let k = 0; k < slices; k++) {
    const { masks } = await api['annotations.get']({ studyId, sliceIndex: k, viewerRaterId: null, blinded: false });
    for (const m of masks) out[`${m.raterName}@${k}`] = Array.from(unpackMask(m.mask, length));
  }
  return out;
}

/**
 * dciodvfy warnings about what we wrote. Two come from the source and are copied as they are: the series' patient
 * name, and the SNOMED-RT ("SRT") codes of a segment the source SEG described (SRT codes have no mechanical SCT map).
 */
const ourWarnings = (warnings: string[]) => warnings.filter((w) => !/\(0x0010,0x0010\) PN Patient's Name|CodingSchemeDesignator is deprecated .*<SRT>/.test(w));

beforeAll(async () => {
  process.env.CALDIFF_SAMPLING_WORKER = await buildWorker();
});

describe('DICOM through import and export', () => {
  it('imports a CT series with its SEG, exports one SEG per rater and re-imports it to the identical mask', async () => {
    const app = createApp({ dataDir: tempDir() });
    const api = app.client();
    const { studies } = await api['studies.import']({ paths: [WITH_SEG] });
    expect(studies).toHaveLength(1);
    const study = studies[0];
    expect(study).toMatchObject({ source: 'dicom', dims: [512, 512, 3], intensity: 'HU', raterCount: 1 });
    const before = await raterMasks(api, study.id, 3, 512 * 512);
    const liverSlices = Object.entries(before).filter(([, m]) => m.some((v) => v === 1)).map(([key]) => key);
    expect(liverSlices.length).toBe(3); // the liver is on all three slices

    const out = tempDir();
    const { files } = await api['export.study']({ studyId: study.id, outDir: out, formats: ['dicom-seg'] });
    const raterSeg = files.find((f) => !/consensus/.test(path.basename(f)))!;
    const consensusSegs = files.filter((f) => /consensus/.test(f));
    expect(consensusSegs).toHaveLength(2);
    for (const f of files) expect(ourWarnings(expectValidDicom(f)), f).toEqual([]);
    // The exported segments describe what the source SEG described (the liver), not a generic lesion.
    const described = (file: string) => {
      const [segment] = [dcmjsRead(file).SegmentSequence].flat();
      return { label: segment.SegmentLabel, type: [segment.SegmentedPropertyTypeCodeSequence].flat()[0].CodeMeaning, category: [segment.SegmentedPropertyCategoryCodeSequence].flat()[0].CodeValue };
    };
    const source = described(path.join(WITH_SEG, 'liver-seg.dcm'));
    expect(source.type).toMatch(/liver/i);
    expect(described(raterSeg)).toEqual(source);
    for (const f of consensusSegs) expect(described(f)).toMatchObject({ type: source.type, category: source.category });

    // A fresh store with only the CT, then the exported SEG on its own.
    const fresh = createApp({ dataDir: tempDir() });
    const ct = readdirSync(WITH_SEG).filter((f) => /^\d+\.dcm$/.test(f)).map((f) => path.join(WITH_SEG, f));
    const [freshStudy] = (await fresh.client()['studies.import']({ paths: ct })).studies;
    expect(freshStudy.raterCount).toBe(0);
    await fresh.client()['studies.import']({ paths: [raterSeg] });
    const after = await raterMasks(fresh.client(), freshStudy.id, 3, 512 * 512);
    expect(Object.values(after)).toEqual(Object.values(before));
    app.close();
    fresh.close();
  });

  it('fails an import whose SEG references a series that is not there, storing nothing', async () => {
    const app = createApp({ dataDir: tempDir() });
    await expect(app.client()['studies.import']({ paths: [path.join(DICOM, 'lidc-0001-reader1-seg.dcm')] })).rejects.toThrow(/referenced series.*not found/i);
    expect((app.context.db.prepare('SELECT COUNT(*) AS n FROM studies').get() as { n: number }).n).toBe(0);
    app.close();
  });

  it('opens the JPEG 2000 series as one HU volume', async () => {
    const app = createApp({ dataDir: tempDir() });
    const { studies } = await app.client()['studies.import']({ paths: [path.join(DICOM, 'ct-series-jpeg2000')] });
    expect(studies).toHaveLength(1);
    expect(studies[0]).toMatchObject({ source: 'dicom', dims: [512, 512, 20], intensity: 'HU' });
    expect(studies[0].spacing![2]).toBeCloseTo(2, 3);
    app.close();
  });

  it('takes a DICOM CT through triage with the shipped model and annotation, back out as a SEG that re-imports identically', async () => {
    const app = createApp({ dataDir: tempDir(), settings: { forceCpu: true } });
    const api = app.client();
    const ct = readdirSync(WITH_SEG).filter((f) => /^\d+\.dcm$/.test(f)).map((f) => path.join(WITH_SEG, f));
    const [study] = (await api['studies.import']({ paths: ct })).studies;
    await api['roi.add']({ studyId: study.id, center: [220, 230, 1], slices: [0, 2] });
    const job = await app.context.jobs.settled((await api['triage.start']({ studyId: study.id, samples: 2, steps: 2, seed: 3 })).id);
    expect(job).toMatchObject({ state: 'done', error: null, total: 3 });
    const queue = await api['triage.queue']({ studyId: study.id, raterId: null });
    expect(queue.items).toHaveLength(3);

    const rater = await api['raters.create']({ name: 'Dr. Dicom' });
    const mask = new Uint8Array(512 * 512);
    for (let j = 200; j < 260; j++) mask.fill(1, j * 512 + 180, j * 512 + 250);
    await api['annotations.save']({ studyId: study.id, sliceIndex: queue.items[0].sliceIndex, raterId: rater.id, mask: packMask(mask), source: 'manual', baseRevision: 0 });
    const { files } = await api['export.study']({ studyId: study.id, outDir: tempDir(), formats: ['dicom-seg'] });
    // Every SEG kind (reader, both consensus, the model's fractional one) passes dciodvfy with no error.
    expect(files.filter((f) => /consensus/.test(f))).toHaveLength(2);
    for (const f of files) expect(ourWarnings(expectValidDicom(f)), f).toEqual([]);
    const creator = (name: string) => dcmjsRead(files.find((f) => path.basename(f) === name)!).ContentCreatorName;
    expect(creator('Dr._Dicom.seg.dcm')).toEqual([{ Alphabetic: 'Dicom^^^Dr.' }]);
    expect(creator('consensus-staple.seg.dcm')).toEqual([{ Alphabetic: 'consensus^CalDiff' }]);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(
      expect.arrayContaining(['Dr._Dicom.seg.dcm', expect.stringMatching(/^model-.*\.seg\.dcm$/)]),
    );

    const fresh = createApp({ dataDir: tempDir() });
    const [again] = (await fresh.client()['studies.import']({ paths: ct })).studies;
    await fresh.client()['studies.import']({ paths: [files.find((f) => path.basename(f) === 'Dr._Dicom.seg.dcm')!] });
    const back = await raterMasks(fresh.client(), again.id, 3, 512 * 512);
    expect(back[`Dr. Dicom@${queue.items[0].sliceIndex}`]).toEqual(Array.from(mask));
    app.close();
    fresh.close();
  });
});
