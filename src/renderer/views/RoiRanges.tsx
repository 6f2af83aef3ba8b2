import { useState, type PointerEvent } from 'react';
import type { Roi } from '../../shared/api';

/** Where a coronal or sagittal plane puts a voxel: its horizontal index axis and the slice axis, in CSS px. */
export interface PlaneMapping {
  /** Screen x of the left edge of voxel column `u` (the plane's horizontal index: i coronal, j sagittal). */
  x(u: number): number;
  /** Screen y of the centre of axial slice `k`. */
  y(k: number): number;
  /** The axial slice under screen y. */
  slice(y: number): number;
  /** Which ROI coordinate runs horizontally on this plane (0 for coronal, 1 for sagittal). */
  axis: 0 | 1;
  slices: number;
}

export interface RoiRangesProps {
  rois: readonly Roi[];
  map: PlaneMapping;
  onSlices(roi: Roi, slices: [number, number]): void;
}

type Drag = { roiId: number; end: 0 | 1; slices: [number, number] };

/**
 * Each ROI's slice range as a box on the plane (its in-plane window by its slices); dragging the top or bottom edge
 * moves the first or last slice, which is written once, when the drag ends. The centre slice always stays inside.
 */
export function RoiRanges({ rois, map, onSlices }: RoiRangesProps) {
  const [drag, setDrag] = useState<Drag | null>(null);

  const rangeOf = (r: Roi): [number, number] => (drag?.roiId === r.id ? drag.slices : r.slices);
  const moved = (r: Roi, end: 0 | 1, y: number): [number, number] => {
    const k = map.slice(y);
    const [a, b] = rangeOf(r);
    return end === 0 ? [Math.max(0, Math.min(k, r.center[2])), b] : [a, Math.min(map.slices - 1, Math.max(k, r.center[2]))];
  };
  const localY = (e: PointerEvent) => e.clientY - (e.currentTarget.parentElement!.parentElement!.getBoundingClientRect().top);

  return (
    <>
      {rois.map((r) => {
        const [a, b] = rangeOf(r);
        const u0 = r.center[map.axis] - Math.floor(r.window[map.axis] / 2);
        const xs = [map.x(u0), map.x(u0 + r.window[map.axis])];
        // Slice k covers [k - 0.5, k + 0.5]; the plane may run superior-up in either index direction.
        const ys = [map.y(a - 0.5), map.y(b + 0.5)];
        const top = Math.min(...ys);
        const style = { left: Math.min(...xs), width: Math.abs(xs[1] - xs[0]), top, height: Math.abs(ys[1] - ys[0]) };
        // The edge drawn higher on screen belongs to whichever end maps there.
        const topEnd: 0 | 1 = ys[0] <= ys[1] ? 0 : 1;
        const handle = (end: 0 | 1) => (
          <div
            className={`roi-range-handle ${end === topEnd ? 'top' : 'bottom'}`}
            data-testid={`roi-range-${end === 0 ? 'first' : 'last'}`}
            title={`Drag to set the ROI's ${end === 0 ? 'first' : 'last'} slice`}
            onClick={(e) => e.stopPropagation()}
            onPointerDown={(e) => {
              e.stopPropagation();
              e.currentTarget.setPointerCapture(e.pointerId);
              setDrag({ roiId: r.id, end, slices: r.slices });
            }}
            onPointerMove={(e) => {
              if (drag?.roiId === r.id && drag.end === end) setDrag({ ...drag, slices: moved(r, end, localY(e)) });
            }}
            onPointerUp={(e) => {
              if (drag?.roiId !== r.id) return;
              const slices = moved(r, end, localY(e));
              setDrag(null);
              if (slices[0] !== r.slices[0] || slices[1] !== r.slices[1]) onSlices(r, slices);
            }}
          />
        );
        return (
          <div key={r.id} className="roi-range" data-testid="roi-range" data-roi={r.id} style={style}>
            <span className="roi-range-label">
              ROI {r.id} · {a + 1}–{b + 1}
            </span>
            {handle(0)}
            {handle(1)}
          </div>
        );
      })}
    </>
  );
}
