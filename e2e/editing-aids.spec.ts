/**
 * Editing aids on a real CT series (LIDC-IDRI-0001, Hounsfield units): the reader draws the nodule on two slices,
 * interpolates the slices between (marked until touched), paints with the threshold brush, cleans the mask up,
 * undoes; then starts from the model's sample closest to their mask and shows the uncertainty bands.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { keepLargest, removeIslands } from '../src/shared/editing/cleanup';
import { BAND_LEVELS } from '../src/shared/editing/model';
import { unpackMask } from '../src/shared/masks';
import { dice } from '../src/shared/metrics';
import { expect, SHARED_DATA, test } from './fixtures';
import { apiFor, changedPixels, chooseNewRater, maskLoaded, screenVariance } from './workstation-helpers';

test.describe.configure({ mode: 'serial', timeout: 300_000 });

const CT = path.join(SHARED_DATA, 'lidc-ct', 'LIDC-IDRI-0001');
/** The nodule's centre (column, row); the readers outline it on slices 3-11. */
const NODULE: [number, number] = [317, 366];
const N = 512 * 512;

/** Screen position of image pixel (i, j) in the fitted view of a 512x512 slice. */
async function pixelAt(page: Page, i: number, j: number) {
  const box = (await page.getByTestId('slice-view').boundingBox())!;
  const scale = Math.min(box.width, box.height) / 512;
  return { x: box.x + box.width / 2 + (i + 0.5 - 256) * scale, y: box.y + box.height / 2 + (j + 0.5 - 256) * scale };
}

/** A horizontal drag from image pixel (i0, j) to (i1, j). */
async function drag(page: Page, i0: number, i1: number, j: number) {
  const from = await pixelAt(page, i0, j);
  const to = await pixelAt(page, i1, j);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let s = 1; s <= 10; s++) await page.mouse.move(from.x + ((to.x - from.x) * s) / 10, from.y);
  await page.mouse.up();
}

/** Pixels of the axial overlay in each band's colour (10 %, 50 %, 90 % of the samples). */
function bandPixels(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=slice-overlay]')!;
    const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = [
      [96, 165, 250],
      [250, 204, 21],
      [248, 113, 113],
    ];
    const out = [0, 0, 0];
    for (let o = 0; o < px.length; o += 4)
      colours.forEach((c, b) => {
        if (px[o + 3] > 128 && Math.abs(px[o] - c[0]) + Math.abs(px[o + 1] - c[1]) + Math.abs(px[o + 2] - c[2]) < 40) out[b]++;
      });
    return out;
  });
}

async function goToSlice(page: Page, k: number) {
  const view = page.getByTestId('slice-view');
  const now = Number(await view.getAttribute('data-rendered-slice'));
  for (let s = now; s < k; s++) await page.keyboard.press('ArrowDown');
  for (let s = now; s > k; s--) await page.keyboard.press('ArrowUp');
  await expect(view).toHaveAttribute('data-rendered-slice', String(k));
  await maskLoaded(page, k);
}

async function saved(page: Page) {
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-saving', 'no');
}

