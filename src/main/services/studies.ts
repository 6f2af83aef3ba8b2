import { api, LidcMarkerSchema, type LidcMarker, type Response } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { sliceLength } from '../../shared/volume';
import path from 'node:path';
import type { DicomSeriesMeta } from '../io/dicom';
import { readDicomStudy, readSegMasks, type DicomStudy, type SegMasks } from '../io/dicom-sources';
import { lidcReadsNear, lidcSeriesUID, readLidcReads, type LidcReads } from '../io/lidc-xml';
import { discover, type ImportedStudy } from '../io/sources';
import {
  appendAudit,
  auditRecorded,
  deleteStudy,
  dicomSourceMeta,
  ensureRater,
  getStudy,
  insertStudy,
  listStudies,
  readSlice,
  readVolume,
  saveMask,
  setSegmentDescription,
  storeHasStudies,
  studyIdsBySourcePath,
  studyRaters,
  summaryOf,
  writeTransaction,
  type Db,
  type StudyRecord,
} from '../store';
import { importOffThread, type ImportProgress } from './import-thread';
import type { HandlerGroup } from './registry';
import { formatIssues } from '../../shared/text';

/** What a caller (the archive retrieval) adds to an import, inside its one transaction. */
export interface ImportHooks {
  /** The slices of a SEG's masks to keep (all by default): blinding holds back other readers' unreviewed ones. */
  segSlices?(seg: SegMasks, studyId: number): SegMasks['slices'];
  /** Runs last inside the transaction, with the studies made: provenance commits or rolls back with them. */
  inTransaction?(made: { studyId: number; seriesInstanceUID: string }[]): void;
}

export interface ImportOutcome {
  studyIds: number[];
  /** The answer of studies.import, checked against the contract before the transaction commits. */
  answer: Response<'studies.import'>;
}

export interface ImportOptions {
  /**
   * Import only into a store that holds no study and has never recorded this audit action, and record it in the
   * same transaction (seeding the demo once, even when several processes start at once).
   */
  once?: { action: string; actor: string };
  /** After each study is written, inside the transaction (nothing is committed yet). */
  onProgress?: (p: { done: number; total: number; path: string }) => void;
}

/** The DICOM series already in the store, for SEG objects imported on their own. */
function storedDicomSeries(db: Db): Map<string, { studyId: number; meta: DicomSeriesMeta }> {
  return new Map(
    dicomSourceMeta(db).map(({ studyId, sourceMeta }) => {
      const meta = sourceMeta.dicom as DicomSeriesMeta;
      return [meta.seriesInstanceUID, { studyId, meta }];
    }),
  );
}

/**
 * Imports every study under the given paths in ONE IMMEDIATE transaction: a bad file anywhere (or a crash)
 * leaves the database exactly as it was. A path or series already imported is skipped, not duplicated; that is
 * decided inside the transaction, so two processes importing the same files at once make one study. DICOM is
 * decoded before the transaction (its decoders are asynchronous); everything else streams through it.
 */
