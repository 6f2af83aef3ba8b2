/**
 * A real CT series with its LIDC reads: the reader marks the nodule with "Add nodule ROI" on the full 512x512
 * slice, sets its slice range by keyboard, runs triage, reads the model's result on the full slice, and drags the
 * ROI's slice range on the coronal plane.
 */
import path from 'node:path';
import { expect, SHARED_DATA, serverOfThisFile, test } from './fixtures';
import { apiFor, chooseNewRater, overlayPixel } from './workstation-helpers';

test.describe.configure({ timeout: 300_000 });

// A server of its own: the editing-aids spec draws on the same CT series (one study per SeriesInstanceUID).
const ownServer = serverOfThisFile();

const CT = path.join(SHARED_DATA, 'lidc-ct', 'LIDC-IDRI-0001');
/** The nodule's centre on CT slice 6 (the middle of the readers' outlines, slices 3-11). */
const NODULE: [number, number] = [317, 366];

test('an ROI clicked on a real CT slice is triaged and its result drawn on the full slice', async ({ page }) => {
  const server = ownServer();
  await page.goto(server.url);
  await chooseNewRater(page, 'Dr Chest');
  await page.getByTestId('import-path').fill(CT);
  await page.getByTestId('import-submit').click();
  const view = page.getByTestId('slice-view');
  await expect(page.getByTestId('study-title')).toContainText('LIDC-IDRI-0001', { timeout: 90_000 });
  await expect(page.getByTestId('slice-number')).toHaveText('Slice 1 / 16');
  // The window comes from the DICOM header; the header of the slice names its instance and position.
  await expect(view).toContainText('W 1600 L -600');
  await expect(page.getByTestId('slice-header')).toHaveText('k = 0 · instance 50 · -132.50 mm');
  await expect(page.getByTestId('study-notes')).toContainText('LIDC reads lidc-reads.xml: 4 reading sessions');

  // Triage without an ROI is refused with what to do.
  await page.getByTestId('triage-start').click();
  await expect(page.getByTestId('error-banner')).toContainText('Add a nodule ROI first');
  await page.getByTestId('error-banner').getByRole('button').click();
  await expect(page.getByTestId('error-banner')).toHaveCount(0);

  for (let k = 0; k < 6; k++) await page.keyboard.press('ArrowDown');
  await expect(view).toHaveAttribute('data-rendered-slice', '6');
  await page.getByTestId('roi-add-tool').click();
  await expect(view).toHaveAttribute('data-tool', 'roi');
  const box = (await view.boundingBox())!;
  const scale = Math.min(box.width, box.height) / 512; // the fitted view of a square 512x512 slice
  const at = (i: number, j: number) => ({ x: box.x + box.width / 2 + (i + 0.5 - 256) * scale, y: box.y + box.height / 2 + (j + 0.5 - 256) * scale });
  const click = at(...NODULE);
  await page.mouse.click(click.x, click.y);
  await expect(page.getByTestId('roi-item')).toHaveCount(1);
  await expect(view).toHaveAttribute('data-tool', 'navigate');
  const api = apiFor(server.origin, server.token);
  const [study] = (await api['studies.list']({})).filter((s) => s.name.includes('LIDC-IDRI-0001'));
  const [roi] = await api['roi.list']({ studyId: study.id });
  expect(Math.abs(roi.center[0] - NODULE[0])).toBeLessThanOrEqual(2);
  expect(Math.abs(roi.center[1] - NODULE[1])).toBeLessThanOrEqual(2);
  expect(roi).toMatchObject({ slices: [6, 6], window: [128, 128] });

  // One more slice, by keyboard on the ROI's last-slice field.
  await page.getByTestId('roi-last').focus();
  await page.keyboard.press('ArrowUp');
  await expect.poll(async () => (await api['roi.list']({ studyId: study.id }))[0].slices).toEqual([6, 7]);
  // the panel numbers slices from 1, as the slice counter does
  await expect(page.getByTestId('roi-first')).toHaveValue('7');
  await expect(page.getByTestId('roi-last')).toHaveValue('8');
  // The ROI's outline is drawn on the slice (cyan), 64 px left of its centre.
  await page.mouse.move(box.x + 2, box.y + 2);
  const edge = at(roi.center[0] - 64, roi.center[1]);
  await expect.poll(async () => (await overlayPixel(page, edge.x, edge.y)).slice(0, 3)).toEqual([56, 189, 248]);

  await page.getByTestId('triage-start').click();
  await expect(page.getByTestId('queue-item')).toHaveCount(2, { timeout: 240_000 });
  await expect(page.getByTestId('queue-roi').first()).toHaveText(`ROI ${roi.id}, `);
  await expect(page.getByTestId('queue-warnings')).toHaveCount(0); // 0.703 mm lies in the model's range
  await page.getByTestId('queue-item').first().click();
  await page.keyboard.press('h'); // the uncertainty heat map over the full slice
  const result = await api['triage.result']({ studyId: study.id, sliceIndex: 6 });
  expect(result).toMatchObject({ width: 512, height: 512 });
  await page.screenshot({ path: 'docs/screenshots/ct-roi-triage.png' });

  // The coronal plane shows the ROI's slice range as a box; dragging its last-slice edge two slices further out
  // sets the range once, on release.
  await page.getByTestId('layout-toggle').click();
  const range = page.getByTestId('plane-coronal').getByTestId('roi-range');
  await expect(range).toHaveCount(1);
  await expect(range).toContainText('ROI');
  const frame = (await range.boundingBox())!;
  const perSlice = frame.height / 2; // slices 6-7
  const last = (await range.getByTestId('roi-range-last').boundingBox())!;
  const outwards = last.y + last.height / 2 > frame.y + frame.height / 2 ? 1 : -1;
  const from = { x: last.x + last.width / 2, y: last.y + last.height / 2 };
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let step = 1; step <= 4; step++) await page.mouse.move(from.x, from.y + (outwards * step * perSlice) / 2);
  await page.mouse.up();
  await expect.poll(async () => (await api['roi.list']({ studyId: study.id }))[0].slices).toEqual([6, 9]);
  await expect(range).toContainText('7–10'); // counted from 1, as the slice counter does
  await page.screenshot({ path: 'docs/screenshots/roi-range-coronal.png' });
});

