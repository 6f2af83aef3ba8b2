/**
 * Agreement between raters and calibration of the model against them, per slice and per study, from what the
 * store holds: every rater's current mask and the study's current triage run (its bit-packed samples).
 *
 * A rater counts on a slice when they have a mask there (an imported empty mask counts; a slice they never
 * opened does not). Over a study, the Dice of two raters pools every slice both have masks on.
 */
import type { Request, Response } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { packMask, unpackMask } from '../../shared/masks';
import { calibrationMetrics, type CalibrationMetrics } from '../../shared/metrics/calibration';
import { majorityVote, staple } from '../../shared/metrics/consensus';
import { diceOf, intersectionArea, meanOffDiagonal, pairwiseDice, toWords } from '../../shared/metrics/overlap';
import { sliceLength } from '../../shared/volume';
import { checkSlice, currentRun, getSliceResult, getStudy, sliceScores, type CurrentMask, type Db } from '../store';
import { FULL_VIEW, readersOnly, visibleSliceMasks, visibleStudyMasks, type Viewer } from './blinding';
import type { HandlerGroup } from './registry';

type RaterRef = { raterId: number; raterName: string };

function modelMetrics(samples: Uint8Array[], raters: Uint8Array[]): CalibrationMetrics {
  const { sncc, dmax, sc, da, ci, ged } = calibrationMetrics(samples, raters);
  return { sncc, dmax, sc, da, ci, ged };
}

/** The samples of a triage run on one slice, or null when it has none there. */
function modelSamples(db: Db, runId: number | undefined, sliceIndex: number): Uint8Array[] | null {
  const result = runId === undefined ? undefined : getSliceResult(db, runId, sliceIndex);
  return result ? result.samples : null;
}

export function sliceAgreement(db: Db, studyId: number, sliceIndex: number, viewer: Viewer = FULL_VIEW): Response<'metrics.slice'> {
  const study = getStudy(db, studyId);
  checkSlice(study, sliceIndex);
  const length = sliceLength(study);
  const { masks: visible, hidden } = visibleSliceMasks(db, studyId, sliceIndex, viewer);
  const stored = readersOnly(visible);
  const masks = stored.map((m) => unpackMask(m.packed, length));
  const empty = packMask(new Uint8Array(length));

  const pairwise = pairwiseDice(masks);
  const consensus = masks.length ? staple(masks) : null;
  // One rater's sensitivity against a consensus that is their own mask says nothing: rates need two raters.
  const rates = consensus && masks.length > 1 ? stored.map((m, j) => ({ raterId: m.raterId, sensitivity: consensus.sensitivity[j], specificity: consensus.specificity[j] })) : [];
  const samples = modelSamples(db, currentRun(db, studyId)?.id, sliceIndex);
  return {
    raters: stored.map(({ raterId, raterName }) => ({ raterId, raterName })),
    pairwiseDice: pairwise,
    meanPairwiseDice: meanOffDiagonal(pairwise),
    staple: rates,
    consensusMajority: masks.length ? packMask(majorityVote(masks)) : empty,
    consensusStaple: consensus ? packMask(consensus.consensus) : empty,
    model: samples ? modelMetrics(samples, masks) : null,
    hidden,
  };
}

