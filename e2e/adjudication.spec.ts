/**
 * Two blinded readers and an adjudicator, end to end in browser mode on their own fresh `caldiff serve`: the
 * readers paint a slice and mark it reviewed, the adjudicator sees both, starts from one, edits, marks it final,
 * browses the history and restores a revision, filters the audit log by rater and exports the final mask.
 */
import type { Page } from '@playwright/test';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, serverOfThisFile, test } from './fixtures';
import { unpackMask } from '../src/shared/masks';
import { apiFor, chooseNewRater, maskLoaded, openStudy, paintStroke, savedRevision } from './workstation-helpers';

test.describe.configure({ timeout: 240_000 });

const ownServer = serverOfThisFile();

async function switchRater(page: Page, name: string, adjudicator = false) {
  await page.getByTestId('rater-badge').click();
  if (!adjudicator) return chooseNewRater(page, name);
  const chooser = page.getByTestId('rater-chooser');
  await chooser.getByLabel('New rater name').fill(name);
  await chooser.getByTestId('new-rater-adjudicator').check();
  await chooser.getByRole('button', { name: 'Add and continue' }).click();
  await expect(page.getByTestId('rater-badge')).toContainText(name);
}

async function toSlice1(page: Page) {
  const view = page.getByTestId('slice-view');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await expect(view).toHaveAttribute('data-rendered-slice', '1');
  await maskLoaded(page, 1);
}

