/**
 * The Electron IPC bridge: one channel, one handler, the same dispatch as HTTP, answers in an IpcEnvelope.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { IPC_CHANNEL } from '../../shared/api';
import type { IpcEnvelope } from '../../shared/client';
import { ApiError } from '../../shared/errors';
import type { App } from '../app';

export function registerIpcBridge(ipcMain: IpcMain, app: App, isTrustedSender: (event: IpcMainInvokeEvent) => boolean): () => void {
  ipcMain.handle(IPC_CHANNEL, async (event, op: unknown, request: unknown): Promise<IpcEnvelope> => {
    try {
      if (!isTrustedSender(event)) throw new ApiError('unauthorized', 'call from an untrusted frame');
      if (typeof op !== 'string') throw new ApiError('validation', 'operation name must be a string');
      return { ok: true, value: await app.call(op, request, { transport: 'ipc' }) };
    } catch (e) {
      return { ok: false, error: ApiError.from(e).toJSON() };
    }
  });
  return () => ipcMain.removeHandler(IPC_CHANNEL);
}
