/**
 * Export of a study's review: every rater's masks and the consensus as NIfTI (in the input's geometry) and PNG,
 * the model's mean mask and uncertainty map as NIfTI, and a report (JSON + CSV) of the ranking, scores, review
 * status, metrics and provenance. DICOM studies also get DICOM SEG objects (see io/dicom).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExportFormat, ExportSkip, ReviewStatus, Volumetry } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { unpackMask } from '../../shared/masks';
import { sliceLength, type VoxelArray } from '../../shared/volume';
import type { AppContext } from '../context';
import { encodeNifti, type NiftiSourceMeta } from '../io/nifti';
import { encodePngGray } from '../io/png';
import { currentRun, getSliceResult, getStudy, listRaters, listRois, reviewStatuses, sliceScores, type StudyRecord } from '../store';
import { majorityVote, noduleSize, staple } from '../../shared/metrics';
import { csvCell, safeName } from '../../shared/text';
import { FULL_VIEW, readersOnly, visibleFinals, visibleStudyMasks, type Viewer } from './blinding';
import { exportDicomSegs, type FinalVolume, type MaskVolume } from './dicom';
import { studyAgreement } from './metrics';
import { knownSpacing } from './rois';
import type { HandlerGroup } from './registry';

/** How the report writes a review status (the store's 'second-look' is "second look" to a reader). */
const REVIEW_WORDS: Record<ReviewStatus, string> = { unreviewed: 'unreviewed', reviewed: 'reviewed', 'second-look': 'second look' };

/**
 * The readers' masks and their consensus of a study as whole volumes (slices a reader never annotated stay empty),
 * as `viewer` may see them.
 */
export function studyMaskVolumes(
  app: AppContext,
  study: StudyRecord,
  viewer: Viewer = FULL_VIEW,
): { raters: MaskVolume[]; consensus: MaskVolume[]; annotated: Map<number, Set<number>>; hidden: number } {
  const n = sliceLength(study);
  const total = n * study.dims[2];
  const raters = new Map<number, MaskVolume>();
  const annotated = new Map<number, Set<number>>();
  const majority = new Uint8Array(total);
  const stapled = new Uint8Array(total);
  const { bySlice, hidden } = visibleStudyMasks(app.db, study.id, viewer);
  for (const [k, visible] of bySlice) {
    const masks = readersOnly(visible);
    const unpacked = masks.map((m) => unpackMask(m.packed, n));
    masks.forEach((m, r) => {
      const volume = raters.get(m.raterId) ?? { name: m.raterName, raterId: m.raterId, mask: new Uint8Array(total) };
      volume.mask.set(unpacked[r], k * n);
      raters.set(m.raterId, volume);
      annotated.set(m.raterId, (annotated.get(m.raterId) ?? new Set()).add(k));
    });
    if (unpacked.length === 0) continue;
    majority.set(majorityVote(unpacked), k * n);
    stapled.set(staple(unpacked).consensus, k * n);
  }
  return {
    raters: [...raters.values()].sort((a, b) => a.name.localeCompare(b.name)),
    consensus: [
      { name: 'consensus-majority', raterId: null, mask: majority },
      { name: 'consensus-staple', raterId: null, mask: stapled },
    ],
    annotated,
    hidden,
  };
}

/** The study's final (adjudicated) mask as one volume, or null when no slice is final (for this viewer). */
export function finalMaskVolume(app: AppContext, study: StudyRecord, viewer: Viewer = FULL_VIEW): { volume: FinalVolume | null; hidden: number } {
  const { bySlice, hidden } = visibleFinals(app.db, study.id, viewer);
  if (!bySlice.size) return { volume: null, hidden };
  const n = sliceLength(study);
  const mask = new Uint8Array(n * study.dims[2]);
  for (const [k, f] of bySlice) mask.set(unpackMask(f.packed, n), k * n);
  const finals = [...bySlice.values()];
  return { volume: { name: 'final', raterId: null, mask, adjudicators: [...new Set(finals.map((f) => f.adjudicatorName))], bases: finals.map((f) => f.basis) }, hidden };
}

