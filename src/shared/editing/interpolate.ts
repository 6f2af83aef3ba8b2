import { components } from './cleanup';
import { signedDistance } from './distance';

/**
 * Shape-based interpolation between key slices (Raya & Udupa 1990, with the centroid alignment of Albu et al.
 * 2008's morphological contour interpolation): for a slice at fraction t between keys a and b, both keys' signed
 * distance maps are moved so that their centroids meet at the interpolated centroid, blended (1 - t) : t, and the
 * slice is the blend's negative part. Moving first lets a nodule that drifts sideways between keys keep its size
 * instead of shrinking to the overlap.
 *
 * Each pair of matching pieces (see matchedPieces) is interpolated on its own and the results are united.
 *
 * `masks[k]` is slice k's 0/1 mask (null or empty: nothing drawn). Only slices strictly between two consecutive
 * key slices with matching pieces are returned; fewer than two keys give nothing.
 */
export function interpolateSlices(masks: readonly (Uint8Array | null)[], width: number, height: number, keySlices: readonly number[]): Map<number, Uint8Array> {
  const keys = [...new Set(keySlices)].filter((k) => k >= 0 && k < masks.length).sort((a, b) => a - b);
  const out = new Map<number, Uint8Array>();
  for (let n = 0; n + 1 < keys.length; n++) {
    const [a, b] = [keys[n], keys[n + 1]];
    const ma = masks[a];
    const mb = masks[b];
    if (b - a < 2 || !ma || !mb) continue;
    const pairs = matchedPieces(ma, mb, width, height);
    if (!pairs.length) continue;
    for (let z = a + 1; z < b; z++) out.set(z, new Uint8Array(width * height));
    for (const [pa, pb] of pairs) {
      const da = signedDistance(pa.mask, width, height);
      const db = signedDistance(pb.mask, width, height);
      const shift: [number, number] = [pb.centre[0] - pa.centre[0], pb.centre[1] - pa.centre[1]];
      for (let z = a + 1; z < b; z++) {
        const t = (z - a) / (b - a);
        const slice = out.get(z)!;
        for (let y = 0; y < height; y++)
          for (let x = 0; x < width; x++) {
            const fromA = sample(da, width, height, x - t * shift[0], y - t * shift[1]);
            const fromB = sample(db, width, height, x + (1 - t) * shift[0], y + (1 - t) * shift[1]);
            if ((1 - t) * fromA + t * fromB < 0) slice[x + y * width] = 1;
          }
      }
    }
  }
  return out;
}

interface Piece {
  mask: Uint8Array;
  centre: [number, number];
  /** Radius of the disc of the same area. */
  radius: number;
}

/**
 * The connected pieces of two key slices that belong to one object, as Albu et al. match regions before
 * interpolating: pieces that overlap, or whose centres lie within twice the sum of their equal-area radii (a
 * nodule may drift past its own width between keys several slices apart; on the LIDC crops this reach pairs every
 * piece that any reach would). Two different nodules drawn on distant slices (a CT with several) are thus not
 * blended into one, and a piece with no partner is left alone.
 */
function matchedPieces(ma: Uint8Array, mb: Uint8Array, width: number, height: number): [Piece, Piece][] {
  const pa = pieces(ma, width, height);
  const pb = pieces(mb, width, height);
  const pairs: [Piece, Piece][] = [];
  for (const p of pa)
    for (const q of pb) {
      const overlap = p.mask.some((v, i) => v && q.mask[i]);
      if (overlap || Math.hypot(p.centre[0] - q.centre[0], p.centre[1] - q.centre[1]) <= 2 * (p.radius + q.radius)) pairs.push([p, q]);
    }
  return pairs;
}

function pieces(mask: Uint8Array, width: number, height: number): Piece[] {
  const { labels, sizes } = components(mask, width, height);
  return sizes.slice(1).map((size, l) => {
    const piece = Uint8Array.from(labels, (v) => (v === l + 1 ? 1 : 0));
    return { mask: piece, centre: centroid(piece, width)!, radius: Math.sqrt(size / Math.PI) };
  });
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
