import type { Handlers } from './registry';
import { appHandlers } from './app';
import { studyHandlers } from './studies';
import { annotationHandlers } from './annotations';
import { metricsHandlers } from './metrics';

/** Every operation of the contract, implemented once; transports and the CLI only ever call through here. */
export const handlers: Partial<Handlers> = {
  ...appHandlers,
  ...studyHandlers,
  ...annotationHandlers,
  ...metricsHandlers,
};
