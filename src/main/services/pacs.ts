/**
 * DICOMweb archives (PACS): configure them, search (QIDO-RS), retrieve studies into the store (WADO-RS, then the
 * file import, all or nothing) and store the review back (STOW-RS of the SEG objects the export writes).
 * Credentials are sealed by the context's cipher before they reach SQLite and are never logged or returned.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import dcmjs from 'dcmjs';
import type { ArchiveStudy, Request } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import type { AppContext } from '../context';
import { scanDicomFolder, type DicomSeriesMeta } from '../io/dicom';
import { fromPersonName } from '../io/dicom/person-name';
import { openSecret } from '../pacs/secrets';
import { retrieveInstance, searchInstances, searchSeries, searchStudies, storeInstance, text, texts, type Endpoint } from '../pacs/dicomweb';
import {
  deleteArchive,
  dicomSourceMeta,
  getArchive,
  getRater,
  getStudy,
  insertArchive,
  listArchives,
  recordStoreAttempt,
  reviewStatus,
  setStudyOrigin,
  setStudySourcePath,
  storedAlready,
  studyOrigin,
  type ArchiveRecord,
  type Db,
} from '../store';
import { CONSENSUS_CREATOR, FINAL_CREATOR, segObjects, type SegKind } from './dicom';
import { finalMaskVolume, studyMaskVolumes } from './export';
import type { CallContext, HandlerGroup } from './registry';
import { importPaths } from './studies';

const SEG_MODALITY = 'SEG';

function publicArchive(a: ArchiveRecord) {
  return { name: a.name, url: a.url, auth: a.auth, user: a.username, createdAt: a.createdAt };
}

export function endpointOf(app: AppContext, name: string): Endpoint {
  const a = getArchive(app.db, name);
  let authorization: string | null = null;
  if (a.auth !== 'none') {
    if (!a.secret) throw new ApiError('unavailable', `archive "${a.name}" has no stored credentials; add it again`);
    const secret = openSecret(app.secrets, a.secretScheme, a.secret, a.name);
    authorization = a.auth === 'basic' ? `Basic ${Buffer.from(`${a.username}:${secret}`).toString('base64')}` : `Bearer ${secret}`;
  }
  return { name: a.name, url: a.url, authorization };
}

const intOrNull = (s: string) => (s === '' || !Number.isFinite(Number(s)) ? null : Math.trunc(Number(s)));

async function searchArchive(app: AppContext, q: Request<'pacs.search'>): Promise<ArchiveStudy[]> {
  const ep = endpointOf(app, q.archive);
  const studies = await searchStudies(ep, { ...q, limit: q.limit ?? 50 });
  const out: ArchiveStudy[] = [];
  for (const s of studies) {
    const studyInstanceUID = text(s, '0020000D');
    if (!studyInstanceUID) throw new ApiError('bad_input', `archive "${ep.name}" answered the search with a study without a StudyInstanceUID; refused`);
    const series = (await searchSeries(ep, studyInstanceUID)).map((x) => ({
      seriesInstanceUID: text(x, '0020000E'),
      modality: text(x, '00080060'),
      description: text(x, '0008103E'),
      number: intOrNull(text(x, '00200011')),
      instances: intOrNull(text(x, '00201209')),
    }));
    out.push({
      studyInstanceUID,
      patientId: text(s, '00100020'),
      patientName: text(s, '00100010'),
      studyDate: text(s, '00080020'),
      accession: text(s, '00080050'),
      description: text(s, '00081030'),
      modalities: texts(s, '00080061'),
      series,
    });
  }
  return out;
}

function storedSeriesUIDs(db: Db): Set<string> {
  return new Set(dicomSourceMeta(db).map((r) => (r.sourceMeta.dicom as DicomSeriesMeta).seriesInstanceUID));
}

type RetrieveRequest = Request<'pacs.retrieve'> & { seriesInstanceUID: string | null };

/** The retrieval job: list, fetch instance by instance into a staging folder, import once, clean up. */
function startRetrieve(app: AppContext, req: RetrieveRequest, call: CallContext) {
  const ep = endpointOf(app, req.archive);
  const viewer = req.viewerRaterId === null ? null : getRater(app.db, req.viewerRaterId);
  const actor = viewer ? viewer.name : `pacs (${call.transport})`;
  return app.jobs.start('pacs.retrieve', null, 0, async (control) => {
    control.progress({ message: `listing study ${req.studyInstanceUID} on ${ep.name}` });
    const series = await searchSeries(ep, req.studyInstanceUID, control.signal);
    if (series.length === 0) throw new ApiError('not_found', `archive "${ep.name}" has no study ${req.studyInstanceUID}`);
    const images = series.filter((s) => text(s, '00080060') !== SEG_MODALITY && (req.seriesInstanceUID === null || text(s, '0020000E') === req.seriesInstanceUID));
    if (images.length === 0) throw new ApiError('not_found', `archive "${ep.name}" has no image series ${req.seriesInstanceUID} in study ${req.studyInstanceUID}`);
    const have = storedSeriesUIDs(app.db);
    const wanted = [...images.filter((s) => !have.has(text(s, '0020000E'))), ...series.filter((s) => text(s, '00080060') === SEG_MODALITY)];
    const plan: { series: string; sop: string }[] = [];
    for (const s of wanted) {
      const uid = text(s, '0020000E');
      for (const i of await searchInstances(ep, req.studyInstanceUID, uid, control.signal)) plan.push({ series: uid, sop: text(i, '00080018') });
    }
    if (plan.length === 0) return `study ${req.studyInstanceUID} is in the store already; nothing new on ${ep.name}`;
    const staging = mkdtempSync(path.join(app.dataDir, 'retrieve-'));
    try {
      control.progress({ done: 0, total: plan.length, message: `retrieving ${plan.length} instances from ${ep.name}` });
      const sopsBySeries = new Map<string, string[]>();
      for (const [n, item] of plan.entries()) {
        if (control.signal.aborted) throw new ApiError('cancelled', 'cancelled');
        await retrieveInstance(ep, req.studyInstanceUID, item.series, item.sop, path.join(staging, `${n}.dcm`), control.signal);
        sopsBySeries.set(item.series, [...(sopsBySeries.get(item.series) ?? []), item.sop]);
        control.progress({ done: n + 1, message: `retrieved ${n + 1} of ${plan.length} instances` });
      }
      // Only SEGs on the series asked for (or already here) come in; one on another series would fail the import.
      const onTarget = new Set([...images.map((s) => text(s, '0020000E')), ...have]);
      const scan = scanDicomFolder(staging);
      if (scan.broken.length || scan.skipped.length) {
        const p = [...scan.broken, ...scan.skipped][0];
        throw new ApiError('bad_input', `archive "${ep.name}" sent an instance the import cannot read (${p.reason}); nothing was stored`);
      }
      for (const seg of scan.segs) if (!seg.referencedSeriesUIDs.some((u) => onTarget.has(u))) unlinkSync(seg.path);
      let heldBack = 0;
      const viewerName = viewer?.name.toLowerCase();
      control.progress({ message: 'importing' });
      const outcome = await importPaths(app.db, [staging], actor, {
        segSlices: (seg, studyId) => {
          // A model's, a consensus or the final SEG is a result, not a reader: retrieval brings readers only.
          if (seg.algorithmType === 'AUTOMATIC' || seg.raterName === CONSENSUS_CREATOR || seg.raterName === fromPersonName(FINAL_CREATOR)) return [];
          if (!req.blinded || !viewer || seg.raterName.toLowerCase() === viewerName) return seg.slices;
          const kept = seg.slices.filter((s) => reviewStatus(app.db, studyId, s.k, viewer.id) === 'reviewed');
          heldBack += seg.slices.length - kept.length;
          return kept;
        },
        inTransaction: (made) => {
          const retrievedAt = new Date().toISOString();
          for (const m of made) {
            const sourcePath = `${ep.url}/studies/${req.studyInstanceUID}/series/${m.seriesInstanceUID}`;
            setStudySourcePath(app.db, m.studyId, sourcePath);
            setStudyOrigin(app.db, m.studyId, {
              archiveName: ep.name,
              archiveUrl: ep.url,
              studyInstanceUID: req.studyInstanceUID,
              seriesInstanceUID: m.seriesInstanceUID,
              sopInstanceUIDs: sopsBySeries.get(m.seriesInstanceUID) ?? [],
              retrievedAt,
            });
          }
        },
      });
      if (heldBack) control.warn(`${heldBack} slices of other readers' masks were held back (blinded): mark those slices reviewed, then retrieve again`);
      const ids = outcome.studyIds;
      return `retrieved ${plan.length} instances from ${ep.name}${ids.length ? `: study ${ids.join(', ')}` : ''}`;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  });
}

const KINDS: Record<'readers' | 'consensus' | 'model' | 'final', SegKind> = { readers: 'reader', consensus: 'consensus', model: 'model', final: 'final' };

function itemOf(kind: SegKind, name: string): string {
  return kind === 'reader' ? `reader:${name}` : kind === 'model' ? `model:${name.replace(/^model-/, '')}` : name;
}

async function storeStudy(app: AppContext, req: Request<'pacs.store'> & { what: ('readers' | 'consensus' | 'model' | 'final')[]; raterId: number | null }, call: CallContext) {
  const study = getStudy(app.db, req.studyId);
  const ep = endpointOf(app, req.archive);
  const sender = req.raterId === null ? null : getRater(app.db, req.raterId);
  const actor = sender ? sender.name : `pacs (${call.transport})`;
  const { raters, consensus } = studyMaskVolumes(app, study);
  const mine = sender ? raters.filter((r) => r.raterId === sender.id) : raters;
  const objects = segObjects(app, study, mine, consensus, finalMaskVolume(app, study).volume, req.what.map((w) => KINDS[w]));
  const results = [];
  for (const o of objects) {
    const item = itemOf(o.kind, o.name);
    const sha = createHash('sha256').update(Buffer.from(o.content.buffer, o.content.byteOffset, o.content.byteLength)).digest('hex');
    const before = storedAlready(app.db, study.id, ep.name, item, sha);
    if (before) {
      results.push({ item, sopInstanceUID: before, status: 'unchanged' as const, message: 'stored before with the same content' });
      continue;
    }
    const sop = sopInstanceUIDOfSeg(o.bytes);
    const studyUID = (study.sourceMeta as { dicom: { studyInstanceUID: string } }).dicom.studyInstanceUID;
    const outcome = await storeInstance(ep, studyUID, sop, o.bytes);
    recordStoreAttempt(app.db, { studyId: study.id, archiveName: ep.name, item, contentSha256: sha, sopInstanceUID: sop, status: outcome.ok ? 'stored' : 'failed', message: outcome.message, actor });
    results.push({ item, sopInstanceUID: sop, status: outcome.ok ? ('stored' as const) : ('failed' as const), message: outcome.message });
  }
  return { results };
}

/** The SOP Instance UID the SEG writer gave the file (its MediaStorageSOPInstanceUID). */
function sopInstanceUIDOfSeg(bytes: Uint8Array): string {
  const copy = bytes.slice().buffer;
  const dict = dcmjs.data.DicomMessage.readFile(copy);
  return String(dict.meta['00020003']?.Value?.[0] ?? '');
}

export const pacsHandlers: HandlerGroup<'pacs.archives.list' | 'pacs.archives.add' | 'pacs.archives.remove' | 'pacs.search' | 'pacs.retrieve' | 'pacs.store' | 'pacs.origin'> = {
  'pacs.archives.list': (_req, app) => listArchives(app.db).map(publicArchive),

  'pacs.archives.add': ({ name, url, credentials }, app, call) => {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ApiError('validation', `the archive URL must be http or https, not ${parsed.protocol}`);
    if (parsed.username || parsed.password) throw new ApiError('validation', 'put credentials in --user/--password-stdin or --token-stdin, not in the URL');
    const secret = credentials.auth === 'basic' ? credentials.password : credentials.auth === 'bearer' ? credentials.token : null;
    const record = insertArchive(
      app.db,
      {
        name,
        url: url.replace(/\/+$/, ''),
        auth: credentials.auth,
        username: credentials.auth === 'basic' ? credentials.user : null,
        secret: secret === null ? null : app.secrets.seal(secret),
        secretScheme: secret === null ? null : app.secrets.scheme,
      },
      `pacs (${call.transport})`,
    );
    return publicArchive(record);
  },

  'pacs.archives.remove': ({ name }, app, call) => {
    deleteArchive(app.db, name, `pacs (${call.transport})`);
    return { ok: true as const };
  },

  'pacs.search': (req, app) => searchArchive(app, req),
  'pacs.retrieve': (req, app, call) => startRetrieve(app, req, call),
  'pacs.store': (req, app, call) => storeStudy(app, req, call),
  'pacs.origin': ({ studyId }, app) => {
    getStudy(app.db, studyId);
    return studyOrigin(app.db, studyId);
  },
};
