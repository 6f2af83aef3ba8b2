/**
 * The main process's shared domain types: what import produces, what the engine computes and what the store
 * keeps. They live below every folder of src/main (see docs/architecture.md, "Layers inside the main process"),
 * so the store, the file readers and the engine can all speak them without importing one another.
 */
import type { StudySummary } from '../shared/api';
import type { Volume } from '../shared/volume';

export type StudySource = StudySummary['source'];

/** A study as import produces it: the volume plus what export needs to line up with the original files. */
export interface NewStudy {
  name: string;
  patientId: string | null;
  source: StudySource;
  sourcePath: string;
  volume: Volume;
  sourceMeta: Record<string, unknown>;
  notes: string[];
}

/** A coded concept (DICOM code sequence item). */
export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

/** What a rater's masks on a study depict, as an imported DICOM SEG described its segment. */
export interface SegmentDescription {
  label: string;
  category: Code | null;
  type: Code | null;
}

/** What the engine makes of one slice's N samples (engine/outputs.ts computes it). */
export interface SliceOutputs {
  /** The N binary samples, one byte per pixel. */
  samples: Uint8Array[];
  mean: Float32Array;
  uncertainty: Float32Array;
  entropy: Float32Array;
  totalUncertainty: number;
  lesionUncertainty: number;
  score: number;
  meanArea: number;
}

/** One slice of a run as stored: the engine's outputs plus where and how they were made. */
export interface SliceResult extends SliceOutputs {
  sliceIndex: number;
  width: number;
  height: number;
  warnings: string[];
  elapsedMs: number;
  /** The region of interest it was cut out of; null (the default): the whole image. */
  roiId?: number | null;
}
