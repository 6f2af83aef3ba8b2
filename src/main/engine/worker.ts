/**
 * The sampling worker: a child process (bundled as dist/main/sampling-worker.js) so that the native runtime
 * neither blocks the UI nor takes the app down if it crashes. It runs one request, streams progress and
 * per-slice results, honours 'cancel' between denoising steps, and exits. Its parent is either Node's
 * child_process.fork (messages over process.send) or Electron's utilityProcess.fork (process.parentPort): see spawn.ts.
 */
import { ApiError } from '../../shared/errors';
import type { FromWorker, ToWorker } from './protocol';
import { executeRun } from './run';

let cancelled = false;
let started = false;

/** The part of Electron's ParentPort this worker uses (present only in a utility process). */
interface ParentPort {
  postMessage(message: FromWorker): void;
  on(event: 'message', listener: (event: { data: ToWorker }) => void): void;
}
const parentPort = (process as { parentPort?: ParentPort }).parentPort;

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (parentPort) {
      parentPort.postMessage(message);
      return resolve();
    }
    if (!process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

function onMessage(listener: (message: ToWorker) => void): void {
  if (parentPort) parentPort.on('message', (event) => listener(event.data));
  else process.on('message', listener);
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
  // A utility process's postMessage has no delivery callback: exiting now could drop the answer, so the app ends
  // it once the answer has arrived. A forked child's send() has flushed already.
  if (!parentPort) process.exit(0);
}

if (!process.send && !parentPort) {
  console.error('sampling-worker must be started by the app (child_process.fork or utilityProcess.fork), not run directly');
  process.exit(2);
}
onMessage((message) => {
  if (message.type === 'cancel') cancelled = true;
  else if (message.type === 'run' && !started) {
    started = true;
    void run(message.request);
  }
});
// The parent is gone (crashed or closed): nobody wants the result. (Electron ends a utility process with its parent.)
process.on('disconnect', () => process.exit(0));