/** The model's mean probability over the study (zero where it has no result). */
export function modelMeanVolume(app: AppContext, study: StudyRecord): { modelId: string; mean: Float32Array } | null {
  const run = currentRun(app.db, study.id);
  if (!run) return null;
  const n = sliceLength(study);
  const mean = new Float32Array(n * study.dims[2]);
  for (let k = 0; k < study.dims[2]; k++) {
    const r = getSliceResult(app.db, run.id, k);
    if (r && r.width * r.height === n) mean.set(r.mean, k * n);
  }
  return { modelId: run.modelId, mean };
}

/** The model's mean mask: where the mean of its samples is at least one half (most samples mark the pixel). */
export const MODEL_MEAN_THRESHOLD = 0.5;

/** Volume and diameters of every reader, the consensus, the final mask and the model mean, as `viewer` may see them. */
export function studyVolumetry(app: AppContext, study: StudyRecord, viewer: Viewer = FULL_VIEW): { items: Volumetry[]; hidden: number; spacingKnown: boolean } {
  const { raters, consensus, hidden } = studyMaskVolumes(app, study, viewer);
  const final = finalMaskVolume(app, study, viewer);
  const size = (mask: ArrayLike<number>) => noduleSize(mask, study.dims, study.spacing);
  const items: Volumetry[] = [
    ...raters.map((r) => ({ kind: 'reader' as const, name: r.name, raterId: r.raterId, ...size(r.mask) })),
    ...consensus.map((c) => ({ kind: c.name as 'consensus-majority' | 'consensus-staple', name: c.name, raterId: null, ...size(c.mask) })),
  ];
  if (final.volume) items.push({ kind: 'final', name: 'final', raterId: null, ...size(final.volume.mask) });
  const model = modelMeanVolume(app, study);
  if (model) items.push({ kind: 'model-mean', name: `model-mean (${model.modelId})`, raterId: null, ...size(model.mean.map((p) => (p >= MODEL_MEAN_THRESHOLD ? 1 : 0))) });
  return { items, hidden: hidden + final.hidden, spacingKnown: knownSpacing(study) !== null };
}

function writeNifti(file: string, study: StudyRecord, data: VoxelArray, dtype: 'uint8' | 'float32', description: string): void {
  const meta = (study.sourceMeta as { nifti?: NiftiSourceMeta }).nifti;
  writeFileSync(file, encodeNifti(study, data, dtype, meta, description));
}

function writePngSlices(dir: string, study: StudyRecord, mask: Uint8Array): string[] {
  mkdirSync(dir, { recursive: true });
  const n = sliceLength(study);
  const files: string[] = [];
  for (let k = 0; k < study.dims[2]; k++) {
    const slice = mask.subarray(k * n, (k + 1) * n).map((v) => (v ? 255 : 0));
    const file = path.join(dir, `slice-${String(k).padStart(4, '0')}.png`);
    writeFileSync(file, encodePngGray(study.dims[0], study.dims[1], slice));
    files.push(file);
  }
  return files;
}

