/**
 * The Electron main process: one window, sandboxed, context-isolated, talking to the services only through the
 * IPC bridge. The renderer is served from the app:// scheme so that it gets the same strict CSP as browser mode.
 */
import { app as electronApp, BrowserWindow, ipcMain, net, protocol, safeStorage, session, shell } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp, type App } from './app';
import { electronCipher } from './pacs/secrets';
import { CONTENT_SECURITY_POLICY } from './security';
import { seedDemoOnce } from './services/demo';
import { registerIpcBridge } from './transports/ipc';

const SCHEME = 'app';
const ORIGIN = `${SCHEME}://renderer`;
const rendererDir = path.resolve(__dirname, '..', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function serveRenderer(): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = path.resolve(rendererDir, decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html');
    if (!file.startsWith(rendererDir + path.sep)) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
    return new Response(res.body, { status: res.status, headers });
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1600,
    height: 1000,
    title: 'CalDiff Workstation',
    backgroundColor: '#111418',
    webPreferences: {
      preload: path.resolve(__dirname, '..', 'preload', 'index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  // Nothing but our own pages: links open in the system browser, navigation elsewhere is refused.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(ORIGIN)) event.preventDefault();
  });
  void win.loadURL(`${ORIGIN}/index.html`);
  return win;
}

let app: App | undefined;

electronApp.whenReady().then(async () => {
  app = createApp({ dataDir: process.env.CALDIFF_DATA_DIR ?? electronApp.getPath('userData'), secrets: (dir) => electronCipher(safeStorage, dir) });
  await seedDemoOnce(app);
  serveRenderer();
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, grant) => grant(false));
  registerIpcBridge(ipcMain, app, (event) => new URL(event.senderFrame?.url ?? 'about:blank').origin === ORIGIN);
  createWindow();
  electronApp.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}, (e: unknown) => {
  console.error('CalDiff Workstation could not start:', e);
  electronApp.exit(1);
});

electronApp.on('window-all-closed', () => {
  if (process.platform !== 'darwin') electronApp.quit();
});

electronApp.on('will-quit', () => {
  app?.close();
});
