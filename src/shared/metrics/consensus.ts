/**
 * Consensus of several raters' binary masks: majority vote, and STAPLE (Warfield, Zou and Wells, IEEE TMI 2004),
 * which estimates the hidden true mask together with each rater's sensitivity and specificity by EM.
 *
 * Both break ties towards background: majority vote keeps a pixel only when more than half of the raters mark
 * it (2 of 4 is not a majority), STAPLE only when its posterior probability of lesion exceeds 0.5.
 */
import { checkMasks } from './shape';

export function majorityVote(raters: readonly Uint8Array[]): Uint8Array {
  const length = checkMasks(raters, 'raters');
  const votes = new Uint16Array(length);
  for (const r of raters) for (let i = 0; i < length; i++) if (r[i] !== 0) votes[i]++;
  const out = new Uint8Array(length);
  const half = raters.length / 2;
  for (let i = 0; i < length; i++) out[i] = votes[i] > half ? 1 : 0;
  return out;
}

export interface StapleResult {
  /** Posterior probability > 0.5. */
  consensus: Uint8Array;
  /** Posterior probability that each pixel is lesion. */
  probability: Float32Array;
  /** Per rater; null where undefined (no pixel is likely lesion, so there is nothing to be sensitive to). */
  sensitivity: (number | null)[];
  /** Per rater; null where undefined (every pixel is surely lesion). */
  specificity: (number | null)[];
  /** The lesion prior: the fraction of all rater labels that are lesion. */
  prior: number;
  iterations: number;
  converged: boolean;
}

export interface StapleOptions {
  /** Initial sensitivity and specificity of every rater. */
  initial?: number;
  maxIterations?: number;
  /** Stop when no sensitivity or specificity changes by more than this. */
  tolerance?: number;
}

/** Keeps logarithms finite when a rater is (or becomes) perfect. */
const PROBABILITY_FLOOR = 1e-12;
/** Patterns of rater labels are indexed densely (2^M entries). */
const MAX_RATERS = 16;

/**
 * Binary STAPLE with a global prior. Pixels with the same pattern of rater labels have the same posterior, so EM
 * runs over the (at most 2^M, in practice a handful of) distinct patterns weighted by how often each occurs.
 */
export function staple(raters: readonly Uint8Array[], options: StapleOptions = {}): StapleResult {
  const { initial = 0.99, maxIterations = 200, tolerance = 1e-9 } = options;
  const length = checkMasks(raters, 'raters');
  const m = raters.length;
  if (m === 0) throw new RangeError('STAPLE needs at least one rater');
  if (m > MAX_RATERS) throw new RangeError(`STAPLE here handles at most ${MAX_RATERS} raters, got ${m}`);

  const patternOf = new Uint32Array(length);
  for (let j = 0; j < m; j++) {
    const r = raters[j];
    const bit = 1 << j;
    for (let i = 0; i < length; i++) if (r[i] !== 0) patternOf[i] |= bit;
  }
  const frequency = new Float64Array(1 << m);
  for (let i = 0; i < length; i++) frequency[patternOf[i]]++;
  const patterns: number[] = [];
  for (let p = 0; p < frequency.length; p++) if (frequency[p] > 0) patterns.push(p);
  const weights = patterns.map((p) => frequency[p]);

  let marked = 0;
  for (let k = 0; k < patterns.length; k++) marked += weights[k] * popcount(patterns[k]);
  const prior = length === 0 ? 0 : marked / (m * length);

  const sensitivity = new Array<number>(m).fill(initial);
  const specificity = new Array<number>(m).fill(initial);
  const posterior = new Float64Array(patterns.length);
  let iterations = 0;
  let converged = false;

  if (prior === 0 || prior === 1) {
    // Every rater says the same everywhere: the truth is what they say, every rater matches it perfectly on the
    // one class present, and the rate on the absent class is undefined.
    posterior.fill(prior);
    sensitivity.fill(1);
    specificity.fill(1);
    converged = true;
  } else {
    const logPrior = Math.log(prior);
    const logPriorBackground = Math.log(1 - prior);
    while (iterations < maxIterations && !converged) {
      iterations++;
      for (let k = 0; k < patterns.length; k++) {
        let logLesion = logPrior;
        let logBackground = logPriorBackground;
        for (let j = 0; j < m; j++) {
          const p = clampProbability(sensitivity[j]);
          const q = clampProbability(specificity[j]);
          if (patterns[k] & (1 << j)) {
            logLesion += Math.log(p);
            logBackground += Math.log(1 - q);
          } else {
            logLesion += Math.log(1 - p);
            logBackground += Math.log(q);
          }
        }
        posterior[k] = 1 / (1 + Math.exp(logBackground - logLesion));
      }
      let change = 0;
      for (let j = 0; j < m; j++) {
        let truePositive = 0;
        let lesion = 0;
        let trueNegative = 0;
        let background = 0;
        for (let k = 0; k < patterns.length; k++) {
          const w = weights[k] * posterior[k];
          const b = weights[k] * (1 - posterior[k]);
          lesion += w;
          background += b;
          if (patterns[k] & (1 << j)) truePositive += w;
          else trueNegative += b;
        }
        const p = truePositive / lesion;
        const q = trueNegative / background;
        change = Math.max(change, Math.abs(p - sensitivity[j]), Math.abs(q - specificity[j]));
        sensitivity[j] = p;
        specificity[j] = q;
      }
      converged = change <= tolerance;
    }
  }

  const posteriorOf = new Float64Array(1 << m);
  patterns.forEach((p, k) => (posteriorOf[p] = posterior[k]));
  const probability = new Float32Array(length);
  const consensus = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const w = posteriorOf[patternOf[i]];
    probability[i] = w;
    consensus[i] = w > 0.5 ? 1 : 0;
  }
  return {
    consensus,
    probability,
    sensitivity: prior === 0 ? sensitivity.map(() => null) : sensitivity,
    specificity: prior === 1 ? specificity.map(() => null) : specificity,
    prior,
    iterations,
    converged,
  };
}

function clampProbability(p: number): number {
  return Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, p));
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}