test('interpolate between two drawn slices, threshold brush, clean-up and undo', async ({ page, server }) => {
  await page.goto(server.url);
  await chooseNewRater(page, 'Dr Aids');
  await page.getByTestId('import-path').fill(CT);
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('study-title')).toContainText('LIDC-IDRI-0001', { timeout: 90_000 });
  const api = apiFor(server.origin, server.token);
  const [study] = (await api['studies.list']({})).filter((s) => s.name.includes('LIDC-IDRI-0001'));
  const rater = (await api['raters.list']({})).find((r) => r.name === 'Dr Aids')!;
  const own = async (k: number) => (await api['annotations.get']({ studyId: study.id, sliceIndex: k, viewerRaterId: rater.id, blinded: true })).masks.find((m) => m.raterId === rater.id);
  const ownMask = async (k: number) => {
    const m = await own(k);
    return m ? unpackMask(m.mask, N) : new Uint8Array(N);
  };
  const area = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

  // Key slices 4 and 8: a brush stroke across the nodule on each.
  await page.getByTestId('tool-brush').click();
  for (let s = 0; s < 5; s++) await page.keyboard.press(']'); // radius 8
  for (const k of [4, 8]) {
    await goToSlice(page, k);
    await drag(page, NODULE[0] - 8, NODULE[0] + 8, NODULE[1]);
    await saved(page);
  }
  expect(area(await ownMask(4))).toBeGreaterThan(300);

  await page.getByTestId('interpolate').click();
  await expect.poll(async () => (await own(6))?.interpolated).toBe(true);
  for (const k of [5, 6, 7]) expect(area(await ownMask(k))).toBeGreaterThan(200);
  expect(await own(3)).toBeUndefined();
  await goToSlice(page, 6);
  await expect(page.getByTestId('interpolated-mark')).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/editing-aids-interpolated.png' });

  // One undo takes the whole interpolation back, from a key slice; interpolating again fills them again.
  await goToSlice(page, 8);
  await page.getByTestId('undo').click();
  await expect.poll(async () => area(await ownMask(6))).toBe(0);
  expect(area(await ownMask(5)) + area(await ownMask(7))).toBe(0);
  expect(area(await ownMask(8))).toBeGreaterThan(300); // the key slice keeps its stroke
  await page.keyboard.press('Shift+I');
  await expect.poll(async () => (await own(6))?.interpolated).toBe(true);

  // The threshold brush (solid nodule, -300..200 HU) paints only pixels in that range; the stroke un-marks the slice.
  await goToSlice(page, 6);
  const before = await ownMask(6);
  await page.getByTestId('tool-threshold').click();
  await expect(page.getByTestId('tool-units')).toHaveText('Range in Hounsfield units');
  await page.getByTestId('preset-ground-glass').click();
  await expect(page.getByTestId('tool-panel')).toContainText('From -750');
  await page.getByTestId('preset-solid-nodule').click();
  await expect(page.getByTestId('tool-panel')).toContainText('From -300');
  await expect(page.getByTestId('tool-panel')).toContainText('To 200');
  for (let s = 0; s < 8; s++) await page.keyboard.press(']');
  await page.screenshot({ path: 'docs/screenshots/editing-aids-tool-panel.png', clip: (await page.getByTestId('tool-panel').boundingBox())! });
  await drag(page, NODULE[0] - 30, NODULE[0] + 30, NODULE[1] + 6);
  await saved(page);
  await expect(page.getByTestId('interpolated-mark')).toHaveCount(0);
  expect((await own(6))!.interpolated).toBe(false);
  const after = await ownMask(6);
  const hu = (await api['studies.slice']({ studyId: study.id, sliceIndex: 6 })).data;
  let painted = 0;
  let refused = 0;
  for (let p = 0; p < N; p++) {
    if (after[p] && !before[p]) {
      painted++;
      expect(hu[p]).toBeGreaterThanOrEqual(-300);
      expect(hu[p]).toBeLessThanOrEqual(200);
    }
    // Under the stroke's band (rows 366 +- 10, the swept columns) but out of range: left alone.
    const i = p % 512;
    const j = (p - i) / 512;
    if (Math.abs(j - NODULE[1] - 6) <= 10 && Math.abs(i - NODULE[0]) <= 30 && !after[p] && (hu[p] < -300 || hu[p] > 200)) refused++;
  }
  expect(painted).toBeGreaterThan(20);
  expect(refused).toBeGreaterThan(20);

  // A one-pixel island far from the nodule, then "Remove islands" takes it away; undo brings it back.
  await page.getByTestId('tool-brush').click();
  for (let s = 0; s < 30; s++) await page.keyboard.press('[');
  const island = await pixelAt(page, 150, 150);
  await page.mouse.click(island.x, island.y);
  await saved(page);
  const withIsland = await ownMask(6);
  expect(area(withIsland)).toBe(area(after) + 1);
  expect(withIsland[150 + 150 * 512]).toBe(1);
  // Under 20 px (the default): the island, and any specks the threshold left at the nodule's edge.
  await page.getByTestId('remove-islands').click();
  await saved(page);
  const cleaned = await ownMask(6);
  expect(cleaned[150 + 150 * 512]).toBe(0);
  expect(cleaned).toEqual(removeIslands(withIsland, 512, 512, 20));
  expect(area(cleaned)).toBeGreaterThan(area(after) * 0.9);
  await page.keyboard.press('Control+z');
  await saved(page);
  expect(await ownMask(6)).toEqual(withIsland);
  await page.getByTestId('keep-largest').click();
  await saved(page);
  expect(await ownMask(6)).toEqual(keepLargest(withIsland, 512, 512));
});

