import { spawn } from 'node:child_process';
import path from 'node:path';
import { seedDemoOnce } from '../../services/demo';
import { startHttpBridge } from '../../transports/http';
import { intOption, type Command } from '../command';

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined); // no desktop browser: the printed URL is enough
  child.unref();
}

/**
 * A long-running server must not be ended by one stray error (a rejected promise or a throw in a callback that
 * nothing awaited): log it and keep answering. Requests themselves are already answered with an error.
 */
function keepServingOnStrayErrors(log: (line: string) => void): void {
  const report = (e: unknown) => log(`caldiff serve: unexpected error (still serving): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.on('unhandledRejection', report);
  process.on('uncaughtException', report);
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'browser mode: serve the workstation and its API on this computer (prints the URL with its access token)',
  forms: [],
  options: {
    port: { type: 'string', value: 'N', help: 'the port (0: any free one)', default: '0' },
    host: { type: 'string', value: 'ADDRESS', help: 'the address to bind', default: '127.0.0.1' },
    'allow-remote': { type: 'boolean', help: 'answer peers other than this computer (with --host)' },
    open: { type: 'boolean', help: 'open the page in the browser' },
    'no-demo': { type: 'boolean', help: 'do not seed the demo studies into an empty store' },
  },
  async run(ctx) {
    keepServingOnStrayErrors(ctx.err);
    const app = ctx.app();
    if (!ctx.values['no-demo']) await seedDemoOnce(app.context);
    const bridge = await startHttpBridge(app, {
      port: intOption(ctx, 'port')!,
      host: String(ctx.values.host),
      allowRemote: Boolean(ctx.values['allow-remote']),
      rendererDir: path.resolve(__dirname, '..', 'renderer'),
    });
    if (ctx.json) ctx.out(JSON.stringify({ url: bridge.url, port: bridge.port, token: bridge.token, dataDir: app.context.dataDir }));
    else ctx.out(`CalDiff Workstation (browser mode) at ${bridge.url}\ndata: ${app.context.dataDir}\nCtrl+C stops it.`);
    // The browser's command line is readable by every user of this computer: hand it a one-time link, not the token.
    if (ctx.values.open) openBrowser(bridge.launchUrl());
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    // Jobs write to the store: stop them before it closes, so shutdown neither logs writes into a closed store
    // nor waits on a sampling worker. Whatever still holds the process after that must not keep it alive.
    await app.context.jobs.cancelAllAndSettle(10_000);
    await bridge.close();
    setTimeout(() => process.exit(0), 5_000).unref();
    return 0;
  },
};
