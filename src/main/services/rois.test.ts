import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { unpackMask } from '../../shared/masks';
import { majorityVote } from '../../shared/metrics';
import { diceOf } from '../../shared/metrics/overlap';
import { createApp, type App } from '../app';
import { buildWorker, FIXTURES_DIR } from '../engine/fixtures';
import { dcmjsRead } from '../testing/dcmjs';
import { MODELS_DIR, SHARED_DATA, tempDir } from '../testing/paths';

const LIDC_CT = path.join(SHARED_DATA, 'lidc-ct');
const CROP = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0');
const JPEG2000 = path.join(SHARED_DATA, 'dicom', 'ct-series-jpeg2000');

beforeAll(async () => {
  process.env.CALDIFF_SAMPLING_WORKER = await buildWorker();
});

const opened: App[] = [];
afterEach(() => opened.splice(0).forEach((a) => a.close()));

/** An app on a fresh store, sampling with the shipped model or the given fixtures. */
function newApp(fixtures: string[] | null = null) {
  let modelsDir = MODELS_DIR;
  if (fixtures) {
    modelsDir = tempDir('caldiff-models-');
    for (const m of fixtures) for (const ext of ['.onnx', '.json']) copyFileSync(path.join(FIXTURES_DIR, m + ext), path.join(modelsDir, m + ext));
  }
  const app = createApp({ dataDir: tempDir(), modelsDir, settings: { forceCpu: true } });
  opened.push(app);
  return { app, api: app.client() };
}

type Api = ReturnType<App['client']>;

async function raterMasksOn(api: Api, studyId: number, k: number, n: number) {
  const { masks } = await api['annotations.get']({ studyId, sliceIndex: k, viewerRaterId: null, blinded: false });
  return masks.map((m) => ({ name: m.raterName, mask: unpackMask(m.mask, n) }));
}

/** The world (LPS mm) position of a voxel, from the slice's own DICOM header read by dcmjs (not our reader). */
function worldOfVoxel(folder: string, [i, j, k]: [number, number, number]): [number, number, number] {
  const headers = readdirSync(folder)
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => dcmjsRead(path.join(folder, f)))
    .sort((a, b) => a.ImagePositionPatient[2] - b.ImagePositionPatient[2]);
  const h = headers[k];
  const [rowSpacing, columnSpacing] = h.PixelSpacing.map(Number);
  const o = h.ImageOrientationPatient.map(Number);
  const p = h.ImagePositionPatient.map(Number);
  return [0, 1, 2].map((a) => p[a] + i * columnSpacing * o[a] + j * rowSpacing * o[3 + a]) as [number, number, number];
}

