import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { describe, expect, it } from 'vitest';
import { IPC_CHANNEL } from '../../shared/api';
import type { IpcEnvelope } from '../../shared/client';
import { createApp } from '../app';
import { isAppUrl } from '../security';
import { tempDir } from '../testing/paths';
import { registerIpcBridge } from './ipc';

/** Electron's ipcMain reduced to what the bridge uses: handlers by channel, invoked as the renderer would. */
function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain = {
    handle: (channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>) => handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as IpcMain;
  const invoke = (url: string, ...args: unknown[]) => handlers.get(IPC_CHANNEL)!({ senderFrame: { url } } as IpcMainInvokeEvent, ...args) as Promise<IpcEnvelope>;
  return { ipcMain, handlers, invoke };
}

describe('IPC bridge', () => {
  const app = createApp({ dataDir: tempDir() });
  const { ipcMain, handlers, invoke } = fakeIpcMain();
  const unregister = registerIpcBridge(ipcMain, app, (e) => isAppUrl(e.senderFrame?.url)); // as electron.ts registers it

  it('answers a valid call from the app origin through the same services', async () => {
    const created = await invoke('app://renderer/index.html', 'raters.create', { name: 'Dr. IPC' });
    expect(created).toMatchObject({ ok: true, value: { name: 'Dr. IPC' } });
    expect(await invoke('app://renderer/index.html', 'raters.list', {})).toMatchObject({ ok: true, value: [{ name: 'Dr. IPC' }] });
  });

  it('rejects a malformed body with a validation error and changes nothing', async () => {
    const bad = await invoke('app://renderer/index.html', 'raters.create', { name: '' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'validation' } });
    const notObject = await invoke('app://renderer/index.html', 'studies.get', 'SELECT 1');
    expect(notObject).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await invoke('app://renderer/index.html', 42, {})).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect((app.context.db.prepare('SELECT COUNT(*) AS n FROM raters').get() as { n: number }).n).toBe(1);
  });

  it('refuses calls from any other frame', async () => {
    for (const url of ['https://evil.example/', 'app://renderer.evil/index.html', 'app://renderer:8080/', 'file:///index.html'])
      expect(await invoke(url, 'raters.list', {}), url).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('unregisters its one channel', () => {
    unregister();
    expect(handlers.size).toBe(0);
    app.close();
  });
});
