/**
 * The Electron shell itself: launches the built app with Playwright's Electron driver where the Electron binary
 * is installed. npm installs the electron package without its binary when the download host is unreachable; then
 * this test says so in one line and is skipped.
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './fixtures';

/** The electron package resolves to its binary's path, and throws when the binary was never downloaded. */
function electronBinary(): string | null {
  try {
    return createRequire(__filename)('electron') as string;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) console.log('Electron e2e SKIPPED: the Electron binary is not installed here (npm could not download it); run `npx install-electron` where it can be fetched.');

test.describe('Electron app', () => {
  test.skip(!binary, 'Electron binary not installed');

  test('opens a sandboxed window on the demo studies through the IPC bridge', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'caldiff-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: [REPO_ROOT, '--no-sandbox'],
      env: { ...process.env, CALDIFF_DATA_DIR: dataDir },
    });
    const window = await app.firstWindow();
    // Sandboxed and context-isolated: the page sees neither Node nor Electron, only the one bridge.
    expect(await window.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process])).toEqual(['undefined', 'undefined']);
    expect(await window.evaluate(() => Object.keys((window as unknown as { caldiff: object }).caldiff).sort())).toEqual(['call', 'platform']);
    // The page's own bridge, called inside the page (Playwright serialises only the function and its argument).
    const call = (op: string, request: unknown) =>
      window.evaluate(
        ([o, r]) => (globalThis as unknown as { caldiff: { call(op: unknown, r: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> } }).caldiff.call(o, r),
        [op, request] as const,
      );
    const studies = await call('studies.list', {});
    expect(studies.ok).toBe(true);
    expect((studies.value as { name: string }[]).map((s) => s.name)).toContain('LIDC-IDRI-0161 nodule-0');
    // A malformed request is refused by validation in main, and its error code survives the context bridge.
    expect(await call('studies.get', { studyId: 'one' })).toMatchObject({ ok: false, error: { code: 'validation' } });
    await expect(window.getByText('LIDC-IDRI-0161 nodule-0').first()).toBeVisible();
    await app.close();
  });
});
