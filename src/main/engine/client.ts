/**
 * The main-process side of the sampling worker: fork it, hand it one request, turn its messages into callbacks,
 * and turn its death (crash, kill, native abort) into an error instead of taking the app with it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors';
import type { FromWorker, Progress, RunRequest, SliceMessage, ToWorker } from './protocol';
import type { ProviderReport } from './providers';

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
  // Under Electron, process.execPath is the Electron binary: ELECTRON_RUN_AS_NODE makes it a plain Node.
  const child: ChildProcess = fork(workerPath, [], {
    serialization: 'advanced',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
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
      if (child.exitCode === null && child.signalCode === null) child.kill();
    };
    child.on('message', (message: FromWorker) => {
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
    child.on('error', (e) => finish(new ApiError('internal', `the sampling worker failed: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (cancelRequested) finish(new ApiError('cancelled', 'sampling was cancelled'));
      else
        finish(
          new ApiError(
            'internal',
            `the sampling worker stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); the app is unaffected, the run was not completed`,
          ),
        );
    });
  });
  child.send({ type: 'run', request } satisfies ToWorker);

  return {
    done,
    pid: child.pid,
    cancel() {
      if (settled || cancelRequested) return;
      cancelRequested = true;
      if (child.connected) child.send({ type: 'cancel' } satisfies ToWorker);
      killTimer = setTimeout(() => child.kill('SIGKILL'), CANCEL_GRACE_MS);
    },
  };
}
