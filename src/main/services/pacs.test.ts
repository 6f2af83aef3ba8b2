/**
 * The archive path against a real Orthanc (Debian's orthanc + orthanc-dicomweb, started per file on a free port):
 * search, retrieve, a reading room of two workstations and a third that pulls both, store back, and the faults.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api';
import { packMask } from '../../shared/masks';
import { createApp, type App } from '../app';
import { buildWorker } from '../engine/fixtures';
import { KEY_FILE } from '../pacs/secrets';
import { DATABASE_FILE } from '../store';
import { archiveReadyFiles } from '../testing/archive-files';
import { startOrthanc, type Orthanc } from '../testing/orthanc';
import { SHARED_DATA, tempDir } from '../testing/paths';

const DICOM = path.join(SHARED_DATA, 'dicom');
const WITH_SEG = path.join(DICOM, 'ct-3slice-with-seg');
const JPEG2000 = path.join(DICOM, 'ct-series-jpeg2000');
const N = 512 * 512;

function workstation(): { app: App; api: ApiClient; dataDir: string } {
  const dataDir = tempDir();
  const app = createApp({ dataDir });
  return { app, api: app.client(), dataDir };
}

/** A square of ones, rows and columns [from, to). */
function square(from: number, to: number): Uint8Array {
  const m = new Uint8Array(N);
  for (let y = from; y < to; y++) for (let x = from; x < to; x++) m[y * 512 + x] = 1;
  return m;
}

async function retrieve(app: App, request: Parameters<ApiClient['pacs.retrieve']>[0]) {
  const job = await app.client()['pacs.retrieve'](request);
  return app.context.jobs.settled(job.id);
}

let orthanc: Orthanc;
let withSegStudy: string;
let jpegStudy: string;
const opened: App[] = [];

beforeAll(async () => {
  process.env.CALDIFF_SAMPLING_WORKER = await buildWorker();
  orthanc = await startOrthanc();
  const files = [...archiveReadyFiles(WITH_SEG), ...archiveReadyFiles(JPEG2000)];
  const answers = await orthanc.upload(files);
  expect(answers.every((a) => a.Status === 'Success')).toBe(true);
  const studies = await orthanc.rest<{ MainDicomTags: { StudyInstanceUID: string }; PatientMainDicomTags: { PatientID?: string } }[]>('/studies?expand');
  withSegStudy = studies.find((s) => s.PatientMainDicomTags.PatientID === '99000')!.MainDicomTags.StudyInstanceUID;
  jpegStudy = studies.find((s) => s.PatientMainDicomTags.PatientID !== '99000')!.MainDicomTags.StudyInstanceUID;
}, 120_000);

afterAll(async () => {
  for (const a of opened) a.close();
  await orthanc?.stop();
});

/** dciodvfy (dicom3tools) on an instance exactly as Orthanc returns it: its Error lines. */
async function dciodvfyErrors(orthancId: string): Promise<string[]> {
  const file = path.join(tempDir(), 'seg.dcm');
  writeFileSync(file, await orthanc.restBytes(`/instances/${orthancId}/file`));
  const check = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  const report = `${check.stdout}${check.stderr}`;
  expect(report).toMatch(/Segmentation/);
  return report.split('\n').filter((l) => l.startsWith('Error'));
}

function ws() {
  const w = workstation();
  opened.push(w.app);
  return w;
}

