/** DICOM SEG export of a study imported from DICOM: one SEG per rater, the consensus, and the model's mean. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors';
import { sliceLength } from '../../shared/volume';
import type { AppContext } from '../context';
import { safeName } from '../../shared/text';
import { writeDicomSeg, type DicomSeriesMeta, type SegmentToWrite } from '../io/dicom';
import { currentRun, getSliceResult, segmentDescriptions, type SegmentDescription, type StudyRecord } from '../store';

/** A whole-volume mask to export: a rater's (raterId set) or a consensus (raterId null). */
export interface MaskVolume {
  name: string;
  raterId: number | null;
  mask: Uint8Array;
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
  const row = app.db
    .prepare("SELECT 1 FROM annotations WHERE study_id = ? AND rater_id = ? AND source IN ('model-mean', 'model-sample') LIMIT 1")
    .get(studyId, raterId);
  return row ? 'SEMIAUTOMATIC' : 'MANUAL';
}

export function exportDicomSegs(app: AppContext, study: StudyRecord, raters: MaskVolume[], consensus: MaskVolume[], dir: string): string[] {
  const series = (study.sourceMeta as { dicom?: DicomSeriesMeta }).dicom;
  if (!series) throw new ApiError('bad_input', `DICOM SEG export needs a study imported from DICOM; "${study.name}" came from ${study.source}`);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, bytes: Uint8Array) => {
    const file = path.join(dir, `${safeName(name)}.seg.dcm`);
    writeFileSync(file, bytes);
    files.push(file);
  };
  const described = segmentDescriptions(app.db, study.id);
  for (const r of raters) {
    const segment = segmentOf(study, described.get(r.raterId!) ?? LESION, r.mask);
    if (segment.slices.length === 0) continue;
    write(r.name, writeDicomSeg({ series, segments: [segment], contentCreatorName: r.name, algorithmType: algorithmTypeOf(app, study.id, r.raterId!), algorithmName: 'CalDiff Workstation', seriesDescription: `${segment.label} (${r.name})` }));
  }
  const agreed = consensusDescription(raters, described);
  for (const c of consensus) {
    const segment = segmentOf(study, agreed, c.mask);
    if (segment.slices.length === 0) continue;
    const algorithm = c.name.endsWith('staple') ? 'STAPLE' : 'Majority vote';
    write(c.name, writeDicomSeg({ series, segments: [segment], contentCreatorName: 'CalDiff consensus', algorithmType: 'SEMIAUTOMATIC', algorithmName: algorithm, seriesDescription: `${segment.label} consensus (${algorithm})` }));
  }
  const run = currentRun(app.db, study.id);
  if (run?.state === 'complete') {
    const n = sliceLength(study);
    const mean = new Float32Array(n * study.dims[2]);
    for (let k = 0; k < study.dims[2]; k++) {
      const r = getSliceResult(app.db, run.id, k);
      if (r && r.width * r.height === n) mean.set(r.mean, k * n);
    }
    const segment = segmentOf(study, { ...LESION, label: 'Lesion probability' }, mean);
    if (segment.slices.length > 0)
      write(`model-${run.modelId}`, writeDicomSeg({ series, segments: [segment], contentCreatorName: run.modelId, algorithmType: 'AUTOMATIC', algorithmName: run.modelId, fractional: true, seriesDescription: `Lesion probability (${run.modelId})` }));
  }
  return files;
}
