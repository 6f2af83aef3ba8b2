/**
 * The preload exposes exactly the API contract to the renderer, and nothing else: one `call` function taking an
 * operation name of the contract (checked against the zod-free list in src/shared/ops.ts, so this sandboxed bundle
 * holds no zod) and its request, answering with an IpcEnvelope (plain data, so error codes
 * survive the context bridge). Validation happens in the main process.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_CHANNEL, isOpName } from '../shared/ops';
import type { IpcEnvelope } from '../shared/client';

const bridge = {
  call(op: string, request: unknown): Promise<IpcEnvelope> {
    if (!isOpName(op)) return Promise.resolve({ ok: false, error: { code: 'not_found', message: `unknown operation "${op}"` } });
    return ipcRenderer.invoke(IPC_CHANNEL, op, request) as Promise<IpcEnvelope>;
  },
  platform: process.platform,
};

export type CaldiffBridge = typeof bridge;

contextBridge.exposeInMainWorld('caldiff', bridge);