test('start from the sample closest to the mask, and the uncertainty bands', async ({ page, server }) => {
  const api = apiFor(server.origin, server.token);
  const [study] = (await api['studies.list']({})).filter((s) => s.name.includes('LIDC-IDRI-0001'));
  const rater = (await api['raters.list']({})).find((r) => r.name === 'Dr Aids')!;
  await api['roi.add']({ studyId: study.id, center: [NODULE[0], NODULE[1], 6], slices: [6, 6] });
  await page.goto(server.url);
  await page.getByTestId('rater-chooser').getByRole('button', { name: 'Dr Aids' }).click();
  await page.getByTestId('study-item').filter({ hasText: 'LIDC-IDRI-0001' }).click();
  await expect(page.getByTestId('study-title')).toContainText('LIDC-IDRI-0001');
  await page.getByTestId('triage-start').click();
  await expect(page.getByTestId('queue-item')).toHaveCount(1, { timeout: 240_000 });
  await page.getByTestId('queue-item').first().click();
  await maskLoaded(page, 6);

  const mine = unpackMask((await api['annotations.get']({ studyId: study.id, sliceIndex: 6, viewerRaterId: rater.id, blinded: true })).masks.find((m) => m.raterId === rater.id)!.mask, N);
  const result = (await api['triage.result']({ studyId: study.id, sliceIndex: 6 }))!;
  const scores = result.samples.map((s) => dice(unpackMask(s, N), mine));
  const best = scores.indexOf(Math.max(...scores));
  await page.getByTestId('from-closest').click();
  await expect(page.getByTestId('sample-index')).toContainText(String(best + 1));
  await expect.poll(async () => (await api['annotations.get']({ studyId: study.id, sliceIndex: 6, viewerRaterId: rater.id, blinded: true })).masks.find((m) => m.raterId === rater.id)!.source).toBe('model-sample');
  const taken = unpackMask((await api['annotations.get']({ studyId: study.id, sliceIndex: 6, viewerRaterId: rater.id, blinded: true })).masks.find((m) => m.raterId === rater.id)!.mask, N);
  expect(taken).toEqual(unpackMask(result.samples[best], N));

  await page.getByTestId('overlay-bands').check();
  await page.getByTestId('overlay-own').uncheck();
  await page.getByTestId('overlay-mean').uncheck();
  await expect(page.getByTestId('bands-legend')).toContainText('90 % of samples');
  // Each level's outline is drawn in its colour on the slice where the model's samples disagree.
  // A level has an outline exactly when some pixel's sample frequency (the model's mean) reaches it.
  const peak = result.mean.reduce((m, v) => Math.max(m, v), 0);
  await expect.poll(async () => (await bandPixels(page)).map((c) => c > 0)).toEqual(BAND_LEVELS.map((level) => peak >= level - 1e-6));
  console.log(`band outline pixels (10 / 50 / 90 %): ${(await bandPixels(page)).join(' / ')}; highest sample frequency ${peak.toFixed(3)}`);
  const centre = await pixelAt(page, NODULE[0], NODULE[1]);
  await page.mouse.move(centre.x, centre.y);
  await page.keyboard.down('Control');
  for (let s = 0; s < 4; s++) await page.mouse.wheel(0, -200);
  await page.keyboard.up('Control');
  await page.screenshot({ path: 'docs/screenshots/uncertainty-bands.png' });
});

