/**
 * A seeded random generator, so that the same seed, model and settings give the same masks on every machine
 * (Math.random cannot be seeded). xoshiro128** for uniform bits, seeded through splitmix32, and the polar
 * Box–Muller method for Gaussian noise.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /** `streams` mix further integers (e.g. the slice index) into the seed, giving independent streams. */
  constructor(seed: number, ...streams: number[]) {
    let x = mix32(seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32));
    for (const s of streams) x = mix32(x ^ mix32(s >>> 0));
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      return mix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** 32 uniform random bits (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in (0, 1): never 0, so its logarithm is finite. */
  nextOpenUnit(): number {
    return (this.nextUint32() + 0.5) / 2 ** 32;
  }

  /** Standard normal (Marsaglia's polar form of Box–Muller: no trigonometry; the pair's second value is kept). */
  nextNormal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.nextOpenUnit() - 1;
      const v = 2 * this.nextOpenUnit() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * f;
      return u * f;
    }
  }

  fillNormal(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.nextNormal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32's finaliser: a bijective mixing of 32 bits. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}