export async function importPaths(db: Db, paths: string[], actor: string, options: ImportOptions & ImportHooks = {}): Promise<ImportOutcome> {
  const found = discover(paths);
  const { items, dicom } = found;
  // Read outside the transaction only to avoid decoding series that are already there; checked again inside it.
  const storedBefore = storedDicomSeries(db);
  const dicomStudies: (DicomStudy & { lidcReads: LidcReads[] })[] = [];
  for (const s of dicom.series) {
    if (storedBefore.has(s.seriesInstanceUID)) continue;
    const study = await readDicomStudy(s);
    const lidcReads = lidcReadsNear(study.sourcePath)
      .filter((file) => [study.meta.seriesInstanceUID, ''].includes(lidcSeriesUID(file)))
      .map((file) => readLidcReads(file, study.meta));
    for (const reads of lidcReads) study.notes.push(lidcNote(reads));
    if (lidcReads.length) study.sourceMeta = { ...study.sourceMeta, lidcMarkers: lidcReads.flatMap((r) => r.markers) };
    dicomStudies.push({ ...study, lidcReads });
  }
  const readsFiles = new Set(dicomStudies.flatMap((d) => d.lidcReads.map((r) => r.file)));
  const skipped: Response<'studies.import'>['skipped'] = found.skipped.filter((s) => !readsFiles.has(s.path));
  const candidates = [...dicomStudies.map((d) => d.meta), ...[...storedBefore.values()].map((s) => s.meta)];
  const segMasks = dicom.segs.flatMap((seg) => readSegMasks(seg.path, candidates));

  return writeTransaction(db, (): ImportOutcome => {
    const studyIds: number[] = [];
    if (options.once) {
      if (auditRecorded(db, options.once.action) || storeHasStudies(db)) return { studyIds, answer: { studies: [], skipped: [] } };
    }
    const known = studyIdsBySourcePath(db);
    const stored = storedDicomSeries(db);
    const total = items.length + dicomStudies.length;
    const add = (study: ImportedStudy) => {
      const studyId = insertStudy(db, study, actor);
      const n = sliceLength(study.volume);
      for (const r of study.raters) {
        const rater = ensureRater(db, r.raterName, actor);
        for (let k = 0; k < study.volume.dims[2]; k++)
          saveMask(db, { studyId, sliceIndex: k, raterId: rater.id, mask: r.mask.subarray(k * n, (k + 1) * n), source: 'imported', baseRevision: null }, actor);
      }
      studyIds.push(studyId);
      known.set(study.sourcePath, studyId);
      options.onProgress?.({ done: studyIds.length, total, path: study.sourcePath });
      return studyId;
    };
    for (const item of items) {
      const existing = known.get(item.path);
      if (existing !== undefined) skipped.push({ path: item.path, reason: `already imported as study ${existing}`, studyId: existing });
      else add(item.load());
    }
    const bySeries = new Map([...stored].map(([uid, s]) => [uid, s.studyId]));
    const made: { studyId: number; seriesInstanceUID: string }[] = [];
    for (const d of dicomStudies) {
      const existing = stored.get(d.meta.seriesInstanceUID);
      if (existing) {
        skipped.push({ path: d.sourcePath, reason: `series already imported as study ${existing.studyId}`, studyId: existing.studyId });
        continue;
      }
      const studyId = add({ ...d, raters: [] });
      bySeries.set(d.meta.seriesInstanceUID, studyId);
      made.push({ studyId, seriesInstanceUID: d.meta.seriesInstanceUID });
      for (const reads of d.lidcReads)
        for (const r of reads.raters) {
          const rater = ensureRater(db, r.raterName, actor);
          for (const { k, mask } of r.slices) saveMask(db, { studyId, sliceIndex: k, raterId: rater.id, mask, source: 'imported', baseRevision: null }, actor);
        }
    }
    for (const s of dicom.series) {
      const existing = storedBefore.get(s.seriesInstanceUID);
      if (existing) skipped.push({ path: path.dirname(s.files[0]), reason: `series already imported as study ${existing.studyId}`, studyId: existing.studyId });
    }
    for (const seg of segMasks) {
      const studyId = bySeries.get(seg.seriesInstanceUID)!;
      const slices = options.segSlices ? options.segSlices(seg, studyId) : seg.slices;
      if (slices.length === 0) continue;
      const rater = ensureRater(db, seg.raterName, actor);
      setSegmentDescription(db, studyId, rater.id, seg.description);
      for (const { k, mask } of slices) saveMask(db, { studyId, sliceIndex: k, raterId: rater.id, mask, source: 'imported', baseRevision: null }, actor);
      if (!studyIds.includes(studyId)) studyIds.push(studyId);
    }
    options.inTransaction?.(made);
    if (options.once) appendAudit(db, { actor: options.once.actor, action: options.once.action, detail: `${studyIds.length} studies from ${paths.join(', ')}` });
    // The answer is built and checked here, so that what cannot be answered (e.g. a value the contract refuses)
    // is never committed either.
    const answer = { studies: studyIds.map((id) => listStudies(db, id)[0]), skipped };
    const checked = api['studies.import'].response.safeParse(answer);
    if (!checked.success) throw new ApiError('bad_input', `${paths.join(', ')}: the import cannot be stored (${formatIssues(checked.error.issues, 'answer')}); nothing was imported`);
    return { studyIds, answer: checked.data };
  });
}

