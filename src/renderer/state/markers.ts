import { useMemo } from 'react';
import type { LidcMarker } from '../../shared/api';
import { drawnCanvas } from '../overlays/paint';

/** The readers' point marks on a slice. */
export function markersOn(markers: LidcMarker[], slice: number): LidcMarker[] {
  return markers.filter((m) => m.sliceIndex === slice);
}

/** A mark's short text: "reader 2 · < 3 mm" (the rater name's "LIDC " prefix says nothing on a LIDC study). */
export function markerLabel(m: LidcMarker): string {
  return `${m.raterName.replace(/^LIDC /, '')} · ${m.kind === 'non-nodule' ? 'non-nodule' : '< 3 mm'}`;
}

/**
 * The LIDC readers' point marks (nodules under 3 mm, non-nodules) on a slice, as an overlay canvas in the slice's
 * own pixels: a ring with a centre dot, labelled, in a colour no mask layer uses. Marks are never masks.
 */
export function useMarkerLayer(markers: LidcMarker[], slice: number, width: number, height: number) {
  return useMemo(() => {
    const canvas = drawnCanvas(width, height, (g) => {
      const unit = Math.max(1, width / 256);
      g.strokeStyle = g.fillStyle = '#fbbf24';
      g.lineWidth = unit;
      g.font = `${Math.max(9, Math.round(width / 48))}px sans-serif`;
      for (const m of markersOn(markers, slice)) {
        g.beginPath();
        g.arc(m.x + 0.5, m.y + 0.5, 5 * unit, 0, 2 * Math.PI);
        g.stroke();
        g.fillRect(m.x, m.y, 1, 1);
        g.fillText(markerLabel(m), m.x + 6 * unit, m.y - 3 * unit);
      }
    });
    return { key: 'markers', canvas, opacity: 1 };
  }, [markers, slice, width, height]);
}
