/**
 * Nodule size from a binary mask volume and its voxel spacing, as Lung-RADS reports it: the volume, the longest
 * in-plane (axial) diameter on the slice where it is longest, the extent perpendicular to that diameter on the same
 * slice, and how many slices the nodule spans. Distances run between pixel centres.
 */
export interface NoduleSize {
  voxels: number;
  volumeMm3: number;
  longestDiameterMm: number;
  perpendicularDiameterMm: number;
  /** The slice the diameters were measured on; null for an empty mask. */
  diameterSlice: number | null;
  slices: number;
}

type Point = [number, number];

const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Andrew's monotone chain over points already sorted by x then y; collinear points dropped. */
function convexHull(sorted: Point[]): Point[] {
  if (sorted.length <= 2) return sorted;
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** Relative tolerance under which two diameters count as equally long (pixel grids make exact ties common). */
const TIE = 1e-9;

/**
 * The longest diameter of one slice's pixels (in mm) and the extent perpendicular to it. Of several equally long
 * diameters the one with the widest perpendicular extent counts, so the answer does not depend on pixel order.
 * The pixels' convex hull has the same diameter and extents, and each row's leftmost and rightmost pixels span it.
 */
export function sliceDiameters(mask: ArrayLike<number>, width: number, height: number, offset: number, sx: number, sy: number): { longest: number; perpendicular: number } | null {
  const ends: Point[] = [];
  for (let y = 0; y < height; y++) {
    const row = offset + y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++)
      if (mask[row + x]) {
        if (first < 0) first = x;
        last = x;
      }
    if (first >= 0) {
      ends.push([first * sx, y * sy]);
      if (last !== first) ends.push([last * sx, y * sy]);
    }
  }
  if (!ends.length) return null;
  ends.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const hull = convexHull(ends);
  let longest = 0;
  const axes: Point[] = [];
  for (let i = 0; i < hull.length; i++)
    for (let j = i + 1; j < hull.length; j++) {
      const d = Math.hypot(hull[j][0] - hull[i][0], hull[j][1] - hull[i][1]);
      if (d > longest * (1 + TIE)) {
        longest = d;
        axes.length = 0;
      }
      if (d >= longest * (1 - TIE) && d > 0) axes.push([(hull[j][0] - hull[i][0]) / d, (hull[j][1] - hull[i][1]) / d]);
    }
  let perpendicular = 0;
  for (const [ux, uy] of axes) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const [x, y] of hull) {
      const t = -uy * x + ux * y;
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
    perpendicular = Math.max(perpendicular, hi - lo);
  }
  return { longest, perpendicular };
}

/** Size of the mask volume `mask` (dims[0] x dims[1] x dims[2], x fastest) with voxel spacing `spacing` mm. */
export function noduleSize(mask: ArrayLike<number>, dims: readonly [number, number, number], spacing: readonly [number, number, number]): NoduleSize {
  const [nx, ny, nz] = dims;
  const n = nx * ny;
  let voxels = 0;
  let slices = 0;
  let best: { longest: number; perpendicular: number; k: number } | null = null;
  for (let k = 0; k < nz; k++) {
    let count = 0;
    for (let i = k * n; i < (k + 1) * n; i++) if (mask[i]) count++;
    if (!count) continue;
    voxels += count;
    slices++;
    const d = sliceDiameters(mask, nx, ny, k * n, spacing[0], spacing[1])!;
    const longer = !best || d.longest > best.longest * (1 + TIE);
    const tiedWider = best && d.longest >= best.longest * (1 - TIE) && d.perpendicular > best.perpendicular * (1 + TIE);
    if (longer || tiedWider) best = { ...d, k };
  }
  return {
    voxels,
    volumeMm3: voxels * spacing[0] * spacing[1] * spacing[2],
    longestDiameterMm: best?.longest ?? 0,
    perpendicularDiameterMm: best?.perpendicular ?? 0,
    diameterSlice: best?.k ?? null,
    slices,
  };
}