/** The ranking, scores, review status, metrics and provenance of a study, one row per slice. */
export function studyReport(app: AppContext, study: StudyRecord, raters: MaskVolume[], annotated: Map<number, Set<number>>) {
  const run = currentRun(app.db, study.id);
  const scores = run ? sliceScores(app.db, [run.id]).sort((a, b) => b.score - a.score) : [];
  const rank = new Map(scores.map((s, i) => [s.sliceIndex, i + 1]));
  const score = new Map(scores.map((s) => [s.sliceIndex, s]));
  // Everyone with a mask in the study, and everyone who set a review status there without drawing (a second-look flag).
  const reviews = new Map(raters.map((r) => [r.name, new Map(reviewStatuses(app.db, study.id, r.raterId!).map((x) => [x.sliceIndex, x.status]))]));
  for (const r of listRaters(app.db)) {
    if (reviews.has(r.name)) continue;
    const statuses = reviewStatuses(app.db, study.id, r.id).filter((x) => x.status !== 'unreviewed');
    if (statuses.length) reviews.set(r.name, new Map(statuses.map((x) => [x.sliceIndex, x.status])));
  }
  const annotatedBy = new Map(raters.map((r) => [r.name, annotated.get(r.raterId!)]));
  // A status the reader set says more than "not annotated": a second look is asked for whether or not they drew.
  const reviewOf = (name: string, k: number) => {
    const status = reviews.get(name)?.get(k);
    if (status && status !== 'unreviewed') return REVIEW_WORDS[status];
    return annotatedBy.get(name)?.has(k) ? REVIEW_WORDS.unreviewed : 'not annotated';
  };
  const agreement = studyAgreement(app.db, study.id);
  const perSlice = new Map(agreement.slices.map((s) => [s.sliceIndex, s]));
  const slices = Array.from({ length: study.dims[2] }, (_, k) => {
    const s = score.get(k);
    const m = perSlice.get(k);
    return {
      sliceIndex: k,
      rank: rank.get(k) ?? null,
      roiId: s?.roiId ?? null,
      score: s?.score ?? null,
      totalUncertainty: s?.totalUncertainty ?? null,
      lesionUncertainty: s?.lesionUncertainty ?? null,
      meanPairwiseDice: m?.meanPairwiseDice ?? null,
      model: m?.model ?? null,
      review: Object.fromEntries([...reviews.keys()].map((name) => [name, reviewOf(name, k)])),
    };
  });
  return {
    study: { id: study.id, name: study.name, patientId: study.patientId, source: study.source, sourcePath: study.sourcePath, dims: study.dims, spacing: study.spacing },
    provenance: run
      ? { runId: run.id, modelId: run.modelId, modelSha256: run.modelSha256, provider: run.provider, sampler: run.sampler, seed: run.seed, samples: run.samples, steps: run.steps, state: run.state, timings: run.timings, startedAt: run.startedAt, finishedAt: run.finishedAt }
      : null,
    /** The regions of interest the model was run in (none: every slice as a whole image). */
    rois: listRois(app.db, study.id),
    /** What the run warned about (resampling, spacing outside the model's range, none known). */
    warnings: run?.warnings ?? [],
    raters: agreement.raters,
    pairwiseDice: agreement.pairwiseDice,
    slices,
    exportedAt: new Date().toISOString(),
    exportedBy: `CalDiff Workstation ${app.version}`,
  };
}

function reportCsv(report: ReturnType<typeof studyReport>): string {
  const raterNames = Object.keys(report.slices[0]?.review ?? {});
  const metricKeys = ['sncc', 'dmax', 'sc', 'da', 'ci', 'ged'] as const;
  const header = ['slice', 'rank', 'score', 'total_uncertainty', 'lesion_uncertainty', 'mean_pairwise_dice', ...metricKeys, ...raterNames.map((r) => `review:${r}`)];
  const rows = report.slices.map((s) => [
    s.sliceIndex,
    s.rank,
    s.score,
    s.totalUncertainty,
    s.lesionUncertainty,
    s.meanPairwiseDice,
    ...metricKeys.map((k) => s.model?.[k] ?? null),
    ...raterNames.map((r) => s.review[r] ?? ''),
  ]);
  return [header, ...rows].map((r) => r.map((v) => csvCell(v, 6)).join(',')).join('\n') + '\n';
}

/** One row per measured mask: reader, consensus, final, model mean. */
function volumetryCsv(items: Volumetry[]): string {
  const header = ['kind', 'name', 'voxels', 'volume_mm3', 'longest_diameter_mm', 'perpendicular_diameter_mm', 'diameter_slice', 'slices'];
  const rows = items.map((v) => [v.kind, v.name, v.voxels, v.volumeMm3, v.longestDiameterMm, v.perpendicularDiameterMm, v.diameterSlice, v.slices]);
  return [header, ...rows].map((r) => r.map((v) => csvCell(v, 6)).join(',')).join('\n') + '\n';
}

/** Why the study cannot have a format at all (null: it can), so that one format never fails the others. */
function cannotExport(study: StudyRecord, final: FinalVolume | null, format: ExportFormat): string | null {
  if (format === 'dicom-seg' && !(study.sourceMeta as { dicom?: unknown }).dicom)
    return `DICOM SEG needs a study imported from DICOM; "${study.name}" came from ${study.source}`;
  if (format === 'final' && !final) return `"${study.name}" has no final mask yet: an adjudicator marks slices final first`;
  return null;
}

/**
 * Formats the study cannot have are skipped (listed with their reason); asking only for those is an error.
 * Writes into a fresh folder beside the target and renames it into place at the end, so a failed export never
 * leaves a half-written folder that looks complete.
 */