describe('real CT studies with their LIDC reads', { timeout: 300_000 }, () => {
  it.each([
    ['LIDC-IDRI-0001', [512, 512, 16], [3, 11], 0],
    ['LIDC-IDRI-0002', [512, 512, 12], [0, 6], 14],
  ])('%s imports as one study with 4 LIDC readers and their point marks; --from-raters makes one ROI around the nodule', async (patient, dims, nodule, marks) => {
    const { app, api } = newApp(['bayes']);
    const { studies, skipped } = await api['studies.import']({ paths: [path.join(LIDC_CT, patient)] });
    expect(skipped).toEqual([]); // the reads file is read, not skipped
    expect(studies).toHaveLength(1);
    const [study] = studies;
    expect(study).toMatchObject({ source: 'dicom', dims, intensity: 'HU' });
    const detail = await api['studies.get']({ studyId: study.id });
    expect(detail.notes.join(' ')).toMatch(/LIDC reads lidc-reads\.xml: 4 reading sessions/);
    // the counts lidc-xml.test.ts derives from the XML itself: each mark on a slice of the study, by a LIDC reader
    expect(detail.markers).toHaveLength(marks);
    for (const m of detail.markers) {
      expect(m.raterName).toMatch(/^LIDC reader [1-4]$/);
      expect(m.sliceIndex).toBeLessThan(dims[2]);
      expect(m.x >= 0 && m.x < dims[0] && m.y >= 0 && m.y < dims[1]).toBe(true);
    }
    const n = 512 * 512;
    const readers = new Set<string>();
    for (let k = 0; k < dims[2]; k++) for (const r of await raterMasksOn(api, study.id, k, n)) if (r.mask.some((v) => v)) readers.add(r.name);
    // LIDC-IDRI-0002's nodule is outlined by two of its four readers on these slices
    expect([...readers].sort()).toEqual(patient === 'LIDC-IDRI-0001' ? ['LIDC reader 1', 'LIDC reader 2', 'LIDC reader 3', 'LIDC reader 4'] : ['LIDC reader 3', 'LIDC reader 4']);

    const rois = await api['roi.fromRaters']({ studyId: study.id });
    expect(rois).toHaveLength(1);
    expect(rois[0]).toMatchObject({ studyId: study.id, source: 'raters', slices: nodule, window: [128, 128] });
    // the window holds every reader's mask on every slice
    const [cx, cy] = rois[0].center;
    for (let k = nodule[0]; k <= nodule[1]; k++)
      for (const { mask } of await raterMasksOn(api, study.id, k, n))
        mask.forEach((v, i) => {
          if (v) expect(Math.abs((i % 512) - cx) < 64 && Math.abs(Math.floor(i / 512) - cy) < 64).toBe(true);
        });
    const audit = await api['audit.list']({ studyId: study.id, limit: 10 });
    expect(audit[0]).toMatchObject({ action: 'roi.add', detail: expect.stringContaining(`ROI ${rois[0].id} (raters)`) });
    expect(app.context.db.prepare('SELECT COUNT(*) AS n FROM rois').get()).toEqual({ n: 1 });
  });

  it('a LUNA16 CSV line at the nodule\'s world position makes the same ROI within a voxel, by SeriesInstanceUID', async () => {
    const { api } = newApp(['bayes']);
    const folder = path.join(LIDC_CT, 'LIDC-IDRI-0001');
    const [study] = (await api['studies.import']({ paths: [folder] })).studies;
    const [fromRaters] = await api['roi.fromRaters']({ studyId: study.id });
    const world = worldOfVoxel(folder, fromRaters.center);
    const seriesUID = dcmjsRead(path.join(folder, 'CT01.dcm')).SeriesInstanceUID;
    const csv = path.join(tempDir(), 'annotations.csv');
    // the nodule spans slices 3..11 (9 x 2.5 mm); a 20 mm diameter covers them, plus one slice each side
    writeFileSync(csv, `seriesuid,coordX,coordY,coordZ,diameter_mm\n${seriesUID},${world.join(',')},20\n1.2.3.4,0,0,0,5\n`);
    const { rois, skipped } = await api['roi.importCsv']({ path: csv, studyId: null });
    expect(skipped).toEqual([{ line: 3, reason: 'no study in the store has SeriesInstanceUID 1.2.3.4' }]);
    expect(rois).toHaveLength(1);
    rois[0].center.forEach((c, a) => expect(Math.abs(c - fromRaters.center[a])).toBeLessThanOrEqual(1));
    expect(rois[0]).toMatchObject({ source: 'csv', slices: [2, 12], window: [128, 128] });
    // the same position through the API's --world form
    const same = await api['roi.add']({ studyId: study.id, world, diameterMm: 20 });
    expect(same.center).toEqual(rois[0].center);
    // edit and delete, each in the audit log
    const moved = await api['roi.update']({ roiId: same.id, slices: [5, 8] });
    expect(moved.slices).toEqual([5, 8]);
    await api['roi.delete']({ roiId: same.id });
    expect((await api['roi.list']({ studyId: study.id })).map((r) => r.id)).toEqual([fromRaters.id, rois[0].id]);
    const actions = (await api['audit.list']({ studyId: study.id, limit: 3 })).map((a) => a.action);
    expect(actions).toEqual(['roi.delete', 'roi.update', 'roi.add']);
    await expect(api['roi.add']({ studyId: study.id, center: [600, 10, 3] })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/centre 600,10,3 lies outside study/) });
  });

  it('exposes each slice\'s InstanceNumber and position, and the window from the DICOM header', async () => {
    const { api } = newApp(['bayes']);
    const [study] = (await api['studies.import']({ paths: [path.join(LIDC_CT, 'LIDC-IDRI-0001')] })).studies;
    const headers = await api['studies.sliceHeaders']({ studyId: study.id });
    expect(headers[0]).toEqual({ sliceIndex: 0, instanceNumber: dcmjsRead(path.join(LIDC_CT, 'LIDC-IDRI-0001', 'CT01.dcm')).InstanceNumber, positionMm: -132.5 });
    expect(headers[15].positionMm).toBeCloseTo(-95, 3);
    const ct = dcmjsRead(path.join(LIDC_CT, 'LIDC-IDRI-0001', 'CT01.dcm'));
    expect((await api['studies.get']({ studyId: study.id })).window).toEqual({ level: Number(ct.WindowCenter), width: Number(ct.WindowWidth) });
  });

  it('triage of a CT series without an ROI is refused with what to do; with one it scores only its slices', async () => {
    const { app, api } = newApp(['bayes']);
    const [study] = (await api['studies.import']({ paths: [JPEG2000] })).studies;
    expect(study.dims).toEqual([512, 512, 20]);
    await expect(api['triage.start']({ studyId: study.id, samples: 2, steps: 2 })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/has 512x512 slices and no region of interest: .*Add a nodule ROI first/),
    });
    expect(app.context.jobs.list()).toEqual([]);
    const roi = await api['roi.add']({ studyId: study.id, center: [300, 250, 9], slices: [8, 10] });
    const job = await app.context.jobs.settled((await api['triage.start']({ studyId: study.id, samples: 2, steps: 2 })).id);
    expect(job).toMatchObject({ state: 'done', total: 3, done: 3 });
    const queue = await api['triage.queue']({ studyId: study.id, raterId: null });
    expect(queue.items.map((i) => [i.sliceIndex, i.roiId] as [number, number | null]).sort((a, b) => a[0] - b[0])).toEqual([
      [8, roi.id],
      [9, roi.id],
      [10, roi.id],
    ]);
    // the fixture's card knows no training spacing: said on the job, kept on the run, returned with the queue
    expect(job.warnings).toEqual([expect.stringMatching(/the model card gives no training pixel spacing/)]);
    expect(queue.warnings.map((w) => w.message)).toEqual(job.warnings);
    // results lie in the CT's geometry, zero outside the window
    const result = (await api['triage.result']({ studyId: study.id, sliceIndex: 9 }))!;
    expect(result).toMatchObject({ width: 512, height: 512 });
    const [x0, y0] = [300 - 64, 250 - 64];
    result.uncertainty.forEach((u, i) => {
      const x = i % 512;
      const y = Math.floor(i / 512);
      if (x < x0 || y < y0 || x >= x0 + 128 || y >= y0 + 128) expect(u).toBe(0);
    });
    expect(await api['triage.result']({ studyId: study.id, sliceIndex: 7 })).toBeNull();
    // served again from the store with its warnings; another ROI set is another run
    const again = await app.context.jobs.settled((await api['triage.start']({ studyId: study.id, samples: 2, steps: 2 })).id);
    expect(again.message).toMatch(/served from stored run/);
    expect(again.warnings).toEqual(job.warnings);
  });

  it('model mean in CT geometry agrees with the readers as the same model does on the matching crop slices', async () => {
    const { app, api } = newApp();
    const [ct] = (await api['studies.import']({ paths: [path.join(LIDC_CT, 'LIDC-IDRI-0001')] })).studies;
    const [crop] = (await api['studies.import']({ paths: [CROP] })).studies;
    // The crops of nodule-0 are CT slices 3..11 (their readers' areas are identical, pixel for pixel counts);
    // three slices through the middle keep the real model on the CPU short.
    const [roi] = await api['roi.fromRaters']({ studyId: ct.id });
    await api['roi.update']({ roiId: roi.id, center: [roi.center[0], roi.center[1], 6], slices: [5, 7] });
    const settings = { samples: 16, seed: 5 };
    const ctJob = await app.context.jobs.settled((await api['triage.start']({ studyId: ct.id, ...settings })).id);
    expect(ctJob).toMatchObject({ state: 'done', total: 3, warnings: [] }); // 0.703 mm lies in the model's range: no resampling
    const cropJob = await app.context.jobs.settled((await api['triage.start']({ studyId: crop.id, ...settings })).id);
    expect(cropJob.state).toBe('done');

    // The soft Dice of the mean map against the readers' majority: thresholding a 16-sample mean at 0.5 turns a
    // nodule the model marks in about half its samples into a coin flip per slice (hard Dice 0.02-0.53 over seeds).
    const meanDice = async (studyId: number, slices: number[], n: number) => {
      let sum = 0;
      for (const k of slices) {
        const { mean } = (await api['triage.result']({ studyId, sliceIndex: k }))!;
        const majority = majorityVote((await raterMasksOn(api, studyId, k, n)).map((r) => r.mask));
        let inter = 0, area = 0, areaMajority = 0;
        for (let i = 0; i < n; i++) {
          inter += mean[i] * majority[i];
          area += mean[i];
          areaMajority += majority[i];
        }
        sum += diceOf(area, areaMajority, inter);
      }
      return sum / slices.length;
    };
    const inCt = await meanDice(ct.id, [5, 6, 7], 512 * 512);
    const inCrop = await meanDice(crop.id, [2, 3, 4], 128 * 128);
    const said = `soft Dice in CT geometry ${inCt.toFixed(3)}, on the crops ${inCrop.toFixed(3)}`;
    expect(inCrop, said).toBeGreaterThan(0.2); // the model sees this nodule on its own crops (0.39-0.50 over seeds)
    // A misplaced, transposed or wrongly windowed crop of the CT loses the nodule (soft Dice -> 0). The CT path may
    // do better than the dataset's crops (0.08-0.20 over seeds with v2): its window is centred on the nodule,
    // where the model's prior puts it.
    expect(inCt, said).toBeGreaterThanOrEqual(inCrop - 0.1);

    // the exported model SEG references the CT's own SOP instances, on the ROI's slices only
    const { files } = await api['export.study']({ studyId: ct.id, outDir: tempDir(), formats: ['dicom-seg', 'report'] });
    const segFile = files.find((f) => /model-.*\.seg\.dcm$/.test(f))!;
    // dicom3tools' validator (an independent reading of the standard) finds no error in it
    const verdict = spawnSync('dciodvfy', [segFile], { encoding: 'utf8' });
    expect(`${verdict.stdout}${verdict.stderr}`.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    const seg = dcmjsRead(segFile);
    const referenced = (seg.ReferencedSeriesSequence.ReferencedInstanceSequence ?? seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence).map((r: { ReferencedSOPInstanceUID: string }) => r.ReferencedSOPInstanceUID);
    const ctUIDs = readdirSync(path.join(LIDC_CT, 'LIDC-IDRI-0001')).filter((f) => f.endsWith('.dcm')).map((f) => dcmjsRead(path.join(LIDC_CT, 'LIDC-IDRI-0001', f)).SOPInstanceUID);
    expect(referenced.length).toBeGreaterThan(0);
    for (const uid of referenced) expect(ctUIDs).toContain(uid);
    const report = JSON.parse(readFileSync(files.find((f) => f.endsWith('report.json'))!, 'utf8'));
    expect(report.rois).toEqual([expect.objectContaining({ id: roi.id, slices: [5, 7] })]);
    expect(report.warnings).toEqual([]);
  }, 600_000);
});
