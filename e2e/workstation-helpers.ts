import { expect, type Locator, type Page } from '@playwright/test';
import { decode } from 'fast-png';
import type { ApiClient } from '../src/shared/api';
import { createClient, httpCall } from '../src/shared/client';

export function apiFor(origin: string, token: string): ApiClient {
  return createClient(httpCall(origin, token));
}

/** Grey-level variance of what a locator shows on screen: a blank or uniform canvas gives 0. */
export async function screenVariance(target: Locator): Promise<number> {
  const png = decode(await target.screenshot());
  const channels = png.channels;
  const data = png.data;
  let sum = 0;
  let sum2 = 0;
  const n = png.width * png.height;
  for (let p = 0; p < n; p++) {
    const o = p * channels;
    const grey = (Number(data[o]) + Number(data[o + 1]) + Number(data[o + 2])) / 3;
    sum += grey;
    sum2 += grey * grey;
  }
  return sum2 / n - (sum / n) ** 2;
}

/** The RGBA of the overlay canvas (masks, heat maps) at a point of the page. */
export async function overlayPixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=slice-overlay]')!;
      const r = canvas.getBoundingClientRect();
      const ctx = canvas.getContext('2d')!;
      return Array.from(ctx.getImageData(Math.round((px - r.left) * devicePixelRatio), Math.round((py - r.top) * devicePixelRatio), 1, 1).data);
    },
    [x, y],
  );
}

/** The own-mask colour of the viewer (yellow): red and green high, blue low. */
export function isOwnMaskColour([r, g, b, a]: number[]): boolean {
  return a > 0 && r > 200 && g > 180 && b < 120;
}

export async function chooseNewRater(page: Page, name: string): Promise<void> {
  const chooser = page.getByTestId('rater-chooser');
  await expect(chooser).toBeVisible();
  await chooser.getByLabel('New rater name').fill(name);
  await chooser.getByRole('button', { name: 'Add and continue' }).click();
  await expect(page.getByTestId('rater-badge')).toContainText(name);
}

/**
 * Paint one straight brush stroke across the centre of the slice view, offset by (dx, dy) CSS px; `midway` runs
 * with the button still down, halfway along.
 */
export async function paintStroke(page: Page, dx = 0, dy = 0, midway?: () => Promise<void>): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('slice-view').boundingBox())!;
  const x = box.x + box.width / 2 + dx;
  const y = box.y + box.height / 2 + dy;
  await page.mouse.move(x - 40, y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) {
    await page.mouse.move(x - 40 + i * 8, y);
    if (i === 5) await midway?.();
  }
  await page.mouse.up();
  return { x, y };
}

/** Wait until the rater's mask of that slice is loaded: a stroke before then is not applied. */
export async function maskLoaded(page: Page, slice: number): Promise<void> {
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-mask-slice', String(slice));
}

export async function savedRevision(page: Page, revision: number): Promise<void> {
  const state = page.getByTestId('save-state');
  await expect(state).toHaveAttribute('data-saving', 'no');
  await expect(state).toHaveAttribute('data-revision', String(revision));
}

/** Open the n-th study of the list and wait until its viewer shows it (not the study open before). */
export async function openStudy(page: Page, n: number): Promise<number> {
  const item = page.getByTestId('study-item').nth(n);
  const name = (await item.locator('.study-name').textContent())!;
  await item.click();
  await expect(page.getByTestId('study-title')).toHaveText(name);
  await expect(page.getByTestId('slice-view')).toHaveAttribute('data-rendered-slice', '0');
  return Number(await item.getAttribute('data-study-id'));
}

/** How many pixels of what a locator shows pass a test on their RGB; `hide` is CSS selectors left out of the picture. */
async function countPixels(target: Locator, hide: string, test: (r: number, g: number, b: number) => boolean): Promise<number> {
  const png = decode(await target.screenshot({ style: `${hide} { visibility: hidden; }` }));
  let count = 0;
  for (let p = 0; p < png.width * png.height; p++) {
    const o = p * png.channels;
    if (test(Number(png.data[o]), Number(png.data[o + 1]), Number(png.data[o + 2]))) count++;
  }
  return count;
}

/**
 * Pixels that are clearly coloured (a mask or a map over grey anatomy), with the view's yellow labels and slice
 * line hidden so that only what vtk.js drew counts.
 */
export function colourfulPixels(target: Locator): Promise<number> {
  return countPixels(target, '.orientation, .slice-line, .corner', (r, g, b) => Math.max(r, g, b) - Math.min(r, g, b) > 60);
}

/** How many pixels of what a locator shows now differ clearly from an earlier screenshot of it. */
export async function changedPixels(target: Locator, before: Buffer, hide: string): Promise<number> {
  const a = decode(before);
  const b = decode(await target.screenshot({ style: `${hide} { visibility: hidden; }` }));
  let count = 0;
  for (let p = 0; p < Math.min(a.width * a.height, b.width * b.height); p++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(Number(a.data[p * a.channels + c]) - Number(b.data[p * b.channels + c]));
    if (d > 60) count++;
  }
  return count;
}
