/**
 * Export of a study's review: every rater's masks and the consensus as NIfTI (in the input's geometry) and PNG,
 * the model's mean mask and uncertainty map as NIfTI, and a report (JSON + CSV) of the ranking, scores, review
 * status, metrics and provenance. DICOM studies also get DICOM SEG objects (see io/dicom).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExportFormat } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { unpackMask } from '../../shared/masks';
import { sliceLength, type VoxelArray } from '../../shared/volume';
import type { AppContext } from '../context';
import { encodeNifti, type NiftiSourceMeta } from '../io/nifti';
import { encodePngGray } from '../io/png';
import { currentRun, currentStudyMasks, getSliceResult, getStudy, listRois, reviewStatuses, sliceScores, type StudyRecord } from '../store';
import { majorityVote, staple } from '../../shared/metrics';
import { csvCell, safeName } from '../../shared/text';
import { exportDicomSegs, type MaskVolume } from './dicom';
import { studyAgreement } from './metrics';
import type { HandlerGroup } from './registry';

/** The rater masks and consensus of a study as whole volumes (slices a rater never annotated stay empty). */
export function studyMaskVolumes(app: AppContext, study: StudyRecord): { raters: MaskVolume[]; consensus: MaskVolume[]; annotated: Map<number, Set<number>> } {
  const n = sliceLength(study);
  const total = n * study.dims[2];
  const raters = new Map<number, MaskVolume>();
  const annotated = new Map<number, Set<number>>();
  const majority = new Uint8Array(total);
  const stapled = new Uint8Array(total);
  for (const [k, masks] of currentStudyMasks(app.db, study.id)) {
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
  };
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
  const reviews = new Map(raters.map((r) => [r.name, new Map(reviewStatuses(app.db, study.id, r.raterId!).map((x) => [x.sliceIndex, x.status]))]));
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
      review: Object.fromEntries(raters.map((r) => [r.name, annotated.get(r.raterId!)?.has(k) ? (reviews.get(r.name)?.get(k) ?? 'unreviewed') : 'not annotated'])),
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
  const raterNames = report.raters.map((r) => r.raterName);
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

/**
 * Writes into a fresh folder beside the target and renames it into place at the end, so a failed export never
 * leaves a half-written folder that looks complete.
 */
export function exportStudy(app: AppContext, studyId: number, outDir: string, formats: ExportFormat[]): string[] {
  const study = getStudy(app.db, studyId);
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
    if (formats.includes('dicom-seg')) written.push(...exportDicomSegs(app, study, raters, consensus, path.join(staging, 'dicom-seg')));
    if (formats.includes('report')) {
      const report = studyReport(app, study, raters, annotated);
      writeFileSync(path.join(staging, 'report.json'), JSON.stringify(report, null, 2));
      writeFileSync(path.join(staging, 'report.csv'), reportCsv(report));
      written.push(path.join(staging, 'report.json'), path.join(staging, 'report.csv'));
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return written.map((f) => path.join(target, path.relative(staging, f)));
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e instanceof ApiError ? e : new ApiError('bad_input', `export to ${outDir} failed: ${(e as Error).message}`);
  }
}

export const exportHandlers: HandlerGroup<'export.study'> = {
  'export.study': ({ studyId, outDir, formats }, app) => ({ files: exportStudy(app, studyId, outDir, formats) }),
};
