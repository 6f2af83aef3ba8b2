import { ApiError } from '../../shared/errors';
import { interpolateSlices } from '../../shared/editing/interpolate';
import { countMask, packMask, unpackMask } from '../../shared/masks';
import { sliceLength } from '../../shared/volume';
import { auditVocabulary, checkSlice, currentStudyMasks, ensureRater, getRater, getStudy, listAudit, listRaters, reviewStatuses, saveMask, setReview, writeTransaction } from '../store';
import { visibleSliceMasks } from './blinding';
import type { HandlerGroup } from './registry';

export const annotationHandlers: HandlerGroup<
  'raters.list' | 'raters.create' | 'annotations.get' | 'annotations.save' | 'annotations.interpolate' | 'review.set' | 'review.list' | 'audit.list' | 'audit.filters'
> = {
  'raters.list': (_req, app) => listRaters(app.db),

  'raters.create': ({ name, role }, app) => writeTransaction(app.db, () => ensureRater(app.db, name, name, role)),

  'annotations.get': ({ studyId, sliceIndex, ...viewer }, app) => {
    const study = getStudy(app.db, studyId);
    checkSlice(study, sliceIndex);
    const { masks, hidden } = visibleSliceMasks(app.db, studyId, sliceIndex, viewer);
    return {
      width: study.dims[0],
      height: study.dims[1],
      masks: masks.map((m) => ({ raterId: m.raterId, raterName: m.raterName, raterRole: m.raterRole, revision: m.revision, source: m.source, mask: m.packed, updatedAt: m.updatedAt, interpolated: m.interpolated })),
      hidden,
    };
  },

  'annotations.save': ({ studyId, sliceIndex, raterId, mask, source, baseRevision }, app) => {
    const study = getStudy(app.db, studyId);
    const rater = getRater(app.db, raterId);
    checkSlice(study, sliceIndex);
    const n = sliceLength(study);
    if (mask.length !== Math.ceil(n / 8)) throw new ApiError('validation', `mask holds ${mask.length} bytes; a ${study.dims[0]}x${study.dims[1]} slice needs ${Math.ceil(n / 8)} (bit-packed)`);
    return saveMask(app.db, { studyId, sliceIndex, raterId, mask: unpackMask(mask, n), source, baseRevision }, rater.name);
  },

  /**
   * Fills the slices between the rater's own drawings by shape-based interpolation (shared/editing/interpolate.ts).
   * Keys are the rater's non-empty masks that are not themselves interpolated; a slice between two keys is filled
   * when the rater has nothing there or only an earlier interpolation, so no drawing of theirs is ever overwritten.
   * All slices are written in one transaction (each its own revision, marked interpolated): the read and the
   * writes see one state of the store, and a failure leaves none of them.
   */
  'annotations.interpolate': ({ studyId, raterId }, app) => {
    const study = getStudy(app.db, studyId);
    const rater = getRater(app.db, raterId);
    const [width, height, depth] = study.dims;
    const n = width * height;
    return writeTransaction(app.db, () => {
        const own = new Map<number, { mask: Uint8Array; revision: number; interpolated: boolean }>();
        for (const [k, masks] of currentStudyMasks(app.db, studyId)) {
          const m = masks.find((x) => x.raterId === raterId);
          if (m) own.set(k, { mask: unpackMask(m.packed, n), revision: m.revision, interpolated: m.interpolated });
        }
        const isKey = (k: number) => {
          const m = own.get(k);
          return !!m && !m.interpolated && countMask(m.mask) > 0;
        };
        const keys = [...own.keys()].filter(isKey).sort((a, b) => a - b);
        const masks = Array.from({ length: depth }, (_, k) => (isKey(k) ? own.get(k)!.mask : null));
        const slices = [];
        for (const [sliceIndex, mask] of interpolateSlices(masks, width, height, keys)) {
          const before = own.get(sliceIndex);
          const { revision, unchanged } = saveMask(app.db, { studyId, sliceIndex, raterId, mask, source: 'manual', baseRevision: before?.revision ?? 0, interpolated: true }, rater.name);
          if (!unchanged) slices.push({ sliceIndex, revision, previous: packMask(before?.mask ?? new Uint8Array(n)) });
        }
        return { keys, slices };
      });
  },

  'review.set': ({ studyId, sliceIndex, raterId, status }, app) => {
    const study = getStudy(app.db, studyId);
    const rater = getRater(app.db, raterId);
    checkSlice(study, sliceIndex);
    setReview(app.db, studyId, sliceIndex, raterId, status, rater.name);
    return { ok: true as const };
  },

  'review.list': ({ studyId, raterId }, app) => {
    getStudy(app.db, studyId);
    getRater(app.db, raterId);
    return reviewStatuses(app.db, studyId, raterId);
  },

  'audit.list': (filter, app) => listAudit(app.db, filter),
  'audit.filters': (_req, app) => auditVocabulary(app.db),
};
