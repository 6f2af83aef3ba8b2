import { signedDistance } from './distance';

/**
 * Shape-based interpolation between key slices (Raya & Udupa 1990, with the centroid alignment of Albu et al.
 * 2008's morphological contour interpolation): for a slice at fraction t between keys a and b, both keys' signed
 * distance maps are moved so that their centroids meet at the interpolated centroid, blended (1 - t) : t, and the
 * slice is the blend's negative part. Moving first lets a nodule that drifts sideways between keys keep its size
 * instead of shrinking to the overlap.
 *
 * `masks[k]` is slice k's 0/1 mask (null or empty: nothing drawn). Only slices strictly between two consecutive
 * key slices that are both non-empty are returned; fewer than two keys give nothing.
 */
export function interpolateSlices(masks: readonly (Uint8Array | null)[], width: number, height: number, keySlices: readonly number[]): Map<number, Uint8Array> {
  const keys = [...new Set(keySlices)].filter((k) => k >= 0 && k < masks.length).sort((a, b) => a - b);
  const out = new Map<number, Uint8Array>();
  for (let n = 0; n + 1 < keys.length; n++) {
    const [a, b] = [keys[n], keys[n + 1]];
    if (b - a < 2) continue;
    const ma = masks[a];
    const mb = masks[b];
    const ca = ma && centroid(ma, width);
    const cb = mb && centroid(mb, width);
    if (!ma || !mb || !ca || !cb) continue;
    const da = signedDistance(ma, width, height);
    const db = signedDistance(mb, width, height);
    const shift: [number, number] = [cb[0] - ca[0], cb[1] - ca[1]];
    for (let z = a + 1; z < b; z++) {
      const t = (z - a) / (b - a);
      const slice = new Uint8Array(width * height);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const fromA = sample(da, width, height, x - t * shift[0], y - t * shift[1]);
          const fromB = sample(db, width, height, x + (1 - t) * shift[0], y + (1 - t) * shift[1]);
          if ((1 - t) * fromA + t * fromB < 0) slice[x + y * width] = 1;
        }
      out.set(z, slice);
    }
  }
  return out;
}

function centroid(mask: Uint8Array, width: number): [number, number] | null {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++)
    if (mask[p]) {
      sx += p % width;
      sy += Math.floor(p / width);
      n++;
    }
  return n ? [sx / n, sy / n] : null;
}

/** Bilinear sample of a distance map; outside the grid the nearest edge value (the map only grows outwards). */
function sample(map: Float64Array, width: number, height: number, x: number, y: number): number {
  const cx = Math.min(width - 1, Math.max(0, x));
  const cy = Math.min(height - 1, Math.max(0, y));
  const x0 = Math.min(width - 2, Math.floor(cx));
  const y0 = Math.min(height - 2, Math.floor(cy));
  if (x0 < 0 || y0 < 0) return map[Math.round(cx) + Math.round(cy) * width];
  const fx = cx - x0;
  const fy = cy - y0;
  const at = (i: number, j: number) => map[i + j * width];
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}
