import { ApiError } from '../../shared/errors';
import { sliceLength } from '../../shared/volume';
import { discover } from '../io/sources';
import { deleteStudy, ensureRater, getStudy, insertStudy, listStudies, readSlice, readVolume, saveMask, summaryOf, type Db } from '../store';
import type { HandlerGroup } from './registry';

export interface ImportOutcome {
  studyIds: number[];
  skipped: { path: string; reason: string }[];
}

/**
 * Imports every study under the given paths in ONE transaction: a bad file anywhere (or a crash) leaves the
 * database exactly as it was. A path already imported is skipped, not duplicated.
 */
export function importPaths(db: Db, paths: string[], actor: string, onStudy?: (name: string, index: number, total: number) => void): ImportOutcome {
  const { items, skipped } = discover(paths);
  const known = new Map((db.prepare('SELECT id, source_path FROM studies').all() as { id: number; source_path: string }[]).map((r) => [r.source_path, r.id]));
  const studyIds: number[] = [];
  db.transaction(() => {
    items.forEach((item, index) => {
      const existing = known.get(item.path);
      if (existing !== undefined) {
        skipped.push({ path: item.path, reason: `already imported as study ${existing}` });
        return;
      }
      const study = item.load();
      const studyId = insertStudy(db, study, actor);
      const n = sliceLength(study.volume);
      for (const r of study.raters) {
        const rater = ensureRater(db, r.raterName, actor);
        for (let k = 0; k < study.volume.dims[2]; k++)
          saveMask(db, { studyId, sliceIndex: k, raterId: rater.id, mask: r.mask.subarray(k * n, (k + 1) * n), source: 'imported', baseRevision: null }, actor);
      }
      studyIds.push(studyId);
      known.set(item.path, studyId);
      onStudy?.(study.name, index + 1, items.length);
    });
  })();
  return { studyIds, skipped };
}

export const studyHandlers: HandlerGroup<'studies.list' | 'studies.get' | 'studies.import' | 'studies.delete' | 'studies.volume' | 'studies.slice'> = {
  'studies.list': (_req, app) => listStudies(app.db),

  'studies.get': ({ studyId }, app) => {
    const s = getStudy(app.db, studyId);
    const summary = listStudies(app.db).find((x) => x.id === studyId)!;
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

  'studies.import': ({ paths }, app, call) => {
    const { studyIds, skipped } = importPaths(app.db, paths, `import (${call.transport})`);
    const all = listStudies(app.db);
    return { studies: all.filter((s) => studyIds.includes(s.id)), skipped };
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

  'studies.slice': ({ studyId, sliceIndex }, app) => {
    const s = getStudy(app.db, studyId);
    if (sliceIndex >= s.dims[2]) throw new ApiError('not_found', `study ${studyId} has no slice ${sliceIndex} (it has ${s.dims[2]})`);
    return { width: s.dims[0], height: s.dims[1], dtype: s.dtype, data: readSlice(app.db, s, sliceIndex) };
  },
};