test('two blinded readers, then an adjudicator picks, edits, marks final, restores a revision and exports', async ({ page }) => {
  const server = ownServer();
  const api = apiFor(server.origin, server.token);
  await page.goto(server.url);
  await chooseNewRater(page, 'Dr Reader A');
  const studyId = await openStudy(page, 2);
  await toSlice1(page);
  await page.keyboard.press('b');
  await paintStroke(page);
  await savedRevision(page, 1);
  await page.keyboard.press('r');
  await expect(page.getByTestId('review-status')).toHaveText('Reviewed');

  // The second reader does not see the first until they mark the slice reviewed.
  await switchRater(page, 'Dr Reader B');
  await toSlice1(page);
  await expect(page.getByTestId('blinded-note')).toBeVisible();
  await expect(page.getByTestId('overlay-panel')).not.toContainText('Dr Reader A');
  await page.keyboard.press('b');
  await paintStroke(page, 12, 10);
  await savedRevision(page, 1);
  await page.keyboard.press('r');
  await expect(page.getByTestId('overlay-panel')).toContainText('Dr Reader A');

  // The adjudicator, blinded switch and all, sees both readers at once.
  await switchRater(page, 'Dr Judge', true);
  await toSlice1(page);
  const overlay = page.getByTestId('overlay-panel');
  await expect(overlay).toContainText('Dr Reader A');
  await expect(overlay).toContainText('Dr Reader B');
  await expect(page.getByTestId('blinded-note')).toBeHidden();
  const panel = page.getByTestId('adjudication-panel');
  await expect(panel).toContainText('Not final yet.');
  await panel.getByTestId('start-from-reader-Dr Reader A').click();
  await savedRevision(page, 1);
  await page.keyboard.press('b');
  await paintStroke(page, 0, 30);
  await savedRevision(page, 2);
  await panel.getByTestId('mark-final').click();
  await expect(page.getByTestId('final-status')).toContainText('Final: revision 1');
  await expect(page.getByTestId('final-status')).toContainText('edited');
  await expect(page.getByTestId('overlay-final')).toBeEnabled();
  await page.screenshot({ path: 'docs/screenshots/adjudication-view.png' });
  const volumetry = page.getByTestId('volumetry');
  await volumetry.scrollIntoViewIfNeeded();
  await expect(volumetry.getByTestId('volumetry-final')).toBeVisible();
  await volumetry.screenshot({ path: 'docs/screenshots/volumetry.png' });

  const judge = (await api['raters.list']({})).find((r) => r.name === 'Dr Judge')!;
  const readerA = (await api['raters.list']({})).find((r) => r.name === 'Dr Reader A')!;
  expect(judge.role).toBe('adjudicator');
  const final = await api['final.get']({ studyId, sliceIndex: 1, viewerRaterId: null, blinded: false });
  const masks = await api['annotations.get']({ studyId, sliceIndex: 1, viewerRaterId: null, blinded: false });
  const n = masks.width * masks.height;
  const pixelsOf = (raterId: number) => Array.from(unpackMask(masks.masks.find((m) => m.raterId === raterId)!.mask, n));
  expect(Array.from(unpackMask(final.final!.mask, n))).toEqual(pixelsOf(judge.id));

  // History: the adjudicator's two revisions; restoring the first (Reader A's pixels) makes a third.
  await page.getByTestId('open-history').click();
  const history = page.getByTestId('history-dialog');
  await expect(history.getByTestId('history-revision-2')).toContainText('current');
  await expect(history.getByTestId('history-revision-1')).toContainText('Dr Judge');
  await expect(history.getByTestId('history-final')).toContainText('edited');
  await history.getByTestId('restore-1').click();
  await expect(history.getByTestId('history-revision-3')).toContainText('current');
  await page.screenshot({ path: 'docs/screenshots/mask-history.png' });
  await history.getByTestId('history-close').click();
  await savedRevision(page, 3);
  const restored = await api['annotations.get']({ studyId, sliceIndex: 1, viewerRaterId: null, blinded: false });
  expect(Array.from(unpackMask(restored.masks.find((m) => m.raterId === judge.id)!.mask, n))).toEqual(pixelsOf(readerA.id));
  expect((await api['annotations.history']({ studyId, sliceIndex: 1, raterId: judge.id, viewerRaterId: null, blinded: false })).revisions).toHaveLength(3);

  // The audit log, filtered to one reader.
  await page.getByTestId('open-audit').click();
  const audit = page.getByTestId('audit-dialog');
  await audit.getByTestId('audit-actor').selectOption('Dr Reader B');
  await expect(audit.getByTestId('audit-row').first()).toHaveAttribute('data-actor', 'Dr Reader B');
  const actors = await audit.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-actor')));
  expect(actors.length).toBeGreaterThanOrEqual(2); // the save and the review
  expect(new Set(actors)).toEqual(new Set(['Dr Reader B']));
  await audit.getByTestId('audit-action').selectOption('final.mark');
  await audit.getByTestId('audit-actor').selectOption('');
  await expect(audit.getByTestId('audit-row')).toHaveCount(1);
  await expect(audit.getByTestId('audit-row')).toHaveAttribute('data-actor', 'Dr Judge');
  await audit.getByTestId('audit-action').selectOption('');
  await audit.getByTestId('audit-actor').selectOption('Dr Judge');
  await expect(audit.getByTestId('audit-row')).toHaveCount(5); // two saves, final, the restore's save and its entry
  await page.screenshot({ path: 'docs/screenshots/audit-log.png' });
  await audit.getByTestId('audit-close').click();

  // The final mask exported from the app: the Export dialog opens with only the final mask ticked.
  await page.getByTestId('export-final').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog.getByTestId('export-format-final').locator('input')).toBeChecked();
  await expect(dialog.getByTestId('export-format-nifti').locator('input')).not.toBeChecked();
  await expect(dialog.getByTestId('export-format-final')).not.toContainText('skipped');
  await dialog.getByTestId('export-run').click();
  await expect(dialog.getByTestId('export-result')).toContainText('files written', { timeout: 60_000 });
  await dialog.getByTestId('export-close').click();
  const exports = path.join(server.dataDir, 'exports');
  const written = readdirSync(exports, { recursive: true }).map(String).filter((f) => f.endsWith(path.join('final', 'final.nii.gz')));
  expect(written).toHaveLength(1);
  expect(existsSync(path.join(exports, written[0]))).toBe(true);
});
