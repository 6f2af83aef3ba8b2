import { beforeAll, describe, expect, test } from 'vitest';
import { WINDOW_PRESETS } from '../../shared/volume';
import { startSampling } from './client';
import { buildWorker, fixtureModel } from './fixtures';
import type { Progress, RunRequest, SliceMessage } from './protocol';

let workerPath: string;
beforeAll(async () => {
  workerPath = await buildWorker();
});

function slice(index: number, width = 128, height = 128) {
  const data = new Uint8Array(width * height).map((_, i) => (i % width < width / 2 ? 230 : 25));
  return { index, width, height, data, intensity: 'windowed' as const, window: WINDOW_PRESETS.full8bit };
}

function request(model: 'bayes' | 'wrong-input', slices: RunRequest['slices'], steps = 10): RunRequest {
  const { file, card } = fixtureModel(model);
  return { model: { file, card }, session: { forceCpu: true }, settings: { sampler: 'ddim', steps, samples: 4, seed: 3, eta: 0 }, label: 'test study', slices };
}

describe('sampling worker process', () => {
  test('streams the provider, progress and each slice, resampling a slice that is not 128x128', async () => {
    const progress: Progress[] = [];
    const results: SliceMessage[] = [];
    let provider = '';
    const handle = startSampling(
      request('bayes', [slice(0), slice(5, 64, 48)]),
      { ready: (r) => (provider = r.active ?? ''), progress: (p) => progress.push(p), slice: (s) => void results.push(s) },
      workerPath,
    );
    await handle.done;
    expect(provider).toBe('cpu');
    expect(results.map((r) => r.sliceIndex)).toEqual([0, 5]);
    expect(progress.filter((p) => p.sliceIndex === 0).map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(progress.at(-1)).toEqual({ done: 1, slices: 2, sliceIndex: 5, step: 10, steps: 10 });
    const [full, small] = results;
    expect(full.warnings).toEqual([]);
    expect(full.samples).toHaveLength(4);
    expect(small.width).toBe(64);
    expect(small.height).toBe(48);
    expect(small.samples[0]).toHaveLength(64 * 48);
    expect(small.mean).toHaveLength(64 * 48);
    expect(small.warnings[0]).toMatch(/test study slice 5 is 64x48, the model takes 128x128: the slice was resampled/);
    // the image's bright half is marked ~90% of the time, the dark half ~10%: the mapping back kept the sides
    const side = (m: Float32Array, w: number, left: boolean) => {
      let sum = 0;
      let n = 0;
      m.forEach((v, i) => {
        if (i % w < w / 2 !== left) return;
        sum += v;
        n++;
      });
      return sum / n;
    };
    expect(side(small.mean, 64, true)).toBeGreaterThan(0.7);
    expect(side(small.mean, 64, false)).toBeLessThan(0.3);
  });

  test('cancellation stops within a step and delivers no further slice', async () => {
    const results: SliceMessage[] = [];
    let lastStep = 0;
    const handle = startSampling(
      request('bayes', [slice(0), slice(1), slice(2)], 200),
      {
        progress: (p) => {
          lastStep = p.step;
          if (p.done === 0 && p.step === 2) handle.cancel();
        },
        slice: (s) => void results.push(s),
      },
      workerPath,
    );
    await expect(handle.done).rejects.toMatchObject({ code: 'cancelled' });
    expect(results).toEqual([]);
    // The worker stops within one step of receiving 'cancel' (sampler.test.ts checks that exactly); progress
    // already in the pipe when the parent sent it may still arrive, so allow a few steps of a 200-step slice.
    expect(lastStep).toBeLessThan(20);
  });

  test('a worker killed mid-run is reported as an error and the parent carries on', async () => {
    const handle = startSampling(
      request('bayes', [slice(0), slice(1)], 200),
      { progress: (p) => p.step === 2 && process.kill(handle.pid!, 'SIGKILL') },
      workerPath,
    );
    await expect(handle.done).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/stopped unexpectedly \(signal SIGKILL\)/) });
    const again = startSampling(request('bayes', [slice(0)], 2), {}, workerPath);
    await expect(again.done).resolves.toBeUndefined();
  });

  test('a model that breaks the contract fails the run with the model error', async () => {
    const handle = startSampling(request('wrong-input', [slice(0)]), {}, workerPath);
    await expect(handle.done).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/wrong-input\.onnx does not match the CalDiff ONNX contract/) });
  });
});
