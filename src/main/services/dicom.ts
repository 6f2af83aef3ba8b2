/** DICOM SEG export of a study imported from DICOM: one SEG per rater, the consensus, and the model's mean. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors';
import { sliceLength } from '../../shared/volume';
import type { AppContext } from '../context';
import { safeName } from '../../shared/text';
import { writeDicomSeg, type DicomSeriesMeta, type SegmentToWrite } from '../io/dicom';
import { currentRun, getSliceResult, raterUsedModelMasks, segmentDescriptions, type SegmentDescription, type StudyRecord } from '../store';

/** A whole-volume mask to export: a rater's (raterId set) or a consensus (raterId null). */
export interface MaskVolume {
  name: string;
  raterId: number | null;
  mask: Uint8Array;
}

/** The adjudicated final mask over a study: who adjudicated it and what each final slice started from. */
export interface FinalVolume extends MaskVolume {
  adjudicators: string[];
  bases: string[];
}

const LESION: SegmentDescription = { label: 'Lesion', category: null, type: null };

function segmentOf(study: StudyRecord, d: SegmentDescription, values: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }): SegmentToWrite {
  const n = sliceLength(study);
  const slices: SegmentToWrite['slices'] = [];
  for (let k = 0; k < study.dims[2]; k++) {
    const slice = values.subarray(k * n, (k + 1) * n);
    for (let i = 0; i < n; i++)
      if (slice[i]) {
        slices.push({ k, values: slice });
        break;
      }
  }
  return { label: d.label, ...(d.category ? { category: d.category } : {}), ...(d.type ? { type: d.type } : {}), slices };
}

/**
 * A consensus depicts what its raters' masks depict when they all agree on it (every rater imported from SEG
 * segments of the same coded type); otherwise it is a lesion, like the masks drawn here.
 */
function consensusDescription(raters: MaskVolume[], described: Map<number, SegmentDescription>): SegmentDescription {
  const ds = raters.map((r) => (r.raterId === null ? undefined : described.get(r.raterId)));
  const first = ds[0];
  const same = first?.type && ds.every((d) => d?.type && d.type.value === first.type!.value && d.type.scheme === first.type!.scheme);
  return same ? { ...first, label: first.type!.meaning || first.label } : LESION;
}

/** A rater who started from the model's mask on any slice made a SEMIAUTOMATIC segmentation. */
function algorithmTypeOf(app: AppContext, studyId: number, raterId: number): 'MANUAL' | 'SEMIAUTOMATIC' {
  return raterUsedModelMasks(app.db, studyId, raterId) ? 'SEMIAUTOMATIC' : 'MANUAL';
}

/** What a SEG is of: one reader's masks, a consensus, or the model's probabilities. */
export type SegKind = 'reader' | 'consensus' | 'model' | 'final';

/** One SEG to write or send, with what it encodes (for deciding whether an identical one was sent already). */
export interface SegObject {
  kind: SegKind;
  /** A stable name: the rater's, 'consensus-majority' / 'consensus-staple', or 'model-<id>'. */
  name: string;
  content: Uint8Array | Float32Array;
  bytes: Uint8Array;
}

/** Who a consensus SEG says made it: the archive retrieval must not take it for a reader. */
export const CONSENSUS_CREATOR = 'CalDiff consensus';
/** Likewise for the final SEG (the adjudicators are named in its series description). */
export const FINAL_CREATOR = 'CalDiff^Final';

/** The study's SEG objects of the kinds asked for; an empty mask gives none. */
export function segObjects(app: AppContext, study: StudyRecord, raters: MaskVolume[], consensus: MaskVolume[], final: FinalVolume | null, kinds: readonly SegKind[]): SegObject[] {
  const series = (study.sourceMeta as { dicom?: DicomSeriesMeta }).dicom;
  if (!series) throw new ApiError('bad_input', `DICOM SEG export needs a study imported from DICOM; "${study.name}" came from ${study.source}`);
  const out: SegObject[] = [];
  const described = segmentDescriptions(app.db, study.id);
  if (kinds.includes('reader'))
    for (const r of raters) {
      const segment = segmentOf(study, described.get(r.raterId!) ?? LESION, r.mask);
      if (segment.slices.length === 0) continue;
      const bytes = writeDicomSeg({ series, segments: [segment], contentCreatorName: r.name, algorithmType: algorithmTypeOf(app, study.id, r.raterId!), algorithmName: 'CalDiff Workstation', seriesDescription: `${segment.label} (${r.name})` });
      out.push({ kind: 'reader', name: r.name, content: r.mask, bytes });
    }
  const agreed = consensusDescription(raters, described);
  if (kinds.includes('consensus'))
    for (const c of consensus) {
      const segment = segmentOf(study, agreed, c.mask);
      if (segment.slices.length === 0) continue;
      const algorithm = c.name.endsWith('staple') ? 'STAPLE' : 'Majority vote';
      const bytes = writeDicomSeg({ series, segments: [segment], contentCreatorName: CONSENSUS_CREATOR, algorithmType: 'SEMIAUTOMATIC', algorithmName: algorithm, seriesDescription: `${segment.label} consensus (${algorithm})` });
      out.push({ kind: 'consensus', name: c.name, content: c.mask, bytes });
    }
  if (kinds.includes('final') && final) {
    const segment = segmentOf(study, agreed, final.mask);
    // A final slice taken from a consensus or the model (unedited) came from an algorithm; one picked or drawn by hand did not.
    const algorithmic = final.bases.some((b) => b.startsWith('consensus') || b === 'model-mean');
    if (segment.slices.length > 0) {
      const bytes = writeDicomSeg({
        series,
        segments: [segment],
        contentCreatorName: FINAL_CREATOR,
        algorithmType: algorithmic ? 'SEMIAUTOMATIC' : 'MANUAL',
        algorithmName: 'CalDiff Workstation adjudication',
        seriesDescription: `${segment.label} final (adjudicated by ${final.adjudicators.join(', ')})`.slice(0, 64),
      });
      out.push({ kind: 'final', name: 'final', content: final.mask, bytes });
    }
  }
  const run = currentRun(app.db, study.id);
  if (kinds.includes('model') && run?.state === 'complete') {
    const n = sliceLength(study);
    const mean = new Float32Array(n * study.dims[2]);
    for (let k = 0; k < study.dims[2]; k++) {
      const r = getSliceResult(app.db, run.id, k);
      if (r && r.width * r.height === n) mean.set(r.mean, k * n);
    }
    const segment = segmentOf(study, { ...LESION, label: 'Lesion probability' }, mean);
    if (segment.slices.length > 0) {
      const bytes = writeDicomSeg({ series, segments: [segment], contentCreatorName: run.modelId, algorithmType: 'AUTOMATIC', algorithmName: run.modelId, fractional: true, seriesDescription: `Lesion probability (${run.modelId})` });
      out.push({ kind: 'model', name: `model-${run.modelId}`, content: mean, bytes });
    }
  }
  return out;
}

export function exportDicomSegs(
  app: AppContext,
  study: StudyRecord,
  raters: MaskVolume[],
  consensus: MaskVolume[],
  final: FinalVolume | null,
  dir: string,
  kinds: readonly SegKind[] = ['reader', 'consensus', 'model', 'final'],
): string[] {
  const objects = segObjects(app, study, raters, consensus, final, kinds);
  mkdirSync(dir, { recursive: true });
  return objects.map((o) => {
    const file = path.join(dir, `${safeName(o.name)}.seg.dcm`);
    writeFileSync(file, o.bytes);
    return file;
  });
}
