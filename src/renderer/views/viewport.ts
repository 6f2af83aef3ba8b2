/**
 * The one mapping between screen pixels (CSS px in the view) and image pixels of the axial slice. The vtk.js
 * camera and the 2D overlay canvas are both driven from it, so masks and heat maps sit exactly on the image at
 * any zoom and pan.
 *
 * World space is the slice's own: pixel (i, j) is centred at (i * sx, j * sy). Screen-right follows +i (or -i
 * when flipX) and screen-down follows +j (or -j when flipY), chosen so the patient appears in the radiological
 * convention whatever order the file stores its rows and columns in.
 */
export interface ViewTransform {
  /** 1 = the whole slice fits the view. */
  zoom: number;
  /** Offset of the image centre from the view centre, in CSS px. */
  panX: number;
  panY: number;
}

export const FIT: ViewTransform = { zoom: 1, panX: 0, panY: 0 };

export interface SliceFrame {
  nx: number;
  ny: number;
  sx: number;
  sy: number;
  flipX: boolean;
  flipY: boolean;
  viewWidth: number;
  viewHeight: number;
}

/** CSS px per world millimetre. */
export function pixelsPerMm(f: SliceFrame, t: ViewTransform): number {
  const fit = Math.min(f.viewWidth / (f.nx * f.sx), f.viewHeight / (f.ny * f.sy));
  return fit * t.zoom;
}

export function worldCentre(f: SliceFrame): [number, number] {
  return [((f.nx - 1) * f.sx) / 2, ((f.ny - 1) * f.sy) / 2];
}

const sign = (flip: boolean) => (flip ? -1 : 1);

/** Continuous image coordinates (pixel centres at integers) under a point of the view. */
export function screenToImage(f: SliceFrame, t: ViewTransform, x: number, y: number): [number, number] {
  const s = pixelsPerMm(f, t);
  const [cx, cy] = worldCentre(f);
  return [
    ((sign(f.flipX) * (x - f.viewWidth / 2 - t.panX)) / s + cx) / f.sx,
    ((sign(f.flipY) * (y - f.viewHeight / 2 - t.panY)) / s + cy) / f.sy,
  ];
}

/** The world point at the centre of the view (the camera's focal point). */
export function viewCentreWorld(f: SliceFrame, t: ViewTransform): [number, number] {
  const s = pixelsPerMm(f, t);
  const [cx, cy] = worldCentre(f);
  return [cx - (sign(f.flipX) * t.panX) / s, cy - (sign(f.flipY) * t.panY) / s];
}

/** The 2D-canvas transform that draws image pixel (i, j) as the unit square [i, i+1] x [j, j+1] at its place on screen. */
export function imageToScreenMatrix(f: SliceFrame, t: ViewTransform): [number, number, number, number, number, number] {
  const s = pixelsPerMm(f, t);
  const [cx, cy] = worldCentre(f);
  const a = sign(f.flipX) * s * f.sx;
  const d = sign(f.flipY) * s * f.sy;
  // pixel (i, j) covers [i - 0.5, i + 0.5] in pixel units: the canvas origin sits half a pixel before pixel 0.
  return [a, 0, 0, d, f.viewWidth / 2 + t.panX + a * (-0.5 - cx / f.sx), f.viewHeight / 2 + t.panY + d * (-0.5 - cy / f.sy)];
}

/** Zoom about a point of the view, keeping the image point under it fixed. */
export function zoomAbout(f: SliceFrame, t: ViewTransform, factor: number, x: number, y: number): ViewTransform {
  const zoom = Math.min(40, Math.max(0.2, t.zoom * factor));
  const k = zoom / t.zoom;
  const ox = x - f.viewWidth / 2;
  const oy = y - f.viewHeight / 2;
  return { zoom, panX: ox - (ox - t.panX) * k, panY: oy - (oy - t.panY) * k };
}
