/**
 * `npm run bench:metrics`: time per slice of the calibration metrics for 16 samples x 4 raters at 128x128, the
 * fast path against the straightforward implementation of the same definitions, in one run on one machine; and
 * the time of everything the `metrics.slice` handler computes from masks (calibration, uncertainty map, pairwise
 * rater Dice, majority vote and STAPLE). Inputs are seeded synthetic lesions, so every run sees the same masks.
 */
import { calibrationMetrics } from '../src/shared/metrics/calibration';
import { majorityVote, staple } from '../src/shared/metrics/consensus';
import { pairwiseDice } from '../src/shared/metrics/overlap';
import { referenceCalibration } from '../src/shared/metrics/reference';
import { blobFamily, seededRandom } from '../src/shared/metrics/synthetic';
import { uncertaintyMap } from '../src/shared/metrics/uncertainty';

const SIZE = 128;
const SAMPLES = 16;
const RATERS = 4;
const SLICES = 24;
const TARGET_MS = 5;

const random = seededRandom(20260401);
const slices = Array.from({ length: SLICES }, () => {
  const family = blobFamily(SIZE, SIZE, SAMPLES + RATERS, random, 0.1);
  return { samples: family.slice(0, SAMPLES), raters: family.slice(SAMPLES) };
});

/** Median over rounds of the mean time per slice, in ms: the median resists the other jobs sharing the CPU. */
function timePerSlice(work: (slice: (typeof slices)[number]) => unknown, rounds: number): number {
  for (const s of slices) work(s); // warm up the JIT
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (const s of slices) work(s);
    perRound.push((performance.now() - start) / slices.length);
  }
  perRound.sort((a, b) => a - b);
  return perRound[Math.floor(perRound.length / 2)];
}

let maxDifference = 0;
for (const { samples, raters } of slices) {
  const fast = calibrationMetrics(samples, raters);
  const reference = referenceCalibration(samples, raters);
  for (const key of ['sncc', 'dmax', 'sc', 'da', 'ci', 'ged'] as const) {
    const a = fast[key];
    const b = reference[key];
    if ((a === null) !== (b === null)) throw new Error(`fast and reference disagree on whether ${key} is defined`);
    if (a !== null && b !== null) maxDifference = Math.max(maxDifference, Math.abs(a - b));
  }
}

const fast = timePerSlice(({ samples, raters }) => calibrationMetrics(samples, raters), 40);
const baseline = timePerSlice(({ samples, raters }) => referenceCalibration(samples, raters), 5);
const full = timePerSlice(({ samples, raters }) => {
  calibrationMetrics(samples, raters);
  uncertaintyMap(samples);
  pairwiseDice(raters);
  majorityVote(raters);
  staple(raters);
}, 40);

const line = (label: string, ms: number) => console.log(`${label.padEnd(70)} ${ms.toFixed(3).padStart(8)} ms/slice`);
console.log(`metrics benchmark: ${SLICES} synthetic slices, ${SAMPLES} samples x ${RATERS} raters at ${SIZE}x${SIZE}, node ${process.version}`);
line('baseline: straightforward definitions (reference.ts)', baseline);
line('calibration metrics (SNCC, Dmax, Sc, Da, CI, GED²)', fast);
line('metrics.slice work (+ uncertainty map, rater Dice, majority, STAPLE)', full);
console.log(`speed-up of the calibration metrics over the baseline: ${(baseline / fast).toFixed(1)}x`);
console.log(`largest difference between fast and baseline values: ${maxDifference.toExponential(2)}`);
console.log(`target: all metrics under ${TARGET_MS} ms per slice: ${full < TARGET_MS ? 'met' : 'NOT met'}`);