test('the bands on a real crop, in the axial view and (vtk.js) the coronal plane', async ({ page, server }) => {
  // A 24-slice crop, so that the MPR layout is offered; the planes cut through its centre, where the nodule lies.
  const api = apiFor(server.origin, server.token);
  const [study] = (await api['studies.import']({ paths: [path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0811', 'nodule-0')] })).studies;
  await api['roi.add']({ studyId: study.id, center: [64, 64, 11], slices: [10, 12] });
  const job = await api['triage.start']({ studyId: study.id, samples: 8 });
  await expect.poll(async () => (await api['jobs.get']({ jobId: job.id })).state, { timeout: 240_000 }).toBe('done');

  await page.goto(server.url);
  await page.getByTestId('rater-chooser').getByRole('button', { name: 'Dr Aids' }).click();
  await page.getByTestId('study-item').filter({ hasText: 'LIDC-IDRI-0811 nodule-0' }).click();
  await expect(page.getByTestId('study-title')).toHaveText('LIDC-IDRI-0811 nodule-0');
  await expect(page.getByTestId('queue-item')).toHaveCount(3);
  await page.getByTestId('queue-item').first().click();
  const slice = Number(await page.getByTestId('workspace').getAttribute('data-slice'));
  await maskLoaded(page, slice);
  const result = (await api['triage.result']({ studyId: study.id, sliceIndex: slice }))!;
  for (const id of ['overlay-own', 'overlay-raters', 'overlay-mean']) await page.getByTestId(id).uncheck();
  await page.getByTestId('overlay-bands').check();
  const peak = result.mean.reduce((m, v) => Math.max(m, v), 0);
  await expect.poll(async () => (await bandPixels(page)).map((c) => c > 0)).toEqual(BAND_LEVELS.map((level) => peak >= level - 1e-6));
  expect(peak).toBeGreaterThanOrEqual(0.5); // so that two levels are checked here, not only the lowest
  console.log(`crop slice ${slice}: band outline pixels (10 / 50 / 90 %): ${(await bandPixels(page)).join(' / ')}; highest sample frequency ${peak.toFixed(3)}`);
  await page.screenshot({ path: 'docs/screenshots/uncertainty-bands-crop.png' });

  // The planes draw the bands as vtk.js label outlines (not a surface in 3D): switching them on changes the
  // coronal plane where it cuts the sampled slices, and only there.
  await page.getByTestId('overlay-bands').uncheck();
  await page.getByTestId('layout-toggle').click();
  const coronal = page.getByTestId('plane-coronal');
  await expect(coronal).toHaveAttribute('data-overlays', '0', { timeout: 90_000 });
  await expect(page.getByTestId('volume-view')).toHaveAttribute('data-overlays', '0');
  const labels = '.orientation, .slice-line, .corner, [data-testid=roi-range]';
  await expect.poll(() => screenVariance(coronal), { timeout: 90_000 }).toBeGreaterThan(10);
  const without = await coronal.screenshot({ style: `${labels} { visibility: hidden; }` });
  await page.getByTestId('overlay-bands').check();
  await expect(coronal).toHaveAttribute('data-overlays', '1');
  await expect(page.getByTestId('volume-view')).toHaveAttribute('data-overlays', '0');
  await expect.poll(() => changedPixels(coronal, without, labels), { timeout: 90_000 }).toBeGreaterThan(10);
  await page.screenshot({ path: 'docs/screenshots/uncertainty-bands-mpr.png' });
});