export function exportStudy(app: AppContext, studyId: number, outDir: string, asked: ExportFormat[]): { dir: string; files: string[]; skipped: ExportSkip[] } {
  const study = getStudy(app.db, studyId);
  const final = finalMaskVolume(app, study).volume;
  const skipped = asked.flatMap((format) => {
    const reason = cannotExport(study, final, format);
    return reason ? [{ format, reason }] : [];
  });
  const formats = asked.filter((f) => !skipped.some((s) => s.format === f));
  if (formats.length === 0) throw new ApiError('bad_input', skipped.map((s) => s.reason).join('; '), { skipped });
  const target = path.resolve(outDir, `${safeName(study.name)}-study${study.id}`);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const written: string[] = [];
    const { raters, consensus, annotated } = studyMaskVolumes(app, study);
    const masks = [...raters, ...consensus];
    if (formats.includes('nifti')) {
      mkdirSync(path.join(staging, 'nifti'));
      for (const m of masks) {
        const file = path.join(staging, 'nifti', `${safeName(m.name)}.nii.gz`);
        writeNifti(file, study, m.mask, 'uint8', `${m.raterId === null ? '' : 'rater '}${m.name}`);
        written.push(file);
      }
      const run = currentRun(app.db, study.id);
      if (run) {
        const n = sliceLength(study);
        const mean = new Float32Array(n * study.dims[2]);
        const uncertainty = new Float32Array(n * study.dims[2]);
        for (let k = 0; k < study.dims[2]; k++) {
          const r = getSliceResult(app.db, run.id, k);
          if (r && r.width * r.height === n) {
            mean.set(r.mean, k * n);
            uncertainty.set(r.uncertainty, k * n);
          }
        }
        for (const [name, data] of [['model-mean', mean], ['model-uncertainty', uncertainty]] as const) {
          const file = path.join(staging, 'nifti', `${name}.nii.gz`);
          writeNifti(file, study, data, 'float32', `${run.modelId} ${name}`);
          written.push(file);
        }
      }
    }
    if (formats.includes('png')) for (const m of masks) written.push(...writePngSlices(path.join(staging, 'png', safeName(m.name)), study, m.mask));
    const isDicom = study.source === 'dicom';
    if (formats.includes('dicom-seg')) written.push(...exportDicomSegs(app, study, raters, consensus, final, path.join(staging, 'dicom-seg')));
    if (formats.includes('final') && final) {
      mkdirSync(path.join(staging, 'final'));
      const file = path.join(staging, 'final', 'final.nii.gz');
      writeNifti(file, study, final.mask, 'uint8', `final (adjudicated by ${final.adjudicators.join(', ')})`);
      written.push(file);
      // Beside the other SEGs when those are written too, so the final SEG is never written twice.
      if (isDicom && !formats.includes('dicom-seg')) written.push(...exportDicomSegs(app, study, [], [], final, path.join(staging, 'final'), ['final']));
    }
    if (formats.includes('report')) {
      const measured = studyVolumetry(app, study);
      const report = { ...studyReport(app, study, raters, annotated), volumetry: measured.items, volumetrySpacingKnown: measured.spacingKnown };
      writeFileSync(path.join(staging, 'report.json'), JSON.stringify(report, null, 2));
      writeFileSync(path.join(staging, 'report.csv'), reportCsv(report));
      writeFileSync(path.join(staging, 'report-volumetry.csv'), volumetryCsv(report.volumetry));
      written.push(path.join(staging, 'report.json'), path.join(staging, 'report.csv'), path.join(staging, 'report-volumetry.csv'));
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return { dir: target, files: written.map((f) => path.join(target, path.relative(staging, f))), skipped };
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e instanceof ApiError ? e : new ApiError('bad_input', `export to ${outDir} failed: ${(e as Error).message}`);
  }
}

export const exportHandlers: HandlerGroup<'export.study' | 'metrics.volumes'> = {
  'metrics.volumes': ({ studyId, ...viewer }, app) => studyVolumetry(app, getStudy(app.db, studyId), viewer),
  'export.study': ({ studyId, outDir, formats }, app) => exportStudy(app, studyId, outDir, formats),
};
