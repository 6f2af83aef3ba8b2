/**
 * Calibration of N binary samples against M raters on one slice (Wang et al. 2026, Sec. III-D and IV-C;
 * Rahman et al. 2023; Baumgartner et al. 2019):
 *
 *   Dmax  mean over raters of the best Dice of any sample against that rater
 *   Sc    combined sensitivity: |union(samples) ∩ union(raters)| / |union(raters)|
 *   Da    diversity agreement: 1 - (|ΔVmax| + |ΔVmin|) / 2, V = 1 - Dice over distinct pairs, ΔV = raters - samples
 *   CI    3 Sc Dmax Da / (Sc + Dmax + Da) (the paper's eq. 22)
 *   GED²  2 E d(s, y) - E d(s, s') - E d(y, y'), d = 1 - IoU, expectations over all pairs including self-pairs;
 *         reported as `ged`, the squared generalised energy distance that the paper tabulates
 *   SNCC  mean over raters of the Pearson correlation between the uncertainty map and that rater's error map
 *
 * A value that is undefined is null, never NaN and never a silent 0:
 *   - everything needs at least one sample and one rater;
 *   - Sc when the raters' union is empty but the samples' is not (there is nothing to be sensitive to);
 *   - Da with fewer than two samples or two raters (no pairs to take a diversity from);
 *   - CI when any of its three parts is null;
 *   - a rater's NCC when the uncertainty map or its error map is constant; SNCC when no rater's NCC is defined.
 * Sc of an empty sample union against an empty rater union is 1 (both agree nothing is there). CI with
 * Sc = Dmax = Da = 0 is 0, the limit of eq. 22.
 */
import { diceOf, intersectionArea, iouOf, toWords, unionOf, type WordMask } from './overlap';
import { checkMasks } from './shape';
import { CE_EPS, errorByCount, sampleCounts, uncertaintyByCount } from './uncertainty';

export interface CalibrationMetrics {
  sncc: number | null;
  dmax: number | null;
  sc: number | null;
  da: number | null;
  ci: number | null;
  ged: number | null;
}

export interface CalibrationReport extends CalibrationMetrics {
  /** Per rater: the Pearson NCC between the uncertainty map and that rater's error map. */
  ncc: (number | null)[];
  /** Per rater: the best Dice of any sample. */
  bestDice: number[];
  /** The three expectations that make up GED²: E d(s,y), E d(s,s'), E d(y,y'). */
  gedTerms: { sampleRater: number; sampleSample: number; raterRater: number } | null;
}

/**
 * Maps whose values differ by less than this (relative to their magnitude) are treated as constant: the same
 * value reached by different rounding paths (1 - (1 - eps) is not eps) must not become a spurious correlation.
 * Genuinely different values of these maps differ by far more (over 1e-4 relative for up to 64 samples).
 */
const CONSTANT_TOLERANCE = 1e-7;

export function isConstantRange(min: number, max: number): boolean {
  return max - min <= CONSTANT_TOLERANCE * Math.max(1, Math.abs(min), Math.abs(max));
}

export function ciOf(sc: number | null, dmax: number | null, da: number | null): number | null {
  if (sc === null || dmax === null || da === null) return null;
  const sum = sc + dmax + da;
  return sum === 0 ? 0 : (3 * sc * dmax * da) / sum;
}

export function calibrationMetrics(samples: readonly Uint8Array[], raters: readonly Uint8Array[], eps = CE_EPS): CalibrationReport {
  const length = checkMasks([...samples, ...raters], 'masks');
  const n = samples.length;
  const m = raters.length;
  if (n === 0 || m === 0) {
    return { sncc: null, dmax: null, sc: null, da: null, ci: null, ged: null, ncc: raters.map(() => null), bestDice: [], gedTerms: null };
  }
  const s = samples.map(toWords);
  const y = raters.map(toWords);
  const words = (length + 31) >>> 5;

  // Dice and IoU need only the areas and the intersections; compute every intersection once.
  const sy = crossIntersections(s, y);
  const ss = crossIntersections(s, s);
  const yy = crossIntersections(y, y);

  const bestDice = y.map((r, j) => {
    let best = 0;
    for (let i = 0; i < n; i++) best = Math.max(best, diceOf(s[i].area, r.area, sy[i * m + j]));
    return best;
  });
  const dmax = mean(bestDice);

  const sampleUnion = unionOf(s, words);
  const raterUnion = unionOf(y, words);
  const sc = raterUnion.area === 0 ? (sampleUnion.area === 0 ? 1 : null) : intersectionArea(sampleUnion, raterUnion) / raterUnion.area;

  const da = diversityAgreement(s, ss, y, yy);

  const sampleRater = meanDistance(s, y, sy);
  const sampleSample = meanDistance(s, s, ss);
  const raterRater = meanDistance(y, y, yy);
  // Jaccard similarity is a positive-definite kernel, so GED² >= 0: a negative result is rounding only.
  const ged = Math.max(0, 2 * sampleRater - sampleSample - raterRater);

  const ncc = correlations(samples, raters, eps);
  const definedNcc = ncc.filter((v): v is number => v !== null);
  const sncc = definedNcc.length ? mean(definedNcc) : null;

  return { sncc, dmax, sc, da, ci: ciOf(sc, dmax, da), ged, ncc, bestDice, gedTerms: { sampleRater, sampleSample, raterRater } };
}

