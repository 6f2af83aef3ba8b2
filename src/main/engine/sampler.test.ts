import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixtureModel, markedHalves } from './fixtures';
import { sampleMasks, type SamplerSettings } from './sampler';
import { linearSchedule } from './schedule';
import { loadModel, type LoadedModel } from './session';

// The fixture is the exact Bayes denoiser for pixels that are 1 with probability `image` (make_fixtures.py),
// so a correct sampler marks each half of this image with frequency 0.9 and 0.1.
const SIZE = 128;
const image = new Float32Array(SIZE * SIZE).map((_, i) => (i % SIZE < SIZE / 2 ? 0.9 : 0.1));
const range = { low: 0, high: 1, threshold: 0.5 };
const { file, card } = fixtureModel('bayes');
const schedule = linearSchedule(card);
let model: LoadedModel;

beforeAll(async () => {
  model = await loadModel(file, card, { forceCpu: true });
});
afterAll(() => model.release());

const halves = (masks: Uint8Array[]) => markedHalves(masks, SIZE);

const settings = (s: Partial<SamplerSettings>): SamplerSettings => ({ sampler: 'ddim', steps: 10, samples: 4, seed: 1, eta: 0, ...s });

describe('samplers on the Bayes fixture', () => {
  test('ancestral DDPM over all T = 1000 steps draws masks with the right pixel frequencies', async () => {
    let calls = 0;
    const masks = await sampleMasks(model.denoise, image, schedule, settings({ sampler: 'ddpm', steps: 1000, samples: 2 }), range, 0, {
      onStep: () => calls++,
    });
    expect(calls).toBe(1000);
    expect(masks).toHaveLength(2);
    const [left, right] = halves(masks);
    expect(Math.abs(left - 0.9)).toBeLessThan(0.02);
    expect(Math.abs(right - 0.1)).toBeLessThan(0.02);
  });

  test('DDIM with K = 50 steps and strided DDPM with K = 100 approach the same frequencies', async () => {
    const [l1, r1] = halves(await sampleMasks(model.denoise, image, schedule, settings({ steps: 50, samples: 8 }), range, 0));
    expect(Math.abs(l1 - 0.9)).toBeLessThan(0.03);
    expect(Math.abs(r1 - 0.1)).toBeLessThan(0.03);
    const [l2, r2] = halves(await sampleMasks(model.denoise, image, schedule, settings({ sampler: 'ddpm', steps: 100, samples: 4 }), range, 0));
    expect(Math.abs(l2 - 0.9)).toBeLessThan(0.03);
    expect(Math.abs(r2 - 0.1)).toBeLessThan(0.03);
  });

  test('the N samples of one slice run as one batch per step', async () => {
    const batches: number[] = [];
    const counting: typeof model.denoise = (img, x, t, batch) => (batches.push(batch), model.denoise(img, x, t, batch));
    await sampleMasks(counting, image, schedule, settings({ steps: 5, samples: 16 }), range, 0);
    expect(batches).toEqual([16, 16, 16, 16, 16]);
  });

  test('the same seed gives the same masks, another seed or slice other masks', async () => {
    const run = (seed: number, stream: number, eta = 0) => sampleMasks(model.denoise, image, schedule, settings({ seed, eta }), range, stream);
    const a = await run(7, 0);
    expect(await run(7, 0)).toEqual(a);
    expect(await run(8, 0)).not.toEqual(a);
    expect(await run(7, 1)).not.toEqual(a);
    expect(await run(7, 0, 1)).not.toEqual(a); // eta > 0 adds fresh noise each step
    expect(new Set(a.map((m) => m.join(''))).size).toBe(a.length); // the samples of one slice differ
  });

  test('cancellation stops before the next network evaluation', async () => {
    let calls = 0;
    let cancel = false;
    const run = sampleMasks(model.denoise, image, schedule, settings({ steps: 50 }), range, 0, {
      onStep: (step) => {
        calls = step;
        if (step === 3) cancel = true;
      },
      cancelled: () => cancel,
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(calls).toBe(3);
  });

  test('a model without learned variance samples with the fixed posterior variance', async () => {
    const fixed = fixtureModel('no-variance');
    const m = await loadModel(fixed.file, fixed.card, { forceCpu: true });
    try {
      const [left, right] = halves(await sampleMasks(m.denoise, image, schedule, settings({ sampler: 'ddpm', steps: 100, samples: 4 }), range, 0));
      expect(Math.abs(left - 0.9)).toBeLessThan(0.03);
      expect(Math.abs(right - 0.1)).toBeLessThan(0.03);
    } finally {
      await m.release();
    }
  });
});
