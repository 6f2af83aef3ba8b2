/**
 * How the sampling worker process is started. Under plain Node (the CLI, browser mode, tests) it is a
 * child_process.fork; the Electron main process switches to utilityProcess.fork at startup, because the packaged
 * app's RunAsNode fuse is off and ELECTRON_RUN_AS_NODE (which fork of the Electron binary needs) is ignored there.
 * Both run the same worker file (worker.ts), which speaks to either parent.
 */
import { fork } from 'node:child_process';
import type { UtilityProcess } from 'electron';
import type { FromWorker, ToWorker } from './protocol';

export interface WorkerProcess {
  readonly pid: number | undefined;
  /** Still running and reachable. */
  readonly running: boolean;
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** Once, when the process has ended or could not start; `how` says why, for the error message. */
  onExit(listener: (how: string) => void): void;
  kill(): void;
}

export type WorkerSpawner = (file: string) => WorkerProcess;

export const forkWorker: WorkerSpawner = (file) => {
  const child = fork(file, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let ended = false;
  return {
    get pid() {
      return child.pid;
    },
    get running() {
      return !ended && child.connected;
    },
    send: (message) => void child.send(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => {
      const end = (how: string) => {
        if (ended) return;
        ended = true;
        listener(how);
      };
      child.on('error', (e) => end(`could not run: ${e.message}`));
      child.on('close', (code, signal) => end(signal ? `signal ${signal}` : `exit code ${code}`));
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
};

/** The Electron main process's spawner: `fork` is electron's utilityProcess.fork. */
export function utilityWorker(forkUtility: (modulePath: string, args: string[], options: { serviceName: string; stdio: 'inherit' }) => UtilityProcess): WorkerSpawner {
  return (file) => {
    const child = forkUtility(file, [], { serviceName: 'CalDiff sampling worker', stdio: 'inherit' });
    let ended = false;
    child.once('exit', () => (ended = true));
    return {
      get pid() {
        return child.pid;
      },
      get running() {
        return !ended;
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => {
        child.once('exit', (code) => listener(`exit code ${code}`));
      },
      kill: () => {
        if (!ended) child.kill();
      },
    };
  };
}

let spawner: WorkerSpawner = forkWorker;

/** Called once by the Electron main process; everything else keeps child_process.fork. */
export function useWorkerSpawner(next: WorkerSpawner): void {
  spawner = next;
}

export const spawnWorker: WorkerSpawner = (file) => spawner(file);
