import type { Code } from '../../domain';

/** The public shapes of the DICOM layer. Everything here is plain data (JSON-serializable except masks). */

/** Patient and study attributes copied verbatim from a source series into every SEG written for it. */
export const PATIENT_STUDY_KEYWORDS = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'StudyDescription',
] as const;
export type PatientStudyKeyword = (typeof PATIENT_STUDY_KEYWORDS)[number];

export type SegmentAlgorithmType = 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';

export type { Code } from '../../domain';

/** One slice of a series as a SEG must reference it. */
export interface DicomInstance {
  sopInstanceUID: string;
  sopClassUID: string;
  imagePositionPatient: [number, number, number];
  /** InstanceNumber as the file states it (null when absent); studies imported before it was kept lack it. */
  instanceNumber?: number | null;
}

/** What a SEG export needs to know about its source series (store it beside the volume). */
export interface DicomSeriesMeta {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  frameOfReferenceUID: string;
  modality: string;
  seriesNumber: number | null;
  seriesDescription: string;
  /** As found in the files (PatientName as 'Family^Given'); empty when absent. Never invented. */
  patientStudy: Record<PatientStudyKeyword, string>;
  rows: number;
  columns: number;
  /** DICOM order: [between rows, between columns] in mm. */
  pixelSpacing: [number, number];
  imageOrientationPatient: [number, number, number, number, number, number];
  sliceThickness: number | null;
  spacingBetweenSlices: number;
  /** One per slice, in the volume's k order. */
  instances: DicomInstance[];
}

export interface DicomSeriesInfo {
  /** Derived as 2.25.<hash of the instances> when the files carry none (anonymized data). */
  seriesInstanceUID: string;
  studyInstanceUID: string;
  frameOfReferenceUID: string;
  modality: string;
  seriesDescription: string;
  patientID: string;
  /** The series' files (unsorted: readDicomSeries sorts them by position). */
  files: string[];
}

export interface DicomSegInfo {
  path: string;
  sopInstanceUID: string;
  frameOfReferenceUID: string;
  referencedSeriesUIDs: string[];
  segmentationType: string;
  contentCreatorName: string;
  segmentLabels: string[];
}

export interface FileProblem {
  path: string;
  reason: string;
}

export interface DicomScan {
  series: DicomSeriesInfo[];
  segs: DicomSegInfo[];
  /** Files that are not DICOM Part-10 files, or DICOM objects we do not import (reports, RT structures...). */
  skipped: FileProblem[];
  /** DICOM files that are truncated or malformed: an import should fail on these rather than drop them. */
  broken: FileProblem[];
}

export interface SegSlice {
  /** Slice index in the referenced volume. */
  k: number;
  /** 0/1, columns x rows, row-major like a volume slice; a fractional SEG's probability thresholded at 0.5. */
  mask: Uint8Array;
  /** 0..1, only for FRACTIONAL SEGs. */
  probability?: Float32Array;
}

export interface ImportedSegment {
  number: number;
  label: string;
  description: string;
  algorithmType: SegmentAlgorithmType;
  algorithmName: string;
  category: Code | null;
  type: Code | null;
  /** The slices the SEG holds a frame for, sorted by k (frames may be empty). */
  slices: SegSlice[];
}

export interface ImportedSeg {
  path: string;
  sopInstanceUID: string;
  /** The series it lies on (one of the candidates). */
  seriesInstanceUID: string;
  segmentationType: 'BINARY' | 'FRACTIONAL';
  contentCreatorName: string;
  contentLabel: string;
  seriesDescription: string;
  segments: ImportedSegment[];
  warnings: string[];
}

export interface SegmentToWrite {
  label: string;
  description?: string;
  /** Defaults: SCT 49755003 "Morphologically Altered Structure" / SCT 4147007 "Mass". */
  category?: Code;
  type?: Code;
  /** Per slice k: 0/1 values (binary) or probabilities 0..1 (fractional), columns x rows. Empty slices are left out. */
  slices: Array<{ k: number; values: ArrayLike<number> }>;
}

export interface WriteSegOptions {
  series: DicomSeriesMeta;
  segments: SegmentToWrite[];
  /** The rater's name (DICOM PN, e.g. 'Doe^Jane'), or the model for an AUTOMATIC SEG. */
  contentCreatorName: string;
  algorithmType: SegmentAlgorithmType;
  /** Required unless MANUAL (the model id for AUTOMATIC). */
  algorithmName?: string;
  fractional?: boolean;
  seriesDescription?: string;
  seriesNumber?: number;
}
