import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT, SHARED_DATA } from '../testing/paths';
import { pairedDifference, quality, validationSlices } from './bench';
import { sliceOutputs } from './outputs';

const split = path.join(REPO_ROOT, 'training', 'splits', 'val.txt');

test('benchmark slices come from held-out patients and show a lesion', () => {
  const slices = validationSlices(path.join(SHARED_DATA, 'lidc-idri'), split, 2);
  const held = new Set(readFileSync(split, 'utf8').split('\n').filter(Boolean));
  expect(slices).toHaveLength(2);
  for (const s of slices) {
    expect(held.has(s.name.split('/')[0])).toBe(true);
    expect(s.image).toHaveLength(128 * 128);
    expect(s.raters).toHaveLength(4);
    expect(s.raters.some((r) => r.some((v) => v === 1))).toBe(true);
  }
});

test('quality of the raters themselves used as samples: GED equals 0, Dmax 1', () => {
  const [slice] = validationSlices(path.join(SHARED_DATA, 'lidc-idri'), split, 1);
  const asSamples = { ...sliceOutputs(slice.raters, 128, 128), sliceIndex: 0, width: 128, height: 128, warnings: [], elapsedMs: 0 };
  const q = quality([slice], [asSamples]);
  expect(q.ged.summary.mean).toBeCloseTo(0, 10);
  expect(q.dmax.summary.mean).toBeCloseTo(1, 10);
});

test('paired differences skip slices undefined on either side and carry a 95% interval', () => {
  const d = pairedDifference([0.5, 0.7, null, 0.9], [0.4, 0.5, 0.3, 0.6]);
  expect(d.count).toBe(3);
  expect(d.mean).toBeCloseTo(0.2, 12);
  // differences 0.1, 0.2, 0.3: sample sd 0.1, standard error 0.1 / sqrt(3)
  expect(d.ci95).toBeCloseTo((1.96 * 0.1) / Math.sqrt(3), 12);
  expect(pairedDifference([null], [0.1])).toEqual({ mean: null, ci95: null, count: 0 });
  expect(pairedDifference([0.3], [0.1]).ci95).toBeNull();
});
