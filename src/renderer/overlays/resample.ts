/** Nearest-neighbour resampling between the image grid and the model grid (they differ for large CT slices). */
export function resampleNearest<T extends Uint8Array | Float32Array>(src: T, sw: number, sh: number, dw: number, dh: number): T {
  if (sw === dw && sh === dh) return src;
  const out = new (src.constructor as { new (n: number): T })(dw * dh);
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / dh));
    for (let x = 0; x < dw; x++) out[x + y * dw] = src[Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / dw)) + sy * sw];
  }
  return out;
}
