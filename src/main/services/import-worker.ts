/**
 * The import worker: a worker thread (bundled as dist/main/import-worker.js) that reads, decodes and writes one
 * import with its own connection to the store, so that a large or hostile file never blocks the thread that
 * answers the UI and the HTTP bridge. The main thread starts it through import-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../shared/errors';
import { openDatabase } from '../store';
import type { FromImportWorker, ImportJob } from './import-thread';
import { importPaths } from './studies';

async function run(port: NonNullable<typeof parentPort>, job: ImportJob): Promise<void> {
  const post = (message: FromImportWorker) => port.postMessage(message);
  let db;
  try {
    db = openDatabase(job.dataDir);
    const outcome = await importPaths(db, job.paths, job.actor, {
      once: job.once,
      onProgress: (progress) => post({ type: 'progress', progress }),
    });
    post({ type: 'done', outcome });
  } catch (err) {
    post({ type: 'failed', error: ApiError.from(err).toJSON() });
  } finally {
    db?.close();
  }
}

if (parentPort) void run(parentPort, workerData as ImportJob);
else console.error('import-worker must be started by the app (a worker thread), not run directly');
