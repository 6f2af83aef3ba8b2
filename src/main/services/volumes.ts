import { currentRun, getSliceResult, getStudy } from '../store';
import { visibleStudyMasks } from './blinding';
import type { HandlerGroup } from './registry';

/** Whole-study reads for the views that show every slice at once (coronal, sagittal, 3D). */
export const volumeHandlers: HandlerGroup<'annotations.volume' | 'triage.volume'> = {
  'annotations.volume': ({ studyId, ...viewer }, app) => {
    const study = getStudy(app.db, studyId);
    const { bySlice, hidden } = visibleStudyMasks(app.db, studyId, viewer);
    const raters = new Map<number, { raterId: number; raterName: string; slices: { sliceIndex: number; mask: Uint8Array }[] }>();
    for (const [sliceIndex, masks] of bySlice)
      for (const m of masks) {
        if (!m.area) continue;
        let r = raters.get(m.raterId);
        if (!r) raters.set(m.raterId, (r = { raterId: m.raterId, raterName: m.raterName, slices: [] }));
        r.slices.push({ sliceIndex, mask: m.packed });
      }
    return { width: study.dims[0], height: study.dims[1], depth: study.dims[2], raters: [...raters.values()].sort((a, b) => a.raterName.localeCompare(b.raterName)), hidden };
  },

  'triage.volume': ({ studyId }, app) => {
    const study = getStudy(app.db, studyId);
    const run = currentRun(app.db, studyId);
    if (!run) return null;
    const slices = [];
    let grid: { width: number; height: number } | null = null;
    for (let k = 0; k < study.dims[2]; k++) {
      const r = getSliceResult(app.db, run.id, k);
      if (!r) continue;
      grid = { width: r.width, height: r.height };
      slices.push({ sliceIndex: k, mean: r.mean, uncertainty: r.uncertainty });
    }
    return grid ? { runId: run.id, ...grid, slices } : null;
  },
};
