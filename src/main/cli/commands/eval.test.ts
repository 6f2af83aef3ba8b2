import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../engine/fixtures';
import { SHARED_DATA, tempDir } from '../../testing/paths';
import { runWithoutStore } from '../../testing/cli';
import { datasetSlices, evalCommand, evaluateDataset, spread } from './eval';

const NODULE = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0');
const PNG_CASES = path.join(SHARED_DATA, 'lidc-sample');

const run = (values: Record<string, string | boolean>, json: boolean) => runWithoutStore(evalCommand, values, json);

describe('caldiff eval', () => {
  it('reads every slice with raters from the LIDC NIfTI layout and from the PNG case layout', () => {
    const lidc = datasetSlices(NODULE, null);
    expect(lidc.studies).toBe(1);
    expect(lidc.slices).toHaveLength(9);
    expect(lidc.slices[3].raters).toHaveLength(4);
    const png = datasetSlices(PNG_CASES, new Set(['case-000', 'case-001']));
    expect(png.slices.map((s) => s.study)).toEqual(['lidc-sample case-000', 'lidc-sample case-001']);
  });

  it('spreads a limit evenly over the slices', () => {
    expect(spread([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([0, 3, 6]);
    expect(spread([0, 1], 5)).toEqual([0, 1]);
  });

  it('samples a real ONNX model on every slice, summarises the metrics and writes the per-slice CSV', async () => {
    const csv = path.join(tempDir(), 'rows.csv');
    const args = { dataset: NODULE, 'models-dir': FIXTURES_DIR, model: 'bayes', samples: '4', steps: '2', limit: '3', csv };
    const { code, out, err } = await run(args, true);
    expect(code).toBe(0);
    expect(err).toMatch(/3\/3 slices/);
    const result = JSON.parse(out);
    expect(result.model.id).toBe('bayes');
    expect(result.settings).toEqual({ sampler: 'ddim', samples: 4, steps: 2, seed: 0 });
    expect(result.slices).toBe(3);
    expect(result.studies).toBe(1);
    for (const key of ['sncc', 'dmax', 'ci', 'ged', 'sc', 'da']) expect(result.metrics[key].count + result.metrics[key].undefinedCount).toBe(3);
    expect(result.metrics.dmax.mean).toBeGreaterThanOrEqual(0);
    expect(result.metrics.ged.mean).toBeGreaterThan(0);

    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('study,patient,slice,raters,ratersMarked,emptySamples,sncc,dmax,sc,da,ci,ged,ms');
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['0', '3', '6']);
    // The table's means are the means of the CSV's rows.
    const ged = lines.slice(1).map((l) => Number(l.split(',')[11]));
    expect(result.metrics.ged.mean).toBeCloseTo(ged.reduce((a, b) => a + b, 0) / ged.length, 12);

    // The presence indicators count, per slice, the raters who marked it (read back from the data here) and the
    // empty samples, and group the slices by the former.
    const cells = lines.slice(1).map((l) => l.split(','));
    const marked = datasetSlices(NODULE, null).slices.filter((s) => [0, 3, 6].includes(s.index)).map((s) => s.raters.filter((r) => r.some((byte) => byte !== 0)).length);
    expect(cells.map((c) => Number(c[4]))).toEqual(marked);
    expect(cells.every((c) => Number(c[5]) >= 0 && Number(c[5]) <= 4)).toBe(true);
    const groups = result.presence.emptyByRaters as { raters: number; slices: number; meanEmpty: number | null; ideal: number }[];
    expect(groups.map((g) => g.slices)).toEqual([0, 1, 2, 3, 4].map((n) => marked.filter((m) => m === n).length));
    for (const g of groups) {
      const empties = cells.filter((c) => Number(c[4]) === g.raters).map((c) => Number(c[5]));
      expect(g.meanEmpty).toBe(empties.length ? empties.reduce((a, b) => a + b, 0) / empties.length : null);
    }
    expect(groups[4].ideal).toBe(0);
    expect(groups[0].ideal).toBe(4);

    // Same seed, same masks, same numbers; and the text table names every metric with its counts.
    const again = await run(args, false);
    expect(again.out).toMatch(/^model bayes \(sha256 [0-9a-f]{12}…\) on \S+: DDIM K=2/);
    expect(again.out).toMatch(/presence: r\(raters who marked a slice, its empty samples\) (-?\d\.\d{3}|undefined) \(ideal -1\)/);
    expect(again.out).toMatch(new RegExp(`GED²\\s+${result.metrics.ged.mean.toFixed(4)} ± ${result.metrics.ged.std.toFixed(4)}\\s+3\\s+0`));
  });

  it('works on the PNG case layout and is reproducible from its seed', async () => {
    const options = { dataset: path.join(PNG_CASES, 'case-002'), modelsDir: FIXTURES_DIR, modelId: 'bayes', samples: 3, steps: 1, limit: null, patients: null };
    const metricsOf = (r: Awaited<ReturnType<typeof evaluateDataset>>) => r.rows.map(({ ms: _ms, ...rest }) => rest);
    const a = await evaluateDataset({ ...options, seed: 5 });
    const b = await evaluateDataset({ ...options, seed: 5 });
    const c = await evaluateDataset({ ...options, seed: 6 });
    expect(a.rows).toHaveLength(1);
    expect(a.rows[0].raters).toBe(4);
    expect(metricsOf(b)).toEqual(metricsOf(a));
    expect(c.rows[0].ged).not.toBe(a.rows[0].ged);
  });

  it('refuses a dataset without raters, a missing model and bad numbers, in one clear sentence', async () => {
    await expect(run({ dataset: path.join(SHARED_DATA, 'volumes') }, true)).rejects.toThrow(/no slices with rater masks/);
    await expect(run({ dataset: NODULE, 'models-dir': FIXTURES_DIR, model: 'nope' }, true)).rejects.toThrow(/no model "nope"/);
    await expect(run({ dataset: NODULE, samples: '0' }, true)).rejects.toThrow(/--samples must be at least 1/);
    await expect(run({}, true)).rejects.toThrow(/--dataset DIR is required/);
  });
});