/** The LIDC point marks kept at import; a store written by another version may hold none, or malformed ones. */
function markersOf(sourceMeta: Record<string, unknown>): LidcMarker[] {
  const parsed = LidcMarkerSchema.array().safeParse(sourceMeta.lidcMarkers ?? []);
  return parsed.success ? parsed.data : [];
}

function lidcNote(reads: LidcReads): string {
  const outlined = reads.raters.filter((r) => r.slices.length > 0).length;
  const small = reads.markers.filter((m) => m.kind === 'nodule < 3 mm').length;
  const nonNodules = reads.markers.length - small;
  return (
    `LIDC reads ${path.basename(reads.file)}: ${reads.raters.length} reading sessions, ${outlined} with outlines on this series` +
    (reads.outlinesElsewhere ? `; ${reads.outlinesElsewhere} outlines lie on slices this series does not hold` : '') +
    (reads.markers.length ? `; ${small} nodules under 3 mm and ${nonNodules} non-nodules kept as point markers, not masks` : '')
  );
}

/** Each slice's InstanceNumber (DICOM) and position along the slice normal, in the study's k order. */
export function sliceHeaders(study: StudyRecord) {
  const instances = (study.sourceMeta as { dicom?: DicomSeriesMeta }).dicom?.instances;
  const d = study.direction;
  const normal = [d[2], d[5], d[8]];
  const along = (p: readonly number[]) => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
  return Array.from({ length: study.dims[2] }, (_, k) => ({
    sliceIndex: k,
    instanceNumber: instances?.[k]?.instanceNumber ?? null,
    positionMm: instances?.[k] ? along(instances[k].imagePositionPatient) : along(study.origin) + k * study.spacing[2],
  }));
}

export const studyHandlers: HandlerGroup<'studies.list' | 'studies.get' | 'studies.import' | 'studies.delete' | 'studies.volume' | 'studies.slice' | 'studies.sliceHeaders'> = {
  'studies.list': (_req, app) => listStudies(app.db),

  'studies.get': ({ studyId }, app) => {
    const s = getStudy(app.db, studyId);
    const [summary] = listStudies(app.db, studyId);
    const raters = studyRaters(app.db, studyId);
    return {
      ...summaryOf(s),
      spacing: s.spacing,
      raterCount: summary.raterCount,
      annotatedSlices: summary.annotatedSlices,
      geometry: { dims: s.dims, spacing: s.spacing, origin: s.origin, direction: s.direction },
      dtype: s.dtype,
      window: s.window,
      raters,
      notes: s.notes,
      markers: markersOf(s.sourceMeta),
    };
  },

  // Off the main thread: other requests are answered while a large (or hostile) import is read.
  'studies.import': async ({ paths }, app, call) => {
    const onProgress = call.progress && ((p: ImportProgress) => call.progress!(`${p.done}/${p.total} studies written (not yet committed): ${p.path}`));
    return (await importOffThread({ dataDir: app.dataDir, paths, actor: `import (${call.transport})` }, onProgress)).answer;
  },

  'studies.delete': ({ studyId }, app, call) => {
    deleteStudy(app.db, studyId, `delete (${call.transport})`);
    return { ok: true as const };
  },

  'studies.volume': ({ studyId }, app) => {
    const s = getStudy(app.db, studyId);
    const v = readVolume(app.db, s);
    return { dims: v.dims, spacing: v.spacing, origin: v.origin, direction: v.direction, dtype: v.dtype, intensity: v.intensity, window: v.window, data: v.data };
  },

  'studies.sliceHeaders': ({ studyId }, app) => sliceHeaders(getStudy(app.db, studyId)),

  'studies.slice': ({ studyId, sliceIndex }, app) => {
    const s = getStudy(app.db, studyId);
    return { width: s.dims[0], height: s.dims[1], dtype: s.dtype, data: readSlice(app.db, s, sliceIndex) };
  },
};
