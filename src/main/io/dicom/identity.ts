/**
 * Who a file is: its instance, series and study UIDs. Anonymized files sometimes carry empty UIDs
 * (the shared JPEG 2000 series does); then stable UIDs are derived from what is there, identically by
 * the folder scan and the series reader, so a SEG exported for such a series finds it again.
 */
import type { DicomFile } from './parse';
import { derivedUid } from './uid';
import { str } from './values';

export const SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

export function sopInstanceUIDOf(file: DicomFile): string {
  return str(file.dataset, 'SOPInstanceUID') || str(file.meta, 'MediaStorageSOPInstanceUID');
}

export function sopClassUIDOf(file: DicomFile): string {
  return str(file.dataset, 'SOPClassUID') || str(file.meta, 'MediaStorageSOPClassUID');
}

export function isSegmentation(file: DicomFile): boolean {
  return sopClassUIDOf(file) === SEGMENTATION_SOP_CLASS || str(file.dataset, 'Modality') === 'SEG';
}

/** Files without a SeriesInstanceUID are grouped by folder, study and frame of reference. */
export function groupKeyOf(file: DicomFile, folder: string): string {
  const uid = str(file.dataset, 'SeriesInstanceUID');
  if (uid) return uid;
  return ['no-series-uid', folder, str(file.dataset, 'StudyInstanceUID'), str(file.dataset, 'FrameOfReferenceUID')].join('|');
}

export interface SeriesIdentity {
  seriesInstanceUID: string;
  studyInstanceUID: string;
  /** Which of the two were derived rather than read. */
  derived: Array<'SeriesInstanceUID' | 'StudyInstanceUID'>;
}

export function seriesIdentityOf(files: DicomFile[]): SeriesIdentity {
  const first = files[0].dataset;
  const derived: SeriesIdentity['derived'] = [];
  let seriesInstanceUID = str(first, 'SeriesInstanceUID');
  if (!seriesInstanceUID) {
    seriesInstanceUID = derivedUid('series', ...[...new Set(files.map(sopInstanceUIDOf))].sort());
    derived.push('SeriesInstanceUID');
  }
  let studyInstanceUID = str(first, 'StudyInstanceUID');
  if (!studyInstanceUID) {
    studyInstanceUID = derivedUid('study', str(first, 'FrameOfReferenceUID') || seriesInstanceUID);
    derived.push('StudyInstanceUID');
  }
  return { seriesInstanceUID, studyInstanceUID, derived };
}
