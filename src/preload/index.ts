/**
 * The preload exposes exactly the API contract to the renderer, and nothing else: one `call` function taking an
 * operation name from src/shared/api.ts and its request. Validation happens in the main process.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_CHANNEL, isOpName } from '../shared/api';
import { ApiError } from '../shared/errors';
import type { IpcEnvelope } from '../shared/client';

const bridge = {
  async call(op: string, request: unknown): Promise<unknown> {
    if (!isOpName(op)) throw new ApiError('not_found', `unknown operation "${op}"`);
    const answer = (await ipcRenderer.invoke(IPC_CHANNEL, op, request)) as IpcEnvelope;
    if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code, details: answer.error.details });
    return answer.value;
  },
  platform: process.platform,
};

export type CaldiffBridge = typeof bridge;

contextBridge.exposeInMainWorld('caldiff', bridge);
