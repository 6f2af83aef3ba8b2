/**
 * Seeded synthetic masks for property tests and benchmarks: lesion-like blobs (discs with a ragged rim) and
 * perturbed copies of them, reproducible from a seed on every platform.
 */

/** mulberry32: a tiny, fast, seedable generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A disc of the given centre and radius whose rim pixels are kept with probability `rimKeep`. */
export function blob(width: number, height: number, cx: number, cy: number, radius: number, random: () => number, rimKeep = 0.5): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot(x - cx, y - cy);
      if (r <= radius - 1 || (r <= radius + 1 && random() < rimKeep)) out[x + y * width] = 1;
    }
  }
  return out;
}

/**
 * `count` blobs around one lesion, each with its own jittered centre and radius; with probability `emptyRate`
 * a blob is left empty, as raters and samples sometimes are.
 */
export function blobFamily(width: number, height: number, count: number, random: () => number, emptyRate = 0.1): Uint8Array[] {
  const cx = width * (0.3 + 0.4 * random());
  const cy = height * (0.3 + 0.4 * random());
  const radius = Math.min(width, height) * (0.05 + 0.15 * random());
  return Array.from({ length: count }, () =>
    random() < emptyRate
      ? new Uint8Array(width * height)
      : blob(width, height, cx + (random() - 0.5) * radius, cy + (random() - 0.5) * radius, radius * (0.7 + 0.6 * random()), random),
  );
}

/** Independent random bits, each set with probability `density`. */
export function noiseMask(length: number, density: number, random: () => number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = random() < density ? 1 : 0;
  return out;
}
