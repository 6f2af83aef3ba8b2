import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolateSlices } from '../../shared/editing/interpolate';
import { dice } from '../../shared/metrics';
import { readNiftiFile } from '../io/nifti';
import { SHARED_DATA } from '../testing/paths';

const LIDC = path.join(SHARED_DATA, 'lidc-idri');

/** A reader's masks of one nodule crop, slice by slice. */
function readerSlices(patient: string, nodule: string, reader: number): { masks: Uint8Array[]; width: number; height: number } {
  const { volume } = readNiftiFile(path.join(LIDC, patient, nodule, `rater-${reader}.nii.gz`));
  const [width, height, depth] = volume.dims;
  const n = width * height;
  const masks = Array.from({ length: depth }, (_, k) => Uint8Array.from(volume.data.subarray(k * n, (k + 1) * n), (v) => (v ? 1 : 0)));
  return { masks, width, height };
}

/**
 * Nodules (in manifest order) with at least 7 slices where `reader` drew on every slice 2..6: the case of the
 * issue (keys 2 and 6, slices 3-5 compared with the reader's own drawing).
 */
function candidates(reader: number, count: number): { patient: string; nodule: string }[] {
  const rows = readFileSync(path.join(LIDC, 'manifest.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const byNodule = new Map<string, string[][]>();
  for (const r of rows) byNodule.set(`${r[0]}/${r[1]}`, [...(byNodule.get(`${r[0]}/${r[1]}`) ?? []), r]);
  const out: { patient: string; nodule: string }[] = [];
  for (const [key, slices] of byNodule) {
    if (slices.length < 7) continue;
    const area = (k: number) => Number(slices.find((s) => Number(s[2]) === k)?.[4 + reader] ?? 0);
    if ([2, 3, 4, 5, 6].every((k) => area(k) > 0)) {
      const [patient, nodule] = key.split('/');
      out.push({ patient, nodule });
    }
    if (out.length === count) break;
  }
  return out;
}

describe('interpolation between a real reader\'s slices (LIDC-IDRI)', () => {
  it("fills slices 3-5 from keys 2 and 6 with Dice >= 0.8 against the reader's own drawing", () => {
    const [first] = candidates(0, 1);
    const { masks, width, height } = readerSlices(first.patient, first.nodule, 0);
    const keyed = masks.map((m, k) => (k === 2 || k === 6 ? m : null));
    const filled = interpolateSlices(keyed, width, height, [2, 6]);
    expect([...filled.keys()]).toEqual([3, 4, 5]);
    const scores = [3, 4, 5].map((k) => dice(filled.get(k)!, masks[k]));
    console.log(`${first.patient}/${first.nodule} rater-0 (LIDC reader 1): Dice slices 3, 4, 5 = ${scores.map((d) => d.toFixed(3)).join(', ')}`);
    for (const d of scores) expect(d).toBeGreaterThanOrEqual(0.8);
  });

  it('beats copying the nearer key slice over the first 20 such nodules of every reader', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const reader of [0, 1, 2, 3]) {
      const interpolated: number[] = [];
      const copied: number[] = [];
      for (const { patient, nodule } of candidates(reader, 20)) {
        const { masks, width, height } = readerSlices(patient, nodule, reader);
        const filled = interpolateSlices(masks.map((m, k) => (k === 2 || k === 6 ? m : null)), width, height, [2, 6]);
        for (const k of [3, 4, 5]) {
          interpolated.push(dice(filled.get(k) ?? new Uint8Array(width * height), masks[k])); // unmatched keys fill nothing
          copied.push(dice(k < 4 ? masks[2] : masks[6], masks[k]));
        }
      }
      console.log(`rater-${reader} (LIDC reader ${reader + 1}): ${interpolated.length} slices, mean Dice interpolated ${mean(interpolated).toFixed(3)}, nearer key copied ${mean(copied).toFixed(3)}`);
      expect(interpolated).toHaveLength(60);
      expect(mean(interpolated)).toBeGreaterThan(mean(copied));
    }
  });
});
