import { useEffect, useState } from 'react';
import type { Response } from '../../shared/api';
import { closestSample } from '../../shared/editing/model';
import { resampleNearest, unpackMask } from '../../shared/masks';
import { api } from '../api';

export type SliceResult = NonNullable<Response<'triage.result'>>;

/** The model's result on a slice (samples, mean, uncertainty), re-read as triage stores new results. */
export function useModelResult(studyId: number, slice: number, resultsVersion: number, report: (e: unknown) => void): SliceResult | null {
  const [result, setResult] = useState<SliceResult | null>(null);
  useEffect(() => {
    let live = true;
    api['triage.result']({ studyId, sliceIndex: slice }).then((r) => live && setResult(r), report);
    return () => {
      live = false;
    };
  }, [studyId, slice, resultsVersion, report]);
  return result;
}

/** The index of the model sample closest (by Dice) to `mask`, compared on the model's grid; null without samples. */
export function closestSampleTo(result: SliceResult, mask: Uint8Array, width: number, height: number): number | null {
  const n = result.width * result.height;
  const own = resampleNearest(mask, width, height, result.width, result.height);
  return closestSample(result.samples.map((s) => unpackMask(s, n)), own)?.index ?? null;
}

/** The model's mean (thresholded at 0.5) or one sample as a 0/1 mask on the image grid, to start a mask from. */
export function modelMask(result: SliceResult, which: 'mean' | 'sample', sampleIndex: number, width: number, height: number): Uint8Array {
  const n = result.width * result.height;
  const pixels =
    which === 'mean'
      ? Uint8Array.from(result.mean, (v) => (v >= 0.5 ? 1 : 0))
      : unpackMask(result.samples[Math.min(sampleIndex, result.samples.length - 1)], n);
  return resampleNearest(pixels, result.width, result.height, width, height);
}
