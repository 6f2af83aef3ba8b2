/**
 * The sampling worker: a child process (bundled as dist/main/sampling-worker.js) so that the native runtime
 * neither blocks the UI nor takes the app down if it crashes. It runs one request, streams progress and
 * per-slice results, honours 'cancel' between denoising steps, and exits.
 */
import { ApiError } from '../../shared/errors';
import type { FromWorker, ToWorker } from './protocol';
import { executeRun } from './run';

let cancelled = false;
let started = false;

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

async function run(request: Extract<ToWorker, { type: 'run' }>['request']): Promise<void> {
  try {
    await executeRun(request, {
      ready: (report, loadMs) => void send({ type: 'ready', report, loadMs }),
      progress: (progress) => void send({ type: 'progress', progress }),
      slice: (slice) => void send({ type: 'slice', slice }),
      cancelled: () => cancelled,
    });
    await send({ type: 'done' });
  } catch (e) {
    const error = ApiError.from(e);
    await send({ type: 'error', error: error.toJSON() });
  }
  process.exit(0);
}

if (!process.send) {
  console.error('sampling-worker must be started by the app (child_process.fork), not run directly');
  process.exit(2);
}
process.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') cancelled = true;
  else if (message.type === 'run' && !started) {
    started = true;
    void run(message.request);
  }
});
// The parent is gone (crashed or closed): nobody wants the result.
process.on('disconnect', () => process.exit(0));
