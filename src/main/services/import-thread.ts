/** The main-thread side of the import worker: start it on one import and turn its messages into a promise. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ApiError, type ApiErrorCode } from '../../shared/errors';
import type { ImportOptions, ImportOutcome } from './studies';

export const IMPORT_WORKER_FILE = 'import-worker.js';

export interface ImportJob {
  dataDir: string;
  paths: string[];
  actor: string;
  once?: ImportOptions['once'];
}

export type ImportProgress = Parameters<NonNullable<ImportOptions['onProgress']>>[0];

export type FromImportWorker =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; outcome: ImportOutcome }
  | { type: 'failed'; error: { code: ApiErrorCode; message: string; details?: unknown } };

/** Beside the bundle that imports this module (dist/main), unless CALDIFF_IMPORT_WORKER names another (tests). */
export function importWorkerPath(): string {
  return process.env.CALDIFF_IMPORT_WORKER ?? path.join(__dirname, IMPORT_WORKER_FILE);
}

/** Runs importPaths (services/studies.ts) in a worker thread on the store of `dataDir`. */
export function importOffThread(job: ImportJob, onProgress?: (p: ImportProgress) => void): Promise<ImportOutcome> {
  const file = importWorkerPath();
  if (!existsSync(file)) throw new ApiError('unavailable', `the import worker ${file} is missing: run "npm run build" first`);
  const worker = new Worker(file, { workerData: job });
  return new Promise<ImportOutcome>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on('message', (message: FromImportWorker) => {
      if (message.type === 'progress') onProgress?.(message.progress);
      else if (message.type === 'done') settle(() => resolve(message.outcome));
      else settle(() => reject(ApiError.from(message.error)));
    });
    worker.on('error', (err) => settle(() => reject(new ApiError('internal', `the import stopped unexpectedly: ${err.message}`))));
    worker.on('exit', (code) => settle(() => reject(new ApiError('internal', `the import worker stopped unexpectedly (exit code ${code})`))));
  });
}
