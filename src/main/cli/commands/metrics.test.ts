import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceCalibration } from '../../../shared/metrics/reference';
import { readPngMask } from '../../io/png';
import { SHARED_DATA, tempDir } from '../../testing/paths';
import { runWithoutStore } from '../../testing/cli';
import { metricsCommand } from './metrics';

const CASES = path.join(SHARED_DATA, 'lidc-sample');

/** A folder holding copies of the given files under new names. */
function folder(files: [source: string, name: string][]): string {
  const dir = tempDir('caldiff-metrics-');
  mkdirSync(dir, { recursive: true });
  for (const [source, name] of files) copyFileSync(source, path.join(dir, name));
  return dir;
}

const rater = (c: string, r: number) => path.join(CASES, c, `rater-${r}.png`);

const run = (args: Record<string, string | boolean>, json = true) => runWithoutStore(metricsCommand, args, json);

describe('caldiff metrics', () => {
  it('finds a perfect model when the samples are the raters themselves, in another order', async () => {
    const raters = folder([0, 1, 2, 3].map((r) => [rater('case-003', r), `rater-${r}.png`]));
    const samples = folder([3, 2, 1, 0].map((r, i) => [rater('case-003', r), `s${i}.png`]));
    const { code, out } = await run({ samples, raters });
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ dmax: 1, sc: 1, da: 1, ci: 1, ged: 0, width: 128, height: 128 });
    expect(result.raters).toHaveLength(4);
  });

  it('equals the definitions on real masks of two different cases, and reports the maps when asked', async () => {
    const sampleFiles = [0, 1, 2, 3].map((r) => rater('case-001', r));
    const raterFiles = [0, 1, 2, 3].map((r) => rater('case-002', r));
    const samples = folder(sampleFiles.map((f, i) => [f, `sample-${i}.png`]));
    const raters = folder(raterFiles.map((f, i) => [f, `r${i}.png`]));
    const result = JSON.parse((await run({ samples, raters, maps: true })).out);
    const expected = referenceCalibration(
      sampleFiles.map((f) => readPngMask(f).data),
      raterFiles.map((f) => readPngMask(f).data),
    );
    for (const key of ['sncc', 'dmax', 'sc', 'da', 'ci', 'ged'] as const) {
      if (expected[key] === null) expect(result[key]).toBeNull();
      else expect(result[key]).toBeCloseTo(expected[key]!, 9);
    }
    expect(result.maps.uncertainty.max).toBeGreaterThanOrEqual(result.maps.uncertainty.mean);
    expect(result.maps.error).toHaveLength(4);
  });

  it('reads the folder in natural order and says SNCC is undefined when all samples agree', async () => {
    const raters = folder([0, 1].map((r) => [rater('case-000', r), `rater-${r}.png`]));
    const samples = folder([
      [rater('case-000', 0), 'mask-10.png'],
      [rater('case-000', 0), 'mask-2.png'],
    ]);
    const { out } = await run({ samples, raters }, false);
    expect(out).toMatch(/^2 samples against 2 raters, 128x128/);
    expect(out).toMatch(/SNCC\s+undefined/);
    const json = JSON.parse((await run({ samples, raters })).out);
    expect(json.samples.map((f: string) => path.basename(f))).toEqual(['mask-2.png', 'mask-10.png']);
    expect(json.sncc).toBeNull();
  });

  it('refuses an image in place of a mask, naming the file', async () => {
    const raters = folder([[rater('case-000', 0), 'a.png'], [path.join(CASES, 'case-000', 'image.png'), 'b.png']]);
    const samples = folder([[rater('case-000', 0), 's.png']]);
    await expect(run({ samples, raters })).rejects.toThrow(/b\.png: is not a binary mask/);
  });

  it('refuses a missing folder, an empty folder and a missing option', async () => {
    const samples = folder([[rater('case-000', 0), 's.png']]);
    await expect(run({ samples, raters: '/nonexistent/raters' })).rejects.toThrow(/\/nonexistent\/raters: no such folder/);
    await expect(run({ samples, raters: folder([]) })).rejects.toThrow(/holds no PNG masks/);
    await expect(run({ samples })).rejects.toThrow(/--raters/);
  });
});
