/**
 * The Electron main process: one window, sandboxed, context-isolated, talking to the services only through the
 * IPC bridge. The renderer is served from the app:// scheme so that it gets the same strict CSP as browser mode.
 */
import { app as electronApp, BrowserWindow, dialog, ipcMain, net, protocol, safeStorage, session, shell, utilityProcess } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp, type App } from './app';
import { useWorkerSpawner, utilityWorker } from './engine/spawn';
import { electronCipher } from './pacs/secrets';
import { APP_ORIGIN, APP_SCHEME, CONTENT_SECURITY_POLICY, isAppUrl, isExternalLink } from './security';
import { seedDemoOnce } from './services/demo';
import { registerIpcBridge } from './transports/ipc';

const rendererDir = path.resolve(__dirname, '..', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      return new Response('malformed path', { status: 400 });
    }
    const file = path.resolve(rendererDir, decoded.replace(/^\/+/, '') || 'index.html');
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
  // Nothing but our own pages: a web link opens in the system browser once the user agrees, navigation elsewhere
  // is refused.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void confirmExternal(win, url);
    return { action: 'deny' };
  });
  const stayHome = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  win.webContents.on('will-navigate', stayHome);
  win.webContents.on('will-redirect', stayHome);
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

/** A page can ask to open any https URL; the user sees it and decides before another program gets it. */
async function confirmExternal(win: BrowserWindow, url: string): Promise<void> {
  const { response } = await dialog.showMessageBox(win, {
    type: 'question',
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: 'Open this link in your web browser?',
    detail: url,
  });
  if (response === 0) await shell.openExternal(url);
}

let app: App | undefined;

electronApp.whenReady().then(async () => {
  // The packaged build's RunAsNode fuse is off, so the sampling worker runs as an Electron utility process.
  useWorkerSpawner(utilityWorker((file, args, options) => utilityProcess.fork(file, args, options)));
  app = createApp({ dataDir: process.env.CALDIFF_DATA_DIR ?? electronApp.getPath('userData'), secrets: (dir) => electronCipher(safeStorage, dir) });
  await seedDemoOnce(app.context);
  serveRenderer();
  // The workstation needs no browser permission (camera, notifications, ...): refuse both the asking and the checking.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, grant) => grant(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  registerIpcBridge(ipcMain, app, (event) => isAppUrl(event.senderFrame?.url));
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