export function studyAgreement(db: Db, studyId: number, viewer: Viewer = FULL_VIEW): Response<'metrics.study'> {
  const study = getStudy(db, studyId);
  const length = sliceLength(study);
  const { bySlice, hidden } = visibleStudyMasks(db, studyId, viewer);
  const run = currentRun(db, studyId);
  const scores = new Map(run ? sliceScores(db, [run.id]).map((s) => [s.sliceIndex, s.score]) : []);

  const raters = new Map<number, RaterRef>();
  for (const [k, visible] of bySlice) bySlice.set(k, readersOnly(visible));
  for (const masks of bySlice.values()) for (const m of masks) raters.set(m.raterId, { raterId: m.raterId, raterName: m.raterName });
  // By name in code-unit order, as SQLite orders each slice's masks, so both lists agree.
  const raterList = [...raters.values()].sort((a, b) => (a.raterName < b.raterName ? -1 : a.raterName > b.raterName ? 1 : 0));
  const index = new Map(raterList.map((r, i) => [r.raterId, i]));
  const k = raterList.length;
  // Pooled over slices: intersections and summed areas per pair of raters, for slices both annotated.
  const inter = new Float64Array(k * k);
  const areas = new Float64Array(k * k);
  const shared = new Uint32Array(k * k);

  const sliceIndices = [...new Set([...bySlice.keys(), ...scores.keys()])].sort((a, b) => a - b);
  const slices = sliceIndices.map((sliceIndex) => {
    const stored: CurrentMask[] = bySlice.get(sliceIndex) ?? [];
    const masks = stored.map((m) => unpackMask(m.packed, length));
    const words = masks.map(toWords);
    const perSlice = stored.map(() => stored.map((): number | null => null));
    for (let a = 0; a < stored.length; a++) {
      for (let b = a + 1; b < stored.length; b++) {
        const overlap = intersectionArea(words[a], words[b]);
        perSlice[a][b] = perSlice[b][a] = diceOf(words[a].area, words[b].area, overlap);
        const i = index.get(stored[a].raterId)!;
        const j = index.get(stored[b].raterId)!;
        for (const cell of [i * k + j, j * k + i]) {
          inter[cell] += overlap;
          areas[cell] += words[a].area + words[b].area;
          shared[cell]++;
        }
      }
    }
    const samples = scores.has(sliceIndex) ? modelSamples(db, run?.id, sliceIndex) : null;
    return {
      sliceIndex,
      meanPairwiseDice: meanOffDiagonal(perSlice),
      model: samples ? modelMetrics(samples, masks) : null,
      // The triage score that ranks the slice (uncertainty at the lesion), so the panel can set it against disagreement.
      uncertainty: scores.get(sliceIndex) ?? null,
    };
  });

  // Pooled Dice: 2 * sum of intersections / sum of both areas; two raters who mark nothing anywhere agree (1).
  const pairwise = raterList.map((_, i) =>
    raterList.map((__, j) => {
      const cell = i * k + j;
      if (i === j || shared[cell] === 0) return null;
      return areas[cell] === 0 ? 1 : (2 * inter[cell]) / areas[cell];
    }),
  );
  return { slices, pairwiseDice: pairwise, raters: raterList, hidden };
}

/** The slice the D key (disagreement) or the mismatch button goes to; see `metrics.jump`. */
export function jumpTarget(db: Db, studyId: number, to: Request<'metrics.jump'>['to'], viewer: Viewer = FULL_VIEW): { sliceIndex: number } {
  const { slices } = studyAgreement(db, studyId, viewer);
  const rated = slices.filter((s) => s.meanPairwiseDice !== null);
  if (to === 'disagreement') {
    if (!rated.length) throw new ApiError('needs_more', 'Rater disagreement needs masks from two raters on the same slice; no slice has them yet.');
    return { sliceIndex: rated.reduce((a, b) => (b.meanPairwiseDice! < a.meanPairwiseDice! ? b : a)).sliceIndex };
  }
  const both = rated.filter((s) => s.uncertainty !== null);
  if (!both.length) throw new ApiError('needs_more', 'Model vs raters mismatch needs triage results and masks from two raters on the same slices.');
  // Uncertainty scaled to the study's largest, against disagreement (1 - Dice): where the two tell different stories.
  const maxU = Math.max(1e-12, ...both.map((s) => s.uncertainty!));
  const gap = (s: (typeof both)[number]) => Math.abs(s.uncertainty! / maxU - (1 - s.meanPairwiseDice!));
  return { sliceIndex: both.reduce((a, b) => (gap(b) > gap(a) ? b : a)).sliceIndex };
}

export const metricsHandlers: HandlerGroup<'metrics.slice' | 'metrics.study' | 'metrics.jump'> = {
  'metrics.slice': ({ studyId, sliceIndex, ...viewer }, app) => sliceAgreement(app.db, studyId, sliceIndex, viewer),
  'metrics.study': ({ studyId, ...viewer }, app) => studyAgreement(app.db, studyId, viewer),
  'metrics.jump': ({ studyId, to, ...viewer }, app) => jumpTarget(app.db, studyId, to, viewer),
};
