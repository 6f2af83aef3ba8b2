/**
 * Blinded reading: a rater sees other raters' masks on a slice, and anything computed from them, only after
 * marking that slice reviewed. Every operation that reads masks for a viewer goes through here.
 */
import type { Request } from '../../shared/api';
import { currentMasks, currentStudyMasks, reviewStatus, reviewStatuses, type CurrentMask, type Db } from '../store';

/** Who is looking, as the API's mask-reading operations take it. */
export type Viewer = Pick<Request<'annotations.get'>, 'viewerRaterId' | 'blinded'>;

/** Everything, for tools and exports that act for no one rater. */
export const FULL_VIEW: Viewer = { viewerRaterId: null, blinded: false };

function visibleOf(all: CurrentMask[], viewer: Viewer, reviewed: boolean): CurrentMask[] {
  return !viewer.blinded || reviewed ? all : all.filter((m) => m.raterId === viewer.viewerRaterId);
}

export function visibleSliceMasks(db: Db, studyId: number, sliceIndex: number, viewer: Viewer): { masks: CurrentMask[]; hidden: number } {
  const all = currentMasks(db, studyId, sliceIndex);
  const reviewed = viewer.viewerRaterId !== null && reviewStatus(db, studyId, sliceIndex, viewer.viewerRaterId) === 'reviewed';
  const masks = visibleOf(all, viewer, reviewed);
  return { masks, hidden: all.length - masks.length };
}

export function visibleStudyMasks(db: Db, studyId: number, viewer: Viewer): { bySlice: Map<number, CurrentMask[]>; hidden: number } {
  const reviewed = new Set(
    viewer.viewerRaterId === null
      ? []
      : reviewStatuses(db, studyId, viewer.viewerRaterId)
          .filter((r) => r.status === 'reviewed')
          .map((r) => r.sliceIndex),
  );
  const bySlice = new Map<number, CurrentMask[]>();
  let hidden = 0;
  for (const [sliceIndex, all] of currentStudyMasks(db, studyId)) {
    const masks = visibleOf(all, viewer, reviewed.has(sliceIndex));
    hidden += all.length - masks.length;
    if (masks.length) bySlice.set(sliceIndex, masks);
  }
  return { bySlice, hidden };
}
