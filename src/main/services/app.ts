import type { HandlerGroup } from './registry';

export const appHandlers: HandlerGroup<'app.info' | 'jobs.get' | 'jobs.list' | 'jobs.cancel'> = {
  'app.info': (_req, app, call) => ({
    version: app.version,
    dataDir: app.dataDir,
    transport: call.transport === 'ipc' ? 'ipc' : 'http',
    platform: process.platform,
  }),
  'jobs.get': ({ jobId }, app) => app.jobs.get(jobId),
  'jobs.list': (_req, app) => app.jobs.list(),
  'jobs.cancel': ({ jobId }, app) => app.jobs.cancel(jobId),
};
