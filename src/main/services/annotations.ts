import { ApiError } from '../../shared/errors';
import { unpackMask } from '../../shared/masks';
import { sliceLength } from '../../shared/volume';
import { checkSlice, ensureRater, getRater, getStudy, listAudit, listRaters, reviewStatuses, saveMask, setReview, writeTransaction } from '../store';
import { visibleSliceMasks } from './blinding';
import type { HandlerGroup } from './registry';

export const annotationHandlers: HandlerGroup<
  'raters.list' | 'raters.create' | 'annotations.get' | 'annotations.save' | 'review.set' | 'review.list' | 'audit.list'
> = {
  'raters.list': (_req, app) => listRaters(app.db),

  'raters.create': ({ name }, app) => writeTransaction(app.db, () => ensureRater(app.db, name)),

  'annotations.get': ({ studyId, sliceIndex, ...viewer }, app) => {
    const study = getStudy(app.db, studyId);
    checkSlice(study, sliceIndex);
    const { masks, hidden } = visibleSliceMasks(app.db, studyId, sliceIndex, viewer);
    return {
      width: study.dims[0],
      height: study.dims[1],
      masks: masks.map((m) => ({ raterId: m.raterId, raterName: m.raterName, revision: m.revision, source: m.source, mask: m.packed, updatedAt: m.updatedAt })),
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

  'audit.list': ({ studyId, limit }, app) => listAudit(app.db, studyId, limit),
};
