/**
 * The model's scale on a real scan. The model was trained on 128x128 windows of a chest CT's own pixels, so a
 * region of interest is cut as 128x128 native pixels where the scan's pixel spacing lies in the card's training
 * range, and as the window covering the same millimetres at the nearest end of that range where it lies outside
 * (the worker then resamples that window to the model's size, and its masks back).
 */
import type { VoxelArray } from '../../shared/volume';
import type { ModelCard } from './card';

export interface WindowPlan {
  /** The window in the scan's own pixels, [columns, rows]. */
  size: [number, number];
  /** Run-level warnings: resampling, spacing outside the training range, no spacing known. */
  warnings: string[];
}

/**
 * @param spacing the scan's in-plane spacing [column, row] in mm, or null when the study does not know it
 */
export function modelWindow(card: Pick<ModelCard, 'input'>, spacing: [number, number] | null, label: string): WindowPlan {
  const [mw, mh] = card.input.size;
  const range = card.input.pixelSpacingMm;
  if (spacing === null)
    return { size: [mw, mh], warnings: [`${label}: the pixel spacing is unknown, so each region of interest is cut as ${mw}x${mh} of its own pixels without knowing whether that is the model's scale`] };
  if (range === null)
    return { size: [mw, mh], warnings: [`the model card gives no training pixel spacing, so ${label} is cut at its own ${spacing[0].toFixed(3)} mm pixels, ${mw}x${mh} per region of interest`] };
  const warnings: string[] = [];
  const size = ([0, 1] as const).map((axis) => {
    const s = spacing[axis];
    const n = card.input.size[axis];
    if (s >= range.min && s <= range.max) return n;
    const target = s < range.min ? range.min : range.max;
    return Math.max(1, Math.round((n * target) / s));
  }) as [number, number];
  if (size[0] !== mw || size[1] !== mh)
    warnings.push(
      `${label}: pixel spacing ${spacing.map((s) => s.toFixed(3)).join(' x ')} mm lies outside the model's training range ${range.min}-${range.max} mm, so each region of interest is cut as ${size[0]}x${size[1]} pixels and resampled to ${mw}x${mh} (the nearest end of the range)`,
    );
  return { size, warnings };
}

/** The window's top-left pixel in the slice, for a window of `size` centred on `center` (column, row). */
export function windowOrigin(center: readonly [number, number] | readonly number[], size: readonly [number, number]): [number, number] {
  return [center[0] - Math.floor(size[0] / 2), center[1] - Math.floor(size[1] / 2)];
}

/** Cuts a window out of a slice; pixels beyond the slice's edge repeat the nearest edge pixel. */
export function cutWindow(slice: VoxelArray, width: number, height: number, origin: [number, number], size: [number, number]): Float32Array {
  const [x0, y0] = origin;
  const [w, h] = size;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(height - 1, Math.max(0, y0 + y)) * width;
    for (let x = 0; x < w; x++) out[y * w + x] = slice[sy + Math.min(width - 1, Math.max(0, x0 + x))];
  }
  return out;
}

/**
 * Writes a window's values into the full slice at its place, dropping what lies beyond the slice's edge. Where two
 * ROIs' windows overlap, each pixel keeps the larger value (every map pasted is >= 0 and 0 outside a window), so a
 * nodule found by one window is not erased by its neighbour's background.
 */
export function pasteWindow<T extends Float32Array | Uint8Array>(full: T, width: number, height: number, window: ArrayLike<number>, origin: [number, number], size: [number, number]): T {
  const [x0, y0] = origin;
  const [w, h] = size;
  const xFrom = Math.max(0, -x0);
  const xTo = Math.min(w, width - x0);
  for (let y = Math.max(0, -y0); y < Math.min(h, height - y0); y++)
    for (let x = xFrom; x < xTo; x++) {
      const i = (y0 + y) * width + x0 + x;
      full[i] = Math.max(full[i], window[y * w + x]);
    }
  return full;
}
