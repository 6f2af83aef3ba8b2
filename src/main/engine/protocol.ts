/** Messages between the main process and the sampling worker (child_process IPC, 'advanced' serialisation). */
import type { ModelCard } from './card';
import type { SliceOutputs } from '../domain';
import type { SliceInput } from './preprocess';
import type { ProviderReport } from './providers';
import type { SamplerSettings } from './sampler';
import type { SessionOptions } from './session';

export interface RunRequest {
  model: { file: string; card: ModelCard };
  session: SessionOptions;
  settings: SamplerSettings;
  /** Names the slices in warnings, e.g. the study name. */
  label: string;
  slices: (SliceInput & { index: number })[];
}

export interface SliceMessage extends SliceOutputs {
  sliceIndex: number;
  width: number;
  height: number;
  warnings: string[];
  elapsedMs: number;
}

export interface Progress {
  /** Slices finished so far, of `slices`. */
  done: number;
  slices: number;
  sliceIndex: number;
  step: number;
  steps: number;
}

export type ToWorker = { type: 'run'; request: RunRequest } | { type: 'cancel' };

export type FromWorker =
  | { type: 'ready'; report: ProviderReport; loadMs: number }
  | { type: 'progress'; progress: Progress }
  | { type: 'slice'; slice: SliceMessage }
  | { type: 'done' }
  | { type: 'error'; error: { code: string; message: string; details?: unknown } };