test("the LIDC readers' point marks (nodules under 3 mm, non-nodules) are drawn on their slices, never as masks", async ({ page }) => {
  const server = ownServer();
  await page.goto(server.url);
  await chooseNewRater(page, 'Dr Marks');
  await page.getByTestId('import-path').fill(path.join(SHARED_DATA, 'lidc-ct', 'LIDC-IDRI-0002'));
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('study-title')).toContainText('LIDC-IDRI-0002', { timeout: 90_000 });
  const api = apiFor(server.origin, server.token);
  const [study] = (await api['studies.list']({})).filter((s) => s.name.includes('LIDC-IDRI-0002'));
  const { markers } = await api['studies.get']({ studyId: study.id });
  expect(markers.length).toBeGreaterThan(0);
  const m = markers[0];
  const onSlice = markers.filter((x) => x.sliceIndex === m.sliceIndex).length;
  const view = page.getByTestId('slice-view');
  for (let k = 0; k < m.sliceIndex; k++) await page.keyboard.press('ArrowDown');
  await expect(view).toHaveAttribute('data-rendered-slice', String(m.sliceIndex));
  await expect(page.getByTestId('slice-markers')).toHaveText(` · ${onSlice} reader point ${onSlice === 1 ? 'mark' : 'marks'}`);
  // The ring 5 px (at 512 px, 2 px per unit) right of the mark is amber.
  await page.mouse.move(1, 1);
  const box = (await view.boundingBox())!;
  const scale = Math.min(box.width, box.height) / 512;
  const ring = { x: box.x + box.width / 2 + (m.x + 0.5 + 10 - 256) * scale, y: box.y + box.height / 2 + (m.y + 0.5 - 256) * scale };
  await expect.poll(async () => {
    const [r, g, b] = await overlayPixel(page, ring.x, ring.y);
    return r > 200 && g > 140 && b < 110;
  }).toBe(true);
  await page.screenshot({ path: 'docs/screenshots/lidc-point-marks.png' });
});
