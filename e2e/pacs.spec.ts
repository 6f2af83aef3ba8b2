/**
 * The PACS window in browser mode against a real Orthanc (DICOMweb): configure the archive, search by patient,
 * see the series with their instance counts, retrieve the study with progress, open it, store a SEG back.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, SHARED_DATA, test } from './fixtures';
import { startOrthanc, type Orthanc } from '../src/main/testing/orthanc';
import { apiFor, chooseNewRater } from './workstation-helpers';

let orthanc: Orthanc;
test.beforeAll(async () => {
  orthanc = await startOrthanc();
  const dir = path.join(SHARED_DATA, 'dicom', 'ct-3slice-with-seg');
  await orthanc.upload(readdirSync(dir).map((f) => path.join(dir, f)));
});
test.afterAll(async () => {
  await orthanc?.stop();
});

test('searches the archive and retrieves a study from the UI, then stores the reader SEG back', async ({ page, server }) => {
  await page.goto(server.url);
  await chooseNewRater(page, 'Dr Archive');
  await page.getByTestId('pacs-open').click();
  const browser = page.getByTestId('archive-browser');
  await browser.getByTestId('archive-name').fill('orthanc');
  await browser.getByTestId('archive-url').fill(orthanc.dicomWebUrl);
  await browser.getByTestId('archive-add').click();
  await expect(browser.getByTestId('archive-item')).toContainText('orthanc');

  await browser.getByTestId('search-patientId').fill('99000');
  await browser.getByTestId('search-submit').click();
  const study = browser.getByTestId('archive-study');
  await expect(study).toHaveCount(1);
  await expect(study).toContainText('JANCT000');
  const series = study.getByTestId('archive-series');
  await expect(series).toHaveCount(2);
  await expect(series.filter({ hasText: 'CT' }).getByTestId('series-instances')).toHaveText('3 instances');
  await expect(series.filter({ hasText: 'SEG' }).getByTestId('series-instances')).toHaveText('1 instances');

  await study.getByTestId('retrieve-study').click();
  const progress = browser.getByTestId('retrieve-progress');
  await expect(progress).toHaveAttribute('data-state', 'done');
  await expect(progress).toContainText('retrieved 4 instances from orthanc');
  // Blinded (the default), the archive's liver SEG by another reader is held back until reviewed.
  await expect(progress).toContainText('held back (blinded)');
  await page.screenshot({ path: 'test-results/pacs-browser.png' });
  await browser.getByTestId('archive-close').click();

  const api = apiFor(server.origin, server.token);
  const retrieved = (await api['studies.list']({})).find((s) => s.sourcePath.startsWith(orthanc.dicomWebUrl))!;
  expect(retrieved).toMatchObject({ dims: [512, 512, 3], source: 'dicom' });
  await page.locator(`[data-testid=study-item][data-study-id="${retrieved.id}"]`).click();
  await expect(page.getByTestId('study-title')).toHaveText(retrieved.name);

  // Store back: the rater's own SEG after painting it through the API (the editor is tested elsewhere).
  const [rater] = (await api['raters.list']({})).filter((r) => r.name === 'Dr Archive');
  const mask = new Uint8Array((512 * 512) / 8);
  mask.fill(0xff, 20_000, 24_000);
  await api['annotations.save']({ studyId: retrieved.id, sliceIndex: 1, raterId: rater.id, mask, source: 'manual', baseRevision: null });
  await page.getByTestId('pacs-open').click();
  await browser.getByTestId('store-submit').click();
  const results = browser.getByTestId('store-results');
  await expect(results.locator('li')).toHaveCount(1);
  await expect(results.locator('li[data-status=stored]')).toContainText('reader:Dr Archive');
  await page.screenshot({ path: 'test-results/pacs-store.png' });
  const stored = await orthanc.rest<{ MainDicomTags: { Modality: string } }[]>('/series?expand');
  expect(stored.filter((s) => s.MainDicomTags.Modality === 'SEG')).toHaveLength(2);
});
