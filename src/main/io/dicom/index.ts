/**
 * DICOM in and out, in pure Node: CT series → Volume (HU, LPS geometry), DICOM SEG → rater masks,
 * rater/consensus/model masks → DICOM SEG. See README.md beside this file.
 */
export { scanDicomFolder } from './scan';
export { readDicomSeries, type DicomSeriesRead } from './series';
export { readDicomSeg } from './seg-read';
export { writeDicomSeg, DEFAULT_CATEGORY, DEFAULT_TYPE } from './seg-write';
export type {
  Code,
  DicomInstance,
  DicomScan,
  DicomSegInfo,
  DicomSeriesInfo,
  DicomSeriesMeta,
  FileProblem,
  ImportedSeg,
  ImportedSegment,
  SegSlice,
  SegmentAlgorithmType,
  SegmentToWrite,
  WriteSegOptions,
} from './types';
