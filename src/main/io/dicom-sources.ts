/**
 * DICOM for import: series become studies (volume in HU + what SEG export needs), SEG objects become rater masks
 * on the series they reference, whether that series comes in the same import or is already in the store.
 */
import path from 'node:path';
import type { NewStudy, SegmentDescription } from '../domain';
import { fromPersonName } from './dicom/person-name';
import { readDicomSeg, readDicomSeries, type DicomSeriesInfo, type DicomSeriesMeta, type ImportedSeg } from './dicom';

export interface DicomStudy extends NewStudy {
  meta: DicomSeriesMeta;
}

/** One rater's masks from a SEG segment, by slice. */
export interface SegMasks {
  seriesInstanceUID: string;
  raterName: string;
  /** MANUAL / SEMIAUTOMATIC / AUTOMATIC, as the SEG states it. */
  algorithmType: string;
  /** The segment's label and codes, kept so that an export describes the masks as the source did. */
  description: SegmentDescription;
  slices: { k: number; mask: Uint8Array }[];
}

export async function readDicomStudy(series: DicomSeriesInfo): Promise<DicomStudy> {
  const { volume, meta, warnings } = await readDicomSeries(series);
  const patient = meta.patientStudy.PatientID || null;
  const label = meta.seriesDescription || `${meta.modality} series${meta.seriesNumber === null ? '' : ` ${meta.seriesNumber}`}`;
  return {
    name: [patient, label].filter(Boolean).join(' '),
    patientId: patient,
    source: 'dicom',
    sourcePath: path.dirname(series.files[0]),
    volume,
    sourceMeta: { dicom: meta },
    notes: warnings,
    meta,
  };
}

/**
 * A SEG's segments as rater masks. The rater is the SEG's content creator; a SEG with several segments (possibly
 * overlapping) gives one rater per segment, so that no segment overwrites another.
 */
export function readSegMasks(file: string, candidates: DicomSeriesMeta[]): SegMasks[] {
  const seg: ImportedSeg = readDicomSeg(file, candidates);
  const creator = fromPersonName(seg.contentCreatorName) || seg.contentLabel || path.basename(file);
  return seg.segments.map((s) => ({
    seriesInstanceUID: seg.seriesInstanceUID,
    raterName: seg.segments.length > 1 ? `${creator} (${s.label || `segment ${s.number}`})` : creator,
    algorithmType: s.algorithmType,
    description: { label: s.label || `segment ${s.number}`, category: s.category, type: s.type },
    slices: s.slices.map(({ k, mask }) => ({ k, mask })),
  }));
}
