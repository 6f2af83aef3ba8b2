/**
 * Masks in every view: a LIDC nodule with 24 slices and four readers' masks, opened unblinded in the MPR layout.
 * The coronal and sagittal planes draw the readers' masks as vtk.js labelmaps (filled or as outlines, each reader
 * switchable) and the 3D view draws them as surfaces.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, SHARED_DATA, test } from './fixtures';
import { changedPixels, chooseNewRater, colourfulPixels } from './workstation-helpers';

test.describe.configure({ timeout: 180_000 });

test("the coronal, sagittal and 3D views show the readers' masks, filled or as outlines, one reader at a time", async ({ page, server }) => {
  await page.goto(server.url);
  await chooseNewRater(page, 'Dr Planes');
  await page.getByTestId('blinded-toggle').uncheck();
  // A copy of its own: other tests on this server draw on the shared crop, and the counts below are its four readers.
  const nodule = path.join(mkdtempSync(path.join(os.tmpdir(), 'caldiff-mpr-')), 'LIDC-IDRI-0811', 'nodule-0');
  cpSync(path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0811', 'nodule-0'), nodule, { recursive: true });
  await page.getByTestId('import-path').fill(nodule);
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('study-title')).toHaveText('LIDC-IDRI-0811 nodule-0');
  await expect(page.getByTestId('slice-number')).toHaveText('Slice 1 / 24');
  await page.keyboard.press('PageDown');
  await expect(page.getByTestId('slice-view')).toHaveAttribute('data-rendered-slice', '10');
  await expect(page.getByTestId('rater-toggle')).toHaveCount(4);

  await page.getByTestId('layout-toggle').click();
  const coronal = page.getByTestId('plane-coronal');
  const sagittal = page.getByTestId('plane-sagittal');
  const volume = page.getByTestId('volume-view');
  for (const view of [coronal, sagittal]) await expect(view).toHaveAttribute('data-overlays', '5', { timeout: 90_000 }); // four readers and the own (empty) mask
  await expect(volume).toHaveAttribute('data-overlays', '5');

  // The masks are what colours the planes: with the readers switched off (A) the colour goes.
  const filled = { coronal: 0, sagittal: 0 };
  await expect.poll(async () => (filled.coronal = await colourfulPixels(coronal)), { timeout: 90_000 }).toBeGreaterThan(200);
  filled.sagittal = await colourfulPixels(sagittal);
  expect(filled.sagittal).toBeGreaterThan(200);
  const withMasks3d = await volume.screenshot({ style: '.corner { visibility: hidden; }' });
  await page.screenshot({ path: 'docs/screenshots/mpr-masks.png' });

  await page.keyboard.press('a');
  await expect(coronal).toHaveAttribute('data-overlays', '1');
  await expect.poll(() => colourfulPixels(coronal), { timeout: 90_000 }).toBeLessThan(filled.coronal / 10);
  expect(await colourfulPixels(sagittal)).toBeLessThan(filled.sagittal / 10);
  // In 3D the readers' surfaces go, and the anatomy behind them shows.
  await expect.poll(() => changedPixels(volume, withMasks3d, '.corner'), { timeout: 90_000 }).toBeGreaterThan(300);
  await page.keyboard.press('a');
  await expect(coronal).toHaveAttribute('data-overlays', '5');

  // Outlines (W) keep the readers readable: the insides clear, the outlines stay coloured.
  const filledShot = await coronal.screenshot({ style: '.orientation, .slice-line, .corner { visibility: hidden; }' });
  await page.keyboard.press('w');
  await expect(page.getByTestId('overlay-outline')).toBeChecked();
  await expect.poll(() => changedPixels(coronal, filledShot, '.orientation, .slice-line, .corner'), { timeout: 90_000 }).toBeGreaterThan(100);
  expect(await colourfulPixels(coronal)).toBeGreaterThan(100);
  await page.screenshot({ path: 'docs/screenshots/mpr-masks-outline.png' });

  // One reader off: one labelmap fewer in every view.
  await page.getByTestId('rater-toggle').first().uncheck();
  await expect(coronal).toHaveAttribute('data-overlays', '4');
  await expect(sagittal).toHaveAttribute('data-overlays', '4');
  await expect(volume).toHaveAttribute('data-overlays', '4');
});
