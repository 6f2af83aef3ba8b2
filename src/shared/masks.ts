/**
 * Binary masks cross processes and sit in the store bit-packed: 1 bit per pixel, row-major,
 * most significant bit first. A 128x128 mask is 2 KiB instead of 16 KiB (or 100+ KiB as JSON).
 */
export function packMask(mask: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[i >> 3] |= 0x80 >> (i & 7);
  return out;
}

export function unpackMask(bits: Uint8Array, length: number): Uint8Array {
  if (bits.length * 8 < length) throw new RangeError(`packed mask holds ${bits.length * 8} pixels, expected ${length}`);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (bits[i >> 3] >> (7 - (i & 7))) & 1;
  return out;
}

export function countMask(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n;
}

export function masksEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i] !== 0) !== (b[i] !== 0)) return false;
  return true;
}

/** Nearest-neighbour resampling between grids (the model's 128x128 and a slice's own size), masks or maps alike. */
export function resampleNearest<T extends Uint8Array | Float32Array>(src: T, sw: number, sh: number, dw: number, dh: number): T {
  if (sw === dw && sh === dh) return src;
  const out = new (src.constructor as { new (n: number): T })(dw * dh);
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / dh));
    for (let x = 0; x < dw; x++) out[x + y * dw] = src[Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / dw)) + sy * sw];
  }
  return out;
}
