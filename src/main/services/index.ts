import type { Handlers } from './registry';
import { appHandlers } from './app';
import { studyHandlers } from './studies';
import { annotationHandlers } from './annotations';
import { triageHandlers } from './triage';
import { metricsHandlers } from './metrics';
import { exportHandlers } from './export';
import { volumeHandlers } from './volumes';
import { pacsHandlers } from './pacs';
import { roiHandlers } from './rois';
import { adjudicationHandlers } from './adjudication';

/** Every operation of the contract, implemented once; transports and the CLI only ever call through here. */
export const handlers: Handlers = {
  ...appHandlers,
  ...studyHandlers,
  ...annotationHandlers,
  ...triageHandlers,
  ...metricsHandlers,
  ...exportHandlers,
  ...volumeHandlers,
  ...pacsHandlers,
  ...roiHandlers,
  ...adjudicationHandlers,
};
