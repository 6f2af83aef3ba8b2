import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { calibrationMetrics, type CalibrationMetrics } from '../../shared/metrics';
import { REPO_ROOT } from '../testing/paths';
import { markedHalves } from './fixtures';
import { bayesDenoiser } from './fixtures/bayes-denoiser';
import { Rng } from './rng';
import type { SamplerName } from '../../shared/api';
import { sampleMasks, type Denoiser, type MaskRange } from './sampler';
import { linearSchedule, stridedTimesteps } from './schedule';

// The fixtures the training code's twins are checked against (training/tests/test_parity_fixtures.py), written by
// `npm run fixtures:parity`: if the app's sampler or metrics change, this fails until the fixtures are rewritten,
// and then the Python side must follow.
const FIXTURES = path.join(REPO_ROOT, 'training', 'tests', 'fixtures');
const read = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));

interface SamplerCase {
  sampler: SamplerName;
  steps: number;
  samples: number;
  seed: number;
  stream: number;
  range: MaskRange;
  timesteps: number[];
  noise: { initial: number[]; steps: number[][] };
  trajectory: number[][];
  masks: number[][];
}

const sampler = read('sampler-parity.json') as {
  schedule: { name: 'linear'; T: number; betaStart: number; betaEnd: number };
  image: number[];
  cases: SamplerCase[];
};
const schedule = linearSchedule({ schedule: sampler.schedule });

describe('sampler parity fixture', () => {
  test.each(sampler.cases.map((c, i) => [i, c] as const))('case %i: the app draws the recorded noise and walks the recorded trajectory', async (_, c) => {
    const pixels = sampler.image.length;
    const rng = new Rng(c.seed, c.stream);
    expect(Array.from(rng.fillNormal(new Float32Array(c.samples * pixels)))).toEqual(c.noise.initial);
    for (const step of c.noise.steps) expect(Array.from(rng.fillNormal(new Float32Array(c.samples * pixels)))).toEqual(step);
    expect(stridedTimesteps(schedule.T, c.steps)).toEqual(c.timesteps);

    const seen: number[][] = [];
    const inner = bayesDenoiser(schedule, c.range);
    const recording: Denoiser = (img, x, t, batch) => (seen.push(Array.from(x)), inner(img, x, t, batch));
    const settings = { sampler: c.sampler, steps: c.steps, samples: c.samples, seed: c.seed, eta: 0 };
    const masks = await sampleMasks(recording, Float32Array.from(sampler.image), schedule, settings, c.range, c.stream);
    expect(seen).toHaveLength(c.trajectory.length);
    seen.forEach((x, i) => x.forEach((value, p) => expect(Math.abs(value - c.trajectory[i][p])).toBeLessThan(1e-6)));
    expect(masks.map((m) => Array.from(m))).toEqual(c.masks);
  });
});

describe('metrics parity fixture', () => {
  const metrics = read('metrics-parity.json') as { cases: { samples: number[][]; raters: number[][]; expected: CalibrationMetrics }[] };
  test.each(metrics.cases.map((c, i) => [i, c] as const))('case %i: the workstation metrics give the recorded values', (_, c) => {
    const r = calibrationMetrics(c.samples.map((m) => Uint8Array.from(m)), c.raters.map((m) => Uint8Array.from(m)));
    for (const name of Object.keys(c.expected) as (keyof CalibrationMetrics)[]) {
      const want = c.expected[name];
      const got = r[name];
      if (want === null) expect(got).toBeNull();
      else expect(got).toBeCloseTo(want, 12);
    }
  });
});

describe("the card's mask block", () => {
  // The Bayes denoiser of masks diffused at {-1, +1}: a sampler that honours the block marks the halves of this
  // image with frequency 0.9 and 0.1; one that clipped to [0, 1] or thresholded at 0.5 would mark almost nothing.
  const SIZE = 32;
  const image = new Float32Array(SIZE * SIZE).map((_, i) => (i % SIZE < SIZE / 2 ? 0.9 : 0.1));
  test.each(['ddpm', 'ddim'] as const)('%s samples masks diffused at -1/+1 with threshold 0', async (name) => {
    const range = { low: -1, high: 1, threshold: 0 };
    const masks = await sampleMasks(bayesDenoiser(schedule, range), image, schedule, { sampler: name, steps: 50, samples: 16, seed: 3, eta: 0 }, range, 0);
    const [left, right] = markedHalves(masks, SIZE);
    expect(Math.abs(left - 0.9)).toBeLessThan(0.04);
    expect(Math.abs(right - 0.1)).toBeLessThan(0.04);
  });
});
