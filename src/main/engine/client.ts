/**
 * The main-process side of the sampling worker: start it (spawn.ts), hand it one request, turn its messages into callbacks,
 * and turn its death (crash, kill, native abort) into an error instead of taking the app with it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors';
import type { FromWorker, Progress, RunRequest, SliceMessage, ToWorker } from './protocol';
import type { ProviderReport } from './providers';
import { spawnWorker } from './spawn';

export const WORKER_FILE = 'sampling-worker.js';

/** A cancelled worker that has not stopped after this long (a native call that never returns) is killed. */
const CANCEL_GRACE_MS = 10_000;

export interface SamplingEvents {
  ready?(report: ProviderReport, loadMs: number): void;
  progress?(p: Progress): void;
  slice?(s: SliceMessage): void | Promise<void>;
}

export interface SamplingHandle {
  /** Resolves when every slice has been delivered; rejects with an ApiError ('cancelled' after cancel()). */
  readonly done: Promise<void>;
  readonly pid: number | undefined;
  cancel(): void;
}

/**
 * Where the bundled worker lies: beside the bundle that imports this module (dist/main), unless
 * CALDIFF_SAMPLING_WORKER names another file (tests build one from source).
 */
export function defaultWorkerPath(): string {
  return process.env.CALDIFF_SAMPLING_WORKER ?? path.join(__dirname, WORKER_FILE);
}

export function startSampling(request: RunRequest, events: SamplingEvents, workerPath = defaultWorkerPath()): SamplingHandle {
  if (!existsSync(workerPath)) throw new ApiError('unavailable', `the sampling worker ${workerPath} is missing: run "npm run build" first`);
  const child = spawnWorker(workerPath);
  let settled = false;
  let cancelRequested = false;
  let killTimer: NodeJS.Timeout | undefined;
  let pending: Promise<void> = Promise.resolve();

  const done = new Promise<void>((resolve, reject) => {
    const finish = (error: ApiError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      // Slice callbacks may be async (a store write): the run is over only once they are.
      pending.then(
        () => (error ? reject(error) : resolve()),
        (e: unknown) => reject(ApiError.from(e)),
      );
      child.kill(); // a worker that has answered has nothing left to do (a utility process does not exit by itself)
    };
    child.onMessage((message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          events.ready?.(message.report, message.loadMs);
          break;
        case 'progress':
          events.progress?.(message.progress);
          break;
        case 'slice':
          pending = pending.then(() => events.slice?.(message.slice));
          break;
        case 'done':
          finish(cancelRequested ? new ApiError('cancelled', 'sampling was cancelled') : null);
          break;
        case 'error':
          finish(ApiError.from(message.error));
          break;
      }
    });
    child.onExit((how) => {
      if (cancelRequested) finish(new ApiError('cancelled', 'sampling was cancelled'));
      else finish(new ApiError('internal', `the sampling worker stopped unexpectedly (${how}); the app is unaffected, the run was not completed`));
    });
  });
  child.send({ type: 'run', request } satisfies ToWorker);

  return {
    done,
    pid: child.pid,
    cancel() {
      if (settled || cancelRequested) return;
      cancelRequested = true;
      if (child.running) child.send({ type: 'cancel' } satisfies ToWorker);
      killTimer = setTimeout(() => child.kill(), CANCEL_GRACE_MS);
    },
  };
}
