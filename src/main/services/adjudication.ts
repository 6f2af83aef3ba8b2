/**
 * Adjudication and history: an adjudicator builds a slice's final mask in their own working mask (starting from a
 * reader's mask, a consensus or the model mean, then editing it with the usual tools) and marks it final; every
 * revision of every mask can be listed and put back. Only an adjudicator may start or mark a final mask.
 */
import type { Request } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { masksEqual, unpackMask } from '../../shared/masks';
import { majorityVote, staple } from '../../shared/metrics';
import { sliceLength } from '../../shared/volume';
import {
  checkSlice,
  currentMasks,
  currentRun,
  finalRevisions,
  getRater,
  getSliceResult,
  getStudy,
  latestRevision,
  maskAtRevision,
  maskRevisions,
  restoreMask,
  reviewStatus,
  saveFinal,
  saveMask,
  writeTransaction,
  type Db,
  type StudyRecord,
} from '../store';
import { blindedFor, readersOnly, visibleFinal } from './blinding';
import { MODEL_MEAN_THRESHOLD } from './export';
import type { HandlerGroup } from './registry';

function adjudicatorOf(db: Db, raterId: number) {
  const rater = getRater(db, raterId);
  if (rater.role !== 'adjudicator') throw new ApiError('forbidden', `${rater.name} is a reader; only an adjudicator may start or mark a final mask`);
  return rater;
}

/** Every mask an adjudicator can start from on a slice, by basis name ('reader:<name>', consensus, model mean). */
function candidates(db: Db, study: StudyRecord, sliceIndex: number): Map<string, { mask: Uint8Array; raterId?: number }> {
  const n = sliceLength(study);
  const readers = readersOnly(currentMasks(db, study.id, sliceIndex));
  const out = new Map<string, { mask: Uint8Array; raterId?: number }>();
  const unpacked = readers.map((m) => unpackMask(m.packed, n));
  readers.forEach((m, i) => out.set(`reader:${m.raterName}`, { mask: unpacked[i], raterId: m.raterId }));
  if (unpacked.length) {
    out.set('consensus-majority', { mask: majorityVote(unpacked) });
    out.set('consensus-staple', { mask: staple(unpacked).consensus });
  }
  const run = currentRun(db, study.id);
  const result = run ? getSliceResult(db, run.id, sliceIndex) : undefined;
  if (result && result.width * result.height === n) out.set('model-mean', { mask: Uint8Array.from(result.mean, (p) => (p >= MODEL_MEAN_THRESHOLD ? 1 : 0)) });
  return out;
}

function basisName(db: Db, from: Request<'adjudication.start'>['from']): string {
  return from.kind === 'reader' ? `reader:${getRater(db, from.raterId).name}` : from.kind;
}

/** What a mask equals among the starting points (the first in their order), or 'edited'. */
function basisOf(db: Db, study: StudyRecord, sliceIndex: number, mask: Uint8Array): string {
  for (const [name, c] of candidates(db, study, sliceIndex)) if (masksEqual(c.mask, mask)) return name;
  return 'edited';
}

export const adjudicationHandlers: HandlerGroup<'annotations.history' | 'annotations.restore' | 'adjudication.start' | 'final.mark' | 'final.get'> = {
  'annotations.history': ({ studyId, sliceIndex, raterId, ...viewer }, app) => {
    const study = getStudy(app.db, studyId);
    checkSlice(study, sliceIndex);
    const owner = getRater(app.db, raterId);
    const own = viewer.viewerRaterId === raterId;
    if (!own && blindedFor(app.db, viewer) && (owner.role === 'adjudicator' || reviewStatus(app.db, studyId, sliceIndex, viewer.viewerRaterId!) !== 'reviewed'))
      throw new ApiError('forbidden', `${owner.name}'s history on slice ${sliceIndex} is blinded until you mark the slice reviewed`);
    return { revisions: maskRevisions(app.db, studyId, sliceIndex, raterId) };
  },

  'annotations.restore': ({ studyId, sliceIndex, raterId, revision, baseRevision }, app) => {
    const study = getStudy(app.db, studyId);
    checkSlice(study, sliceIndex);
    const rater = getRater(app.db, raterId);
    return restoreMask(app.db, { studyId, sliceIndex, raterId, revision, baseRevision, length: sliceLength(study) }, rater.name);
  },

  'adjudication.start': ({ studyId, sliceIndex, adjudicatorId, from, baseRevision }, app) => {
    const study = getStudy(app.db, studyId);
    checkSlice(study, sliceIndex);
    const adjudicator = adjudicatorOf(app.db, adjudicatorId);
    const name = basisName(app.db, from);
    const start = candidates(app.db, study, sliceIndex).get(name);
    if (!start) throw new ApiError('not_found', `slice ${sliceIndex} has no ${name.replace(/^reader:/, 'mask of ')}`);
    return writeTransaction(app.db, () => {
        const saved = saveMask(app.db, { studyId, sliceIndex, raterId: adjudicatorId, mask: start.mask, source: from.kind === 'model-mean' ? 'model-mean' : 'manual', baseRevision }, adjudicator.name);
        return saved;
      });
  },

  'final.mark': ({ studyId, sliceIndex, adjudicatorId, baseRevision }, app) => {
    const study = getStudy(app.db, studyId);
    checkSlice(study, sliceIndex);
    const adjudicator = adjudicatorOf(app.db, adjudicatorId);
    return writeTransaction(app.db, () => {
        const latest = latestRevision(app.db, studyId, sliceIndex, adjudicatorId);
        if (latest !== baseRevision)
          throw new ApiError('conflict', `your working mask on slice ${sliceIndex} is at revision ${latest}, not ${baseRevision}; reload it before marking it final`);
        const { mask } = maskAtRevision(app.db, studyId, sliceIndex, adjudicatorId, latest, sliceLength(study));
        const basis = basisOf(app.db, study, sliceIndex, mask);
        const { revision } = saveFinal(app.db, { studyId, sliceIndex, mask, adjudicatorId, fromRevision: latest, basis }, adjudicator.name);
        return finalRevisions(app.db, studyId, sliceIndex).find((r) => r.revision === revision)!;
      });
  },

  'final.get': ({ studyId, sliceIndex, ...viewer }, app) => {
    const study = getStudy(app.db, studyId);
    checkSlice(study, sliceIndex);
    const { final, hidden } = visibleFinal(app.db, studyId, sliceIndex, viewer);
    if (!final) return { final: null, revisions: [], hidden };
    const { packed, revision, area, adjudicatorName, basis, createdAt } = final;
    return { final: { revision, area, adjudicatorName, basis, createdAt, mask: packed }, revisions: finalRevisions(app.db, studyId, sliceIndex), hidden };
  },
};
