/**
 * The calibration metrics written straight from their definitions: one pass per pair of masks, explicit float64
 * maps with one logarithm per sample and pixel. It is the oracle the tests hold the fast path to and the
 * baseline the benchmark measures it against; nothing in the app calls it.
 */
import { ciOf, clampCorrelation, isConstantRange, type CalibrationMetrics } from './calibration';
import { crossEntropy, CE_EPS } from './uncertainty';

export function referenceDice(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0 ? 1 : 0;
    const y = b[i] !== 0 ? 1 : 0;
    inter += x * y;
    total += x + y;
  }
  return total === 0 ? 1 : (2 * inter) / total;
}

export function referenceIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

export function referenceCalibration(samples: readonly Uint8Array[], raters: readonly Uint8Array[], eps = CE_EPS): CalibrationMetrics {
  if (samples.length === 0 || raters.length === 0) return { sncc: null, dmax: null, sc: null, da: null, ci: null, ged: null };
  const length = samples[0].length;

  const dmax = average(raters.map((y) => Math.max(...samples.map((s) => referenceDice(s, y)))));

  const sampleUnion = unionOf(samples, length);
  const raterUnion = unionOf(raters, length);
  let covered = 0;
  let raterArea = 0;
  let sampleArea = 0;
  for (let i = 0; i < length; i++) {
    raterArea += raterUnion[i];
    sampleArea += sampleUnion[i];
    covered += raterUnion[i] * sampleUnion[i];
  }
  const sc = raterArea === 0 ? (sampleArea === 0 ? 1 : null) : covered / raterArea;

  let da: number | null = null;
  if (samples.length >= 2 && raters.length >= 2) {
    const vs = distinctPairs(samples).map(([a, b]) => 1 - referenceDice(a, b));
    const vy = distinctPairs(raters).map(([a, b]) => 1 - referenceDice(a, b));
    da = 1 - (Math.abs(Math.max(...vy) - Math.max(...vs)) + Math.abs(Math.min(...vy) - Math.min(...vs))) / 2;
  }

  const d = (a: Uint8Array, b: Uint8Array) => 1 - referenceIou(a, b);
  const ged = Math.max(0, 2 * meanOverPairs(samples, raters, d) - meanOverPairs(samples, samples, d) - meanOverPairs(raters, raters, d));

  const mean = new Float64Array(length);
  for (const s of samples) for (let i = 0; i < length; i++) mean[i] += s[i] / samples.length;
  const uncertainty = new Float64Array(length);
  for (const s of samples) for (let i = 0; i < length; i++) uncertainty[i] += crossEntropy(s[i], mean[i], eps) / samples.length;
  const ncc = raters.map((y) => {
    const error = new Float64Array(length);
    for (const s of samples) for (let i = 0; i < length; i++) error[i] += crossEntropy(s[i], y[i], eps) / samples.length;
    return pearson(uncertainty, error);
  });
  const defined = ncc.filter((v): v is number => v !== null);
  const sncc = defined.length ? average(defined) : null;

  return { sncc, dmax, sc, da, ci: ciOf(sc, dmax, da), ged };
}

export function pearson(a: Float64Array, b: Float64Array): number | null {
  const n = a.length;
  if (n === 0 || isConstant(a) || isConstant(b)) return null;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return clampCorrelation(cov / Math.sqrt(va * vb));
}

function isConstant(values: Float64Array): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return isConstantRange(min, max);
}

function unionOf(masks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (const m of masks) for (let i = 0; i < length; i++) if (m[i] !== 0) out[i] = 1;
  return out;
}

function distinctPairs<T>(items: readonly T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) out.push([items[i], items[j]]);
  return out;
}

function meanOverPairs<T>(a: readonly T[], b: readonly T[], f: (x: T, y: T) => number): number {
  let sum = 0;
  for (const x of a) for (const y of b) sum += f(x, y);
  return sum / (a.length * b.length);
}

function average(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
