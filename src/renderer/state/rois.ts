import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Roi } from '../../shared/api';
import { api } from '../api';
import { drawnCanvas } from '../overlays/paint';

/** The study's regions of interest, and the edits of them (each a store write, re-read after). */
export function useRois(studyId: number, report: (e: unknown) => void) {
  const [rois, setRois] = useState<Roi[]>([]);
  const refresh = useCallback(() => api['roi.list']({ studyId }).then(setRois, report), [studyId, report]);
  useEffect(() => void refresh(), [refresh]);

  const run = useCallback(
    async (change: Promise<unknown>) => {
      try {
        await change;
      } catch (e) {
        report(e);
      }
      await refresh();
    },
    [refresh, report],
  );
  return {
    rois,
    add: (center: [number, number, number]) => run(api['roi.add']({ studyId, center })),
    setSlices: (roi: Roi, slices: [number, number]) => run(api['roi.update']({ roiId: roi.id, slices })),
    remove: (roi: Roi) => run(api['roi.delete']({ roiId: roi.id })),
    fromRaters: () => run(api['roi.fromRaters']({ studyId })),
  };
}

/** The outlines of the ROIs that cover a slice, as an overlay canvas in the slice's own pixels. */
export function useRoiLayer(rois: Roi[], slice: number, width: number, height: number) {
  return useMemo(() => {
    const canvas = drawnCanvas(width, height, (g) => {
      g.strokeStyle = '#38bdf8';
      g.lineWidth = Math.max(1, Math.round(width / 256));
      g.font = `${Math.max(10, Math.round(width / 40))}px sans-serif`;
      g.fillStyle = '#38bdf8';
      for (const r of rois) {
        if (slice < r.slices[0] || slice > r.slices[1]) continue;
        const x = r.center[0] - Math.floor(r.window[0] / 2);
        const y = r.center[1] - Math.floor(r.window[1] / 2);
        g.strokeRect(x + 0.5, y + 0.5, r.window[0] - 1, r.window[1] - 1);
        g.fillText(`ROI ${r.id}`, x + 2, Math.max(10, y - 3));
      }
    });
    return { key: 'rois', canvas, opacity: 1 };
  }, [rois, slice, width, height]);
}

/** Each slice's InstanceNumber and position (mm), for the slice header: the index is the one the CLI takes too. */
export function useSliceHeaders(studyId: number, report: (e: unknown) => void) {
  const [headers, setHeaders] = useState<{ sliceIndex: number; instanceNumber: number | null; positionMm: number }[]>([]);
  useEffect(() => {
    api['studies.sliceHeaders']({ studyId }).then(setHeaders, report);
  }, [studyId, report]);
  return headers;
}
