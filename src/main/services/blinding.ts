/**
 * Blinded reading: a reader sees other raters' masks on a slice, the final mask, and anything computed from them,
 * only after marking that slice reviewed. An adjudicator is never blinded: judging the readers' work is their job.
 * An adjudicator's working mask is shown to adjudicators only (readers see the final mask once it is marked).
 * Every operation that reads masks for a viewer goes through here.
 */
import type { Request } from '../../shared/api';
import { currentFinal, currentFinals, currentMasks, currentStudyMasks, getRater, reviewStatus, reviewStatuses, type CurrentMask, type Db, type FinalMask } from '../store';

/** Who is looking, as the API's mask-reading operations take it. */
export type Viewer = Pick<Request<'annotations.get'>, 'viewerRaterId' | 'blinded'>;

/** Everything, for tools and exports that act for no one rater. */
export const FULL_VIEW: Viewer = { viewerRaterId: null, blinded: false };

const isAdjudicator = (db: Db, viewer: Viewer) => viewer.viewerRaterId !== null && getRater(db, viewer.viewerRaterId).role === 'adjudicator';

/** Whether blinding holds anything back from this viewer at all. */
export function blindedFor(db: Db, viewer: Viewer): boolean {
  return viewer.blinded && !isAdjudicator(db, viewer);
}

function visibleOf(all: CurrentMask[], viewer: Viewer, adjudicator: boolean, blinded: boolean, reviewed: boolean): CurrentMask[] {
  const drafts = viewer.viewerRaterId === null || adjudicator ? all : all.filter((m) => m.raterRole !== 'adjudicator' || m.raterId === viewer.viewerRaterId);
  return !blinded || reviewed ? drafts : drafts.filter((m) => m.raterId === viewer.viewerRaterId);
}

/** Readers' masks only: what agreement, consensus and per-reader export are computed from. */
export const readersOnly = (masks: CurrentMask[]) => masks.filter((m) => m.raterRole === 'reader');

export function visibleSliceMasks(db: Db, studyId: number, sliceIndex: number, viewer: Viewer): { masks: CurrentMask[]; hidden: number } {
  const all = currentMasks(db, studyId, sliceIndex);
  const adjudicator = isAdjudicator(db, viewer);
  const reviewed = viewer.viewerRaterId !== null && reviewStatus(db, studyId, sliceIndex, viewer.viewerRaterId) === 'reviewed';
  const masks = visibleOf(all, viewer, adjudicator, viewer.blinded && !adjudicator, reviewed);
  return { masks, hidden: all.length - masks.length };
}

export function visibleStudyMasks(db: Db, studyId: number, viewer: Viewer): { bySlice: Map<number, CurrentMask[]>; hidden: number } {
  const reviewed = reviewedSlices(db, studyId, viewer);
  const adjudicator = isAdjudicator(db, viewer);
  const bySlice = new Map<number, CurrentMask[]>();
  let hidden = 0;
  for (const [sliceIndex, all] of currentStudyMasks(db, studyId)) {
    const masks = visibleOf(all, viewer, adjudicator, viewer.blinded && !adjudicator, reviewed.has(sliceIndex));
    hidden += all.length - masks.length;
    if (masks.length) bySlice.set(sliceIndex, masks);
  }
  return { bySlice, hidden };
}

function reviewedSlices(db: Db, studyId: number, viewer: Viewer): Set<number> {
  if (viewer.viewerRaterId === null) return new Set();
  return new Set(
    reviewStatuses(db, studyId, viewer.viewerRaterId)
      .filter((r) => r.status === 'reviewed')
      .map((r) => r.sliceIndex),
  );
}

/** The slice's final mask for this viewer; `hidden` when there is one that blinding holds back. */
export function visibleFinal(db: Db, studyId: number, sliceIndex: number, viewer: Viewer): { final: FinalMask | null; hidden: boolean } {
  const final = currentFinal(db, studyId, sliceIndex);
  if (!final || !blindedFor(db, viewer)) return { final, hidden: false };
  const reviewed = viewer.viewerRaterId !== null && reviewStatus(db, studyId, sliceIndex, viewer.viewerRaterId) === 'reviewed';
  return reviewed ? { final, hidden: false } : { final: null, hidden: true };
}

export function visibleFinals(db: Db, studyId: number, viewer: Viewer): { bySlice: Map<number, FinalMask>; hidden: number } {
  const all = currentFinals(db, studyId);
  if (!blindedFor(db, viewer)) return { bySlice: all, hidden: 0 };
  const reviewed = reviewedSlices(db, studyId, viewer);
  const bySlice = new Map([...all].filter(([k]) => reviewed.has(k)));
  return { bySlice, hidden: all.size - bySlice.size };
}
