import { sliceLength } from '../../shared/volume';
import path from 'node:path';
import type { DicomSeriesMeta } from '../io/dicom';
import { readDicomStudy, readSegMasks, type DicomStudy } from '../io/dicom-sources';
import { lidcReadsNear, lidcSeriesUID, readLidcReads, type LidcReads } from '../io/lidc-xml';
import { discover, type ImportedStudy } from '../io/sources';
import { deleteStudy, ensureRater, getStudy, insertStudy, listStudies, readSlice, readVolume, saveMask, setSegmentDescription, summaryOf, type Db, type StudyRecord } from '../store';
import type { HandlerGroup } from './registry';

export interface ImportOutcome {
  studyIds: number[];
  skipped: { path: string; reason: string }[];
}

/** The DICOM series already in the store, for SEG objects imported on their own. */
function storedDicomSeries(db: Db): Map<string, { studyId: number; meta: DicomSeriesMeta }> {
  const rows = db.prepare("SELECT id, source_meta FROM studies WHERE source = 'dicom'").all() as { id: number; source_meta: string }[];
  return new Map(
    rows.map((r) => {
      const meta = (JSON.parse(r.source_meta) as { dicom: DicomSeriesMeta }).dicom;
      return [meta.seriesInstanceUID, { studyId: r.id, meta }];
    }),
  );
}

/**
 * Imports every study under the given paths in ONE transaction: a bad file anywhere (or a crash) leaves the
 * database exactly as it was. A path already imported is skipped, not duplicated. DICOM is decoded before the
 * transaction (its decoders are asynchronous); everything else streams through it.
 */
export async function importPaths(db: Db, paths: string[], actor: string): Promise<ImportOutcome> {
  const { items, dicom, skipped } = discover(paths);
  const known = new Map((db.prepare('SELECT id, source_path FROM studies').all() as { id: number; source_path: string }[]).map((r) => [r.source_path, r.id]));
  const stored = storedDicomSeries(db);
  const newSeries = dicom.series.filter((s) => {
    const existing = stored.get(s.seriesInstanceUID);
    if (existing) skipped.push({ path: path.dirname(s.files[0]), reason: `series already imported as study ${existing.studyId}` });
    return !existing;
  });
  const dicomStudies: (DicomStudy & { lidcReads: LidcReads[] })[] = [];
  for (const s of newSeries) {
    const study = await readDicomStudy(s);
    const lidcReads = lidcReadsNear(study.sourcePath)
      .filter((file) => [study.meta.seriesInstanceUID, ''].includes(lidcSeriesUID(file)))
      .map((file) => readLidcReads(file, study.meta));
    for (const reads of lidcReads) study.notes.push(lidcNote(reads));
    if (lidcReads.length) study.sourceMeta = { ...study.sourceMeta, lidcMarkers: lidcReads.flatMap((r) => r.markers) };
    dicomStudies.push({ ...study, lidcReads });
  }
  const readsFiles = new Set(dicomStudies.flatMap((d) => d.lidcReads.map((r) => r.file)));
  const notSkipped = skipped.filter((s) => !readsFiles.has(s.path));
  skipped.splice(0, skipped.length, ...notSkipped);
  const candidates = [...dicomStudies.map((d) => d.meta), ...[...stored.values()].map((s) => s.meta)];
  const segMasks = dicom.segs.flatMap((seg) => readSegMasks(seg.path, candidates));

  const studyIds: number[] = [];
  db.transaction(() => {
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
      return studyId;
    };
    for (const item of items) {
      const existing = known.get(item.path);
      if (existing !== undefined) skipped.push({ path: item.path, reason: `already imported as study ${existing}` });
      else add(item.load());
    }
    const bySeries = new Map([...stored].map(([uid, s]) => [uid, s.studyId]));
    for (const d of dicomStudies) {
      const studyId = add({ ...d, raters: [] });
      bySeries.set(d.meta.seriesInstanceUID, studyId);
      for (const reads of d.lidcReads)
        for (const r of reads.raters) {
          const rater = ensureRater(db, r.raterName, actor);
          for (const { k, mask } of r.slices) saveMask(db, { studyId, sliceIndex: k, raterId: rater.id, mask, source: 'imported', baseRevision: null }, actor);
        }
    }
    for (const seg of segMasks) {
      const studyId = bySeries.get(seg.seriesInstanceUID)!;
      const rater = ensureRater(db, seg.raterName, actor);
      setSegmentDescription(db, studyId, rater.id, seg.description);
      for (const { k, mask } of seg.slices) saveMask(db, { studyId, sliceIndex: k, raterId: rater.id, mask, source: 'imported', baseRevision: null }, actor);
      if (!studyIds.includes(studyId)) studyIds.push(studyId);
    }
  })();
  return { studyIds, skipped };
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
    const raters = app.db
      .prepare(
        `SELECT DISTINCT r.id, r.name, r.created_at AS createdAt FROM raters r JOIN annotations a ON a.rater_id = r.id WHERE a.study_id = ? ORDER BY r.name`,
      )
      .all(studyId) as { id: number; name: string; createdAt: string }[];
    return {
      ...summaryOf(s),
      raterCount: summary.raterCount,
      annotatedSlices: summary.annotatedSlices,
      geometry: { dims: s.dims, spacing: s.spacing, origin: s.origin, direction: s.direction },
      dtype: s.dtype,
      window: s.window,
      raters,
      notes: s.notes,
    };
  },

  'studies.import': async ({ paths }, app, call) => {
    const { studyIds, skipped } = await importPaths(app.db, paths, `import (${call.transport})`);
    return { studies: listStudies(app.db).filter((s) => studyIds.includes(s.id)), skipped };
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