describe('a DICOMweb archive (real Orthanc)', () => {
  it('searches by patient, date range, modality and accession, listing series with their instance counts', async () => {
    const { api } = ws();
    await api['pacs.archives.add']({ name: 'orthanc', url: orthanc.dicomWebUrl, credentials: { auth: 'none' } });
    expect(await api['pacs.archives.list']({})).toEqual([expect.objectContaining({ name: 'orthanc', url: orthanc.dicomWebUrl, auth: 'none', user: null })]);

    const all = await api['pacs.search']({ archive: 'orthanc' });
    expect(all.map((s) => s.studyInstanceUID).sort()).toEqual([withSegStudy, jpegStudy].sort());
    const [byPatient] = await api['pacs.search']({ archive: 'orthanc', patientId: '99000' });
    expect(byPatient).toMatchObject({ studyInstanceUID: withSegStudy, patientId: '99000', patientName: 'JANCT000', studyDate: '20030417', accession: '03086212' });
    const counts = Object.fromEntries(byPatient.series.map((s) => [s.modality, s.instances]));
    expect(counts).toEqual({ CT: 3, SEG: 1 });
    expect(await api['pacs.search']({ archive: 'orthanc', dateFrom: '20030101', dateTo: '20031231' })).toHaveLength(1);
    expect(await api['pacs.search']({ archive: 'orthanc', dateFrom: '20040101' })).toEqual([expect.objectContaining({ studyInstanceUID: jpegStudy })]);
    expect(await api['pacs.search']({ archive: 'orthanc', accession: '03086212' })).toHaveLength(1);
    expect(await api['pacs.search']({ archive: 'orthanc', modality: 'SEG' })).toEqual([expect.objectContaining({ studyInstanceUID: withSegStudy })]);
    expect(await api['pacs.search']({ archive: 'orthanc', patientId: 'nobody' })).toEqual([]);
  });

  it('retrieves a JPEG 2000 series to the same voxels as the file import, once, and remembers where it came from', async () => {
    const { app, api } = ws();
    await api['pacs.archives.add']({ name: 'orthanc', url: orthanc.dicomWebUrl, credentials: { auth: 'none' } });
    const progress: number[] = [];
    const stop = app.context.jobs.subscribe((j) => j.kind === 'pacs.retrieve' && progress.push(j.done));
    const job = await retrieve(app, { archive: 'orthanc', studyInstanceUID: jpegStudy, viewerRaterId: null, blinded: false });
    stop();
    expect(job).toMatchObject({ state: 'done', total: 20, done: 20 });
    expect(new Set(progress).size).toBeGreaterThan(10); // progress instance by instance
    const [study] = await api['studies.list']({});
    expect(study).toMatchObject({ source: 'dicom', dims: [512, 512, 20] });
    expect(study.sourcePath).toBe(`${orthanc.dicomWebUrl}/studies/${jpegStudy}/series/${(await api['pacs.origin']({ studyId: study.id }))!.seriesInstanceUID}`);
    const origin = await api['pacs.origin']({ studyId: study.id });
    expect(origin).toMatchObject({ archiveName: 'orthanc', archiveUrl: orthanc.dicomWebUrl, studyInstanceUID: jpegStudy });
    expect(origin!.sopInstanceUIDs).toHaveLength(20);

    const local = ws();
    const [fromFiles] = (await local.api['studies.import']({ paths: [JPEG2000] })).studies;
    const a = await api['studies.volume']({ studyId: study.id });
    const b = await local.api['studies.volume']({ studyId: fromFiles.id });
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    expect(a.origin).toEqual(b.origin);

    const again = await retrieve(app, { archive: 'orthanc', studyInstanceUID: jpegStudy, viewerRaterId: null, blinded: false });
    expect(again).toMatchObject({ state: 'done', message: expect.stringMatching(/in the store already/) });
    expect(await api['studies.list']({})).toHaveLength(1);
    expect(readdirSync(app.context.dataDir).filter((f) => f.startsWith('retrieve-'))).toEqual([]);
  });

  it('a reading room: two workstations each store their SEG, a third pulls both as raters and computes their Dice', async () => {
    const readers = [
      { name: 'Reader A', mask: square(200, 300) },
      { name: 'Reader B', mask: square(250, 350) },
    ];
    const sent: string[] = [];
    for (const r of readers) {
      const { app, api } = ws();
      await api['pacs.archives.add']({ name: 'orthanc', url: orthanc.dicomWebUrl, credentials: { auth: 'none' } });
      const me = await api['raters.create']({ name: r.name });
      const job = await retrieve(app, { archive: 'orthanc', studyInstanceUID: withSegStudy, viewerRaterId: me.id, blinded: true });
      expect(job.state).toBe('done');
      const [study] = await api['studies.list']({});
      // Blinded: the archive's other SEGs (the liver, and Reader A's for Reader B) stay out until reviewed.
      expect(study.raterCount).toBe(0);
      expect(job.warnings.join(' ')).toMatch(/held back \(blinded\)/);
      await api['annotations.save']({ studyId: study.id, sliceIndex: 1, raterId: me.id, mask: packMask(r.mask), source: 'manual', baseRevision: null });
      const { results } = await api['pacs.store']({ studyId: study.id, archive: 'orthanc', what: ['readers'], raterId: me.id });
      expect(results).toEqual([expect.objectContaining({ item: `reader:${r.name}`, status: 'stored', message: '' })]);
      sent.push(results[0].sopInstanceUID);
      // A retry sends nothing that is stored already.
      expect((await api['pacs.store']({ studyId: study.id, archive: 'orthanc', what: ['readers'], raterId: me.id })).results[0].status).toBe('unchanged');
      const audit = await api['audit.list']({ studyId: study.id, limit: 50 });
      expect(audit.filter((e) => e.action === 'archive.store')).toEqual([expect.objectContaining({ actor: r.name, detail: expect.stringContaining(results[0].sopInstanceUID) })]);
      if (r.name === 'Reader B') {
        // After marking the slice reviewed, B pulls the others' SEGs on it.
        await api['review.set']({ studyId: study.id, sliceIndex: 1, raterId: me.id, status: 'reviewed' });
        await retrieve(app, { archive: 'orthanc', studyInstanceUID: withSegStudy, viewerRaterId: me.id, blinded: true });
        const { masks } = await api['annotations.get']({ studyId: study.id, sliceIndex: 1, viewerRaterId: me.id, blinded: true });
        expect(masks.map((m) => m.raterName).sort()).toContain('Reader A');
        const { masks: slice0 } = await api['annotations.get']({ studyId: study.id, sliceIndex: 0, viewerRaterId: null, blinded: false });
        expect(slice0.map((m) => m.raterName)).not.toContain('Reader A');
      }
    }

    // Orthanc's own REST API: both SEGs are stored and reference the three CT instances.
    const ct = await orthanc.rest<{ ID: string; MainDicomTags: { Modality: string; SeriesInstanceUID: string }; Instances: string[] }[]>(`/series?expand`);
    const ctSeries = ct.find((s) => s.MainDicomTags.Modality === 'CT' && s.Instances.length === 3)!;
    const ctSops = await Promise.all(ctSeries.Instances.map(async (i) => (await orthanc.rest<{ SOPInstanceUID: string }>(`/instances/${i}/simplified-tags`)).SOPInstanceUID));
    for (const sop of sent) {
      const [found] = await orthanc.rest<{ ID: string }[]>('/tools/lookup', { method: 'POST', body: sop });
      expect(found).toBeDefined();
      const tags = await orthanc.rest<{ Modality: string; ContentCreatorName: string; ReferencedSeriesSequence: { SeriesInstanceUID: string; ReferencedInstanceSequence: { ReferencedSOPInstanceUID: string }[] }[] }>(
        `/instances/${found.ID}/simplified-tags`,
      );
      expect(tags.Modality).toBe('SEG');
      expect(tags.ReferencedSeriesSequence[0].SeriesInstanceUID).toBe(ctSeries.MainDicomTags.SeriesInstanceUID);
      expect(tags.ReferencedSeriesSequence[0].ReferencedInstanceSequence.map((r) => r.ReferencedSOPInstanceUID).sort()).toEqual([...ctSops].sort());
      expect(await dciodvfyErrors(found.ID)).toEqual([]);
    }

    // The third workstation, not blinded (the adjudicator), pulls both readers and measures their agreement.
    const third = ws();
    await third.api['pacs.archives.add']({ name: 'orthanc', url: orthanc.dicomWebUrl, credentials: { auth: 'none' } });
    expect((await retrieve(third.app, { archive: 'orthanc', studyInstanceUID: withSegStudy, viewerRaterId: null, blinded: false })).state).toBe('done');
    const [study] = await third.api['studies.list']({});
    const metrics = await third.api['metrics.study']({ studyId: study.id, viewerRaterId: null, blinded: false });
    const names = metrics.raters.map((r) => r.raterName);
    expect(names).toEqual(expect.arrayContaining(['Reader A', 'Reader B']));
    const a = names.indexOf('Reader A');
    const b = names.indexOf('Reader B');
    // 100x100 squares overlapping on 50x50: Dice = 2 * 2500 / 20000.
    expect(metrics.pairwiseDice[a][b]).toBeCloseTo(0.25, 10);

    // There an adjudicator takes Reader A's slice as the final mask and stores the final SEG back.
    const judge = await third.api['raters.create']({ name: 'Dr Judge', role: 'adjudicator' });
    const readerA = metrics.raters[a];
    await third.api['adjudication.start']({ studyId: study.id, sliceIndex: 1, adjudicatorId: judge.id, from: { kind: 'reader', raterId: readerA.raterId }, baseRevision: 0 });
    await third.api['final.mark']({ studyId: study.id, sliceIndex: 1, adjudicatorId: judge.id, baseRevision: 1 });
    const { results } = await third.api['pacs.store']({ studyId: study.id, archive: 'orthanc', what: ['final'] });
    expect(results).toEqual([expect.objectContaining({ item: 'final', status: 'stored' })]);
    const [finalFound] = await orthanc.rest<{ ID: string }[]>('/tools/lookup', { method: 'POST', body: results[0].sopInstanceUID });
    const finalTags = await orthanc.rest<{ Modality: string; ContentCreatorName: string; SeriesDescription: string }>(`/instances/${finalFound.ID}/simplified-tags`);
    expect(finalTags).toMatchObject({ Modality: 'SEG', ContentCreatorName: 'CalDiff^Final', SeriesDescription: expect.stringContaining('final (adjudicated by Dr Judge)') });
    expect(await dciodvfyErrors(finalFound.ID)).toEqual([]);
    // The final SEG is a result: retrieving the study again does not make it a reader.
    const fourth = ws();
    await fourth.api['pacs.archives.add']({ name: 'orthanc', url: orthanc.dicomWebUrl, credentials: { auth: 'none' } });
    await retrieve(fourth.app, { archive: 'orthanc', studyInstanceUID: withSegStudy, viewerRaterId: null, blinded: false });
    const pulled = (await fourth.api['raters.list']({})).map((r) => r.name);
    expect(pulled).toEqual(expect.arrayContaining(['Reader A', 'Reader B']));
    expect(pulled.filter((n) => /final/i.test(n))).toEqual([]);
  });

  it('stores the consensus and the model FRACTIONAL probability SEG of a triaged study', async () => {
    const { app, api } = ws();
    await api['pacs.archives.add']({ name: 'orthanc', url: orthanc.dicomWebUrl, credentials: { auth: 'none' } });
    await retrieve(app, { archive: 'orthanc', studyInstanceUID: withSegStudy, viewerRaterId: null, blinded: false });
    const [study] = await api['studies.list']({});
    // A whole CT slice is not what the model reads: triage a nodule-sized window at the centre of the three slices.
    await api['roi.add']({ studyId: study.id, center: [256, 256, 1], slices: [0, 2] });
    const triage = await app.context.jobs.settled((await api['triage.start']({ studyId: study.id, samples: 2, steps: 2, seed: 1 })).id);
    expect(triage.state).toBe('done');
    const { results } = await api['pacs.store']({ studyId: study.id, archive: 'orthanc', what: ['consensus', 'model'] });
    const items = results.map((r) => r.item);
    expect(items).toEqual(expect.arrayContaining(['consensus-majority', 'consensus-staple']));
    const model = results.find((r) => r.item.startsWith('model:'))!;
    expect(model).toMatchObject({ status: 'stored', item: expect.stringMatching(/^model:/) });
    const [found] = await orthanc.rest<{ ID: string }[]>('/tools/lookup', { method: 'POST', body: model.sopInstanceUID });
    const tags = await orthanc.rest<{ SegmentationType: string; SegmentationFractionalType: string; ReferencedSeriesSequence: unknown[] }>(`/instances/${found.ID}/simplified-tags`);
    expect(tags).toMatchObject({ SegmentationType: 'FRACTIONAL', SegmentationFractionalType: 'PROBABILITY' });
    expect(tags.ReferencedSeriesSequence).toHaveLength(1);
    expect(await dciodvfyErrors(found.ID)).toEqual([]);
    expect(results.every((r) => r.status === 'stored')).toBe(true);
  });
});

