/**
 * Browser-mode fixture: each worker gets a real `caldiff serve` on a fresh data directory (so it opens on the demo
 * studies, as a fresh install does) and the page URL carrying its access token. The specs of a worker share it; a
 * spec whose studies must stay its own takes `serverOfThisFile()`.
 */
import { test as base } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export interface Server {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  process: ChildProcess;
}

export const REPO_ROOT = path.resolve(__dirname, '..');
export const SHARED_DATA = process.env.CALDIFF_SHARED_DATA ?? path.resolve(REPO_ROOT, '..', 'shared', 'data');

export async function startServer(extraArgs: string[] = []): Promise<Server> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'caldiff-e2e-'));
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'caldiff.js'), 'serve', '--json', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`caldiff serve exited with ${code} before it was ready`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return { url, origin: new URL(url).origin, token, dataDir, process: child };
}

export const test = base.extend<object, { server: Server }>({
  server: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      server.process.kill('SIGTERM');
    },
    { scope: 'worker' },
  ],
});

/** A server for the calling spec file alone, started before its tests and stopped after them. */
export function serverOfThisFile(): () => Server {
  let server: Server | undefined;
  test.beforeAll(async () => {
    server = await startServer();
  });
  test.afterAll(() => {
    server?.process.kill('SIGTERM');
  });
  return () => server!;
}

export { expect } from '@playwright/test';
