/**
 * A reader works a triaged DICOM study in queue order: it opens on the head of the queue, N / P walk the queue,
 * L asks for a second look (its own state in the counter and the report), "Unreviewed only" hides what is done,
 * the panel says how much of the uncertainty nobody has reviewed, D with one rater is a hint, and the Export dialog
 * writes DICOM SEG and the report and lists the files.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expectValidDicom } from '../src/main/testing/dciodvfy';
import { expect, SHARED_DATA, serverOfThisFile, test } from './fixtures';
import { apiFor, chooseNewRater, maskLoaded, paintStroke, savedRevision } from './workstation-helpers';

test.describe.configure({ timeout: 300_000 });

// A server of its own: the triaged study and its exports stay out of the other specs' study list and queue.
const ownServer = serverOfThisFile();

/** Three 512x512 CT slices with one reader's SEG; the ROI covers slices 0 and 1, so slice 2 is not in the queue. */
const CT = path.join(SHARED_DATA, 'dicom', 'ct-3slice-with-seg');

test('a reader works the queue, flags a second look, sees the done rule and exports SEG and report', async ({ page }) => {
  const server = ownServer();
  const api = apiFor(server.origin, server.token);
  const [study] = (await api['studies.import']({ paths: [CT] })).studies;
  await api['roi.add']({ studyId: study.id, center: [220, 230, 1], slices: [0, 1] });
  const job = await api['triage.start']({ studyId: study.id, samples: 2, steps: 2, seed: 3 });
  await expect.poll(async () => (await api['jobs.get']({ jobId: job.id })).state, { timeout: 180_000 }).toBe('done');
  const { items } = await api['triage.queue']({ studyId: study.id, raterId: null });
  expect(items).toHaveLength(2);
  const [head, second] = items.map((i) => String(i.sliceIndex));

  await page.goto(server.url);
  await chooseNewRater(page, 'Ada Lovelace');
  await page.locator(`[data-testid=study-item][data-study-id="${study.id}"]`).click();
  const workspace = page.getByTestId('workspace');
  // It opens on the head of the queue, not on slice 1.
  await expect(workspace).toHaveAttribute('data-slice', head);
  await expect(page.getByTestId('queue-item').first()).toHaveAttribute('data-slice', head);

  // N / P walk the queue; from a slice that is not in it, N goes to the head.
  await page.keyboard.press('n');
  await expect(workspace).toHaveAttribute('data-slice', second);
  await page.keyboard.press('n');
  await expect(workspace).toHaveAttribute('data-slice', second);
  await page.keyboard.press('p');
  await expect(workspace).toHaveAttribute('data-slice', head);
  await page.keyboard.press('End');
  await expect(workspace).toHaveAttribute('data-slice', '2');
  await page.keyboard.press('n');
  await expect(workspace).toHaveAttribute('data-slice', head);

  // Before the reader has drawn, every slice has one rater's mask (the SEG's): D says what agreement needs, as a hint.
  await page.keyboard.press('d');
  const banner = page.getByTestId('error-banner');
  await expect(banner).toHaveAttribute('data-kind', 'hint');
  await expect(banner).toContainText('needs masks from two raters');
  await banner.getByRole('button').click();

  // Scores read as percentiles of the queue, the raw score in the tooltip.
  const percentile = page.getByTestId('queue-percentile').first();
  await expect(percentile).toHaveText('50th percentile');
  await expect(percentile).toHaveAttribute('title', /Raw score \d+\.\d{3}/);
  await expect(page.getByTestId('done-rule')).toHaveText('100% of the uncertainty is in unreviewed slices');

  // The reader draws on the head and marks it reviewed; L on the other asks for a second look.
  await maskLoaded(page, Number(head));
  await page.keyboard.press('b');
  await paintStroke(page);
  await savedRevision(page, 1);
  await page.keyboard.press('r');
  await expect(page.getByTestId('review-status')).toHaveText('Reviewed');
  await page.keyboard.press('n');
  await expect(workspace).toHaveAttribute('data-slice', second);
  await page.keyboard.press('l');
  await expect(page.getByTestId('review-status')).toHaveText('Second look');
  await expect(page.getByTestId('queue-count')).toHaveText('1 of 2 reviewed');
  await expect(page.getByTestId('queue-second-look')).toHaveText('1 second look');
  await expect(page.getByTestId('queue-unreviewed')).toHaveText('0 unreviewed');

  // The done rule: the share of the summed scores on slices nobody has marked reviewed.
  const queue = await api['triage.queue']({ studyId: study.id, raterId: null });
  const unsettled = queue.items.find((i) => String(i.sliceIndex) === second)!.score / queue.items.reduce((a, i) => a + i.score, 0);
  await expect(page.getByTestId('done-rule')).toHaveText(`${Math.round(unsettled * 100)}% of the uncertainty is in unreviewed slices`);

  // Unreviewed only hides the reviewed slice and keeps the one flagged for a second look.
  await page.getByTestId('filter-unreviewed').check();
  await expect(page.getByTestId('queue-item')).toHaveCount(1);
  await expect(page.getByTestId('queue-item')).toHaveAttribute('data-slice', second);
  await expect(page.getByTestId('queue-item')).toHaveAttribute('data-status', 'second-look');
  await page.getByTestId('overlay-heat').check();
  await expect(page.getByTestId('colour-bar')).toContainText('uncertainty, 0–1');
  // The map's top, a share of its coin-flip ceiling: never above 1.
  const top = Number(await page.getByTestId('colour-bar').locator('.ticks span').first().textContent());
  expect(top).toBeGreaterThan(0);
  expect(top).toBeLessThanOrEqual(1);
  await page.getByTestId('queue-panel').screenshot({ path: 'docs/screenshots/queue-panel.png' });

  // The Export dialog offers every format of the contract, writes SEG and report, and lists what it wrote.
  await page.getByTestId('export-study').click();
  const dialog = page.getByTestId('export-dialog');
  for (const f of ['nifti', 'png', 'dicom-seg', 'report']) await expect(dialog.getByTestId(`export-format-${f}`)).toBeVisible();
  await dialog.getByTestId('export-format-nifti').locator('input').uncheck();
  await dialog.getByTestId('export-format-png').locator('input').uncheck();
  const outDir = await dialog.getByTestId('export-dir').inputValue();
  expect(outDir.startsWith(server.dataDir)).toBe(true);
  await dialog.getByTestId('export-run').click();
  const result = dialog.getByTestId('export-result');
  await expect(result).toContainText('files written', { timeout: 60_000 });
  const listed = await dialog.getByTestId('export-files').locator('li').allTextContents();
  expect(listed).toEqual(expect.arrayContaining(['report.csv', 'report.json', 'dicom-seg/Ada_Lovelace.seg.dcm', expect.stringMatching(/^dicom-seg\/model-.*\.seg\.dcm$/)]));
  const written = (await dialog.getByTestId('export-written-dir').textContent())!;
  expect(written.startsWith(outDir)).toBe(true);
  await dialog.screenshot({ path: 'docs/screenshots/export-dialog.png' });
  for (const f of listed.filter((f) => f.endsWith('.seg.dcm'))) expectValidDicom(path.join(written, f));
  expect(existsSync(path.join(written, 'report.csv'))).toBe(true);
  const report = JSON.parse(readFileSync(path.join(written, 'report.json'), 'utf8'));
  expect(report.slices[Number(second)].review['Ada Lovelace']).toBe('second look');
  expect(report.slices[Number(head)].review['Ada Lovelace']).toBe('reviewed');
  await dialog.getByTestId('export-close').click();
  await expect(dialog).toHaveCount(0);
});