describe('archive faults change nothing', () => {
  it('a retrieval cancelled midway stores nothing and leaves no staging files', async () => {
    const { app, api } = ws();
    await api['pacs.archives.add']({ name: 'orthanc', url: orthanc.dicomWebUrl, credentials: { auth: 'none' } });
    let jobId = '';
    const stop = app.context.jobs.subscribe((j) => {
      if (j.id === jobId && j.done >= 1 && j.state === 'running') {
        stop();
        app.context.jobs.cancel(j.id);
      }
    });
    jobId = (await api['pacs.retrieve']({ archive: 'orthanc', studyInstanceUID: jpegStudy, viewerRaterId: null, blinded: false })).id;
    const job = await app.context.jobs.settled(jobId);
    expect(job.state).toBe('cancelled');
    expect(job.done).toBeLessThan(20);
    expect(await api['studies.list']({})).toEqual([]);
    expect(readdirSync(app.context.dataDir).filter((f) => f.startsWith('retrieve-'))).toEqual([]);
  });

  it('an archive killed mid-retrieve: the import rolls back and the job says so', async () => {
    const dying = await startOrthanc();
    try {
      await dying.upload(archiveReadyFiles(JPEG2000));
      const { app, api } = ws();
      await api['pacs.archives.add']({ name: 'dying', url: dying.dicomWebUrl, credentials: { auth: 'none' } });
      const [study] = await api['pacs.search']({ archive: 'dying' });
      // Kill the archive the moment the first instance is on disk (a progress signal, not a timer).
      const stop = app.context.jobs.subscribe((j) => {
        if (j.kind === 'pacs.retrieve' && j.done >= 1 && j.state === 'running') {
          stop();
          dying.kill();
        }
      });
      const job = await retrieve(app, { archive: 'dying', studyInstanceUID: study.studyInstanceUID, viewerRaterId: null, blinded: false });
      expect(job.state).toBe('failed');
      expect(job.error).toMatch(/^archive "dying" \(GET \/studies\/.*\) (failed|dropped the connection)/);
      expect(job.done).toBeLessThan(20);
      expect(await api['studies.list']({})).toEqual([]);
      expect(readdirSync(app.context.dataDir).filter((f) => f.startsWith('retrieve-'))).toEqual([]);
    } finally {
      await dying.stop();
    }
  });

  it('wrong credentials: 401, a clear message without the secret, nothing stored; secrets never in SQLite in clear', async () => {
    const locked = await startOrthanc({ user: { name: 'radiology', password: 'right-Horse-7' } });
    try {
      await locked.upload(archiveReadyFiles(WITH_SEG));
      const { app, api, dataDir } = ws();
      const wrong = 'wrong-Battery-42';
      await api['pacs.archives.add']({ name: 'locked', url: locked.dicomWebUrl, credentials: { auth: 'basic', user: 'radiology', password: wrong } });
      const refused = await api['pacs.search']({ archive: 'locked' }).catch((e: Error & { code: string }) => e);
      expect(refused).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/^archive "locked" \(GET \/studies\) refused the credentials \(HTTP 401\)/) });
      expect((refused as Error).message).not.toContain(wrong);
      const job = await retrieve(app, { archive: 'locked', studyInstanceUID: '1.2.3', viewerRaterId: null, blinded: false });
      expect(job).toMatchObject({ state: 'failed', error: expect.stringContaining('HTTP 401') });
      expect(await api['studies.list']({})).toEqual([]);

      await api['pacs.archives.remove']({ name: 'locked' });
      const right = 'right-Horse-7';
      await api['pacs.archives.add']({ name: 'locked', url: locked.dicomWebUrl, credentials: { auth: 'basic', user: 'radiology', password: right } });
      await api['pacs.archives.add']({ name: 'tokened', url: locked.dicomWebUrl, credentials: { auth: 'bearer', token: 'tok-Staple-99' } });
      expect(await api['pacs.search']({ archive: 'locked' })).toHaveLength(1);
      expect(JSON.stringify(await api['pacs.archives.list']({}))).not.toMatch(/Horse|Staple|Battery/);
      app.close();
      opened.splice(opened.indexOf(app), 1);
      // Neither the database (WAL included) nor the audit log holds a secret in clear; the key file is 0600.
      for (const f of readdirSync(dataDir).filter((f) => f.startsWith(DATABASE_FILE))) expect(readFileSync(path.join(dataDir, f)).toString('latin1')).not.toMatch(/Horse|Staple|Battery/);
      expect(statSync(path.join(dataDir, KEY_FILE)).mode & 0o777).toBe(0o600);
      const reopened = createApp({ dataDir });
      opened.push(reopened);
      expect(await reopened.client()['pacs.search']({ archive: 'locked' })).toHaveLength(1);
    } finally {
      await locked.stop();
    }
  });

  it('a server that answers garbage is refused and nothing is stored', async () => {
    const study = '1.2.826.0.1.3680043.8.498.1';
    const series = '1.2.826.0.1.3680043.8.498.2';
    const server: Server = createServer((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/junk/')) return res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('<html>not json</html>');
      if (url.includes('/instances/')) {
        if (url.includes('plain')) return res.writeHead(200, { 'content-type': 'application/dicom' }).end(Buffer.alloc(4096, 7));
        return res.writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"; boundary=xyz' }).end('--xyz\r\nContent-Type: application/dicom\r\n\r\nnot a dicom file at all\r\n--xyz--');
      }
      if (url.endsWith('/instances')) {
        const sop = url.includes(`${series}9`) ? 'plain' : '1.2.3.4';
        return res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify([{ '00080018': { vr: 'UI', Value: [sop] } }]));
      }
      if (url.includes('/series'))
        return res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify([{ '0020000E': { vr: 'UI', Value: [url.includes(`${study}.9/`) ? `${series}9` : series] }, '00080060': { vr: 'CS', Value: ['CT'] } }]));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const { app, api } = ws();
      await api['pacs.archives.add']({ name: 'junk', url: `http://127.0.0.1:${port}/junk`, credentials: { auth: 'none' } });
      await expect(api['pacs.search']({ archive: 'junk' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/not DICOM JSON; refused/) });
      await api['pacs.archives.add']({ name: 'liar', url: `http://127.0.0.1:${port}/liar`, credentials: { auth: 'none' } });
      const bad = await retrieve(app, { archive: 'liar', studyInstanceUID: study, viewerRaterId: null, blinded: false });
      expect(bad).toMatchObject({ state: 'failed', error: expect.stringMatching(/not one DICOM file .*; refused/) });
      const plain = await retrieve(app, { archive: 'liar', studyInstanceUID: `${study}.9`, viewerRaterId: null, blinded: false });
      expect(plain).toMatchObject({ state: 'failed', error: expect.stringMatching(/answered application\/dicom, not multipart\/related DICOM; refused/) });
      expect(await api['studies.list']({})).toEqual([]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