/** inter[i * b.length + j] = |a_i ∩ b_j|. */
function crossIntersections(a: readonly WordMask[], b: readonly WordMask[]): Int32Array {
  const out = new Int32Array(a.length * b.length);
  const symmetric = a === b;
  for (let i = 0; i < a.length; i++) {
    for (let j = symmetric ? i : 0; j < b.length; j++) {
      const v = symmetric && i === j ? a[i].area : intersectionArea(a[i], b[j]);
      out[i * b.length + j] = v;
      if (symmetric) out[j * b.length + i] = v;
    }
  }
  return out;
}

/** Mean of 1 - IoU over all |a| x |b| pairs, self-pairs included. */
function meanDistance(a: readonly WordMask[], b: readonly WordMask[], inter: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) sum += 1 - iouOf(a[i].area, b[j].area, inter[i * b.length + j]);
  }
  return sum / (a.length * b.length);
}

function diversityAgreement(s: readonly WordMask[], ss: Int32Array, y: readonly WordMask[], yy: Int32Array): number | null {
  const vs = diversityRange(s, ss);
  const vy = diversityRange(y, yy);
  if (!vs || !vy) return null;
  return 1 - (Math.abs(vy.max - vs.max) + Math.abs(vy.min - vs.min)) / 2;
}

/** Range of V = 1 - Dice over distinct pairs; null with fewer than two masks. */
function diversityRange(masks: readonly WordMask[], inter: Int32Array): { min: number; max: number } | null {
  const k = masks.length;
  if (k < 2) return null;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const v = 1 - diceOf(masks[i].area, masks[j].area, inter[i * k + j]);
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max };
}

/**
 * Pearson correlation of the uncertainty map with each rater's error map. Both maps take a pixel's value from
 * (k = samples marking it, rater bit), so the correlation follows exactly from the histogram of those pairs.
 */
function correlations(samples: readonly Uint8Array[], raters: readonly Uint8Array[], eps: number): (number | null)[] {
  const n = samples.length;
  const counts = sampleCounts(samples);
  const length = counts.length;
  const u = uncertaintyByCount(n, eps);
  const e = errorByCount(n, eps);
  const bins = 2 * (n + 1);
  const hist = new Float64Array(bins);
  return raters.map((rater) => {
    hist.fill(0);
    for (let i = 0; i < length; i++) hist[2 * counts[i] + (rater[i] !== 0 ? 1 : 0)]++;
    return pearsonFromHistogram(hist, u, e, length);
  });
}

function pearsonFromHistogram(hist: Float64Array, u: Float64Array, e: Float64Array, total: number): number | null {
  let uMin = Infinity;
  let uMax = -Infinity;
  let eMin = Infinity;
  let eMax = -Infinity;
  let uSum = 0;
  let eSum = 0;
  for (let c = 0; c < hist.length; c++) {
    const h = hist[c];
    if (h === 0) continue;
    const uc = u[c >> 1];
    const ec = e[c];
    uSum += h * uc;
    eSum += h * ec;
    if (uc < uMin) uMin = uc;
    if (uc > uMax) uMax = uc;
    if (ec < eMin) eMin = ec;
    if (ec > eMax) eMax = ec;
  }
  if (total === 0 || isConstantRange(uMin, uMax) || isConstantRange(eMin, eMax)) return null;
  const uMean = uSum / total;
  const eMean = eSum / total;
  let cov = 0;
  let uVar = 0;
  let eVar = 0;
  for (let c = 0; c < hist.length; c++) {
    const h = hist[c];
    if (h === 0) continue;
    const du = u[c >> 1] - uMean;
    const de = e[c] - eMean;
    cov += h * du * de;
    uVar += h * du * du;
    eVar += h * de * de;
  }
  return clampCorrelation(cov / Math.sqrt(uVar * eVar));
}

export function clampCorrelation(r: number): number {
  return Math.min(1, Math.max(-1, r));
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
