/**
 * Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): for every pixel, the squared
 * distance to the nearest pixel where `isSeed` holds; Infinity when there is none. Two separable 1-D passes of the
 * lower envelope of parabolas, O(pixels).
 */
export function squaredDistanceTo(width: number, height: number, isSeed: (index: number) => boolean): Float64Array {
  const out = new Float64Array(width * height);
  for (let p = 0; p < out.length; p++) out[p] = isSeed(p) ? 0 : Infinity;
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const pass = (length: number, at: (k: number) => number) => {
    for (let k = 0; k < length; k++) f[k] = out[at(k)];
    envelope(f, length, d, v, z);
    for (let k = 0; k < length; k++) out[at(k)] = d[k];
  };
  for (let x = 0; x < width; x++) pass(height, (y) => x + y * width);
  for (let y = 0; y < height; y++) pass(width, (x) => x + y * width);
  return out;
}

function envelope(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    let s = -Infinity;
    while (k >= 0) {
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * (q - v[k]));
      if (s > z[k]) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    d.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    d[q] = (q - v[j]) * (q - v[j]) + f[v[j]];
  }
}

/**
 * Signed distance of each pixel centre to the mask's boundary: negative inside, positive outside, measured to the
 * nearest pixel of the other kind (±0.5 px at the boundary so the zero level lies between pixels).
 */
export function signedDistance(mask: ArrayLike<number>, width: number, height: number): Float64Array {
  const toInside = squaredDistanceTo(width, height, (p) => mask[p] !== 0);
  const toOutside = squaredDistanceTo(width, height, (p) => mask[p] === 0);
  const out = new Float64Array(width * height);
  for (let p = 0; p < out.length; p++) out[p] = mask[p] ? 0.5 - Math.sqrt(toOutside[p]) : Math.sqrt(toInside[p]) - 0.5;
  return out;
}
