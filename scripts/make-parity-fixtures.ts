/**
 * Writes the JSON fixtures that pin the training code's twins to the app: the respaced DDPM / DDIM samplers
 * (src/main/engine/sampler.ts vs training/caldiff/sampling.py) and the calibration metrics (src/shared/metrics vs
 * training/caldiff/metrics.py). Both test suites read the same files (src/main/engine/parity-fixtures.test.ts and
 * training/tests/test_parity_fixtures.py), so a change on either side fails one of them.
 *
 *   npm run fixtures:parity
 *
 * The sampler cases use the exact Bayes denoiser of a binary mask (x0 = high with probability `image`, else low),
 * which both languages write in a few lines, and record the app's noise, every step's x_t and the final masks.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { calibrationMetrics } from '../src/shared/metrics';
import { Rng } from '../src/main/engine/rng';
import type { SamplerName } from '../src/shared/api';
import { sampleMasks, type Denoiser, type MaskRange } from '../src/main/engine/sampler';
import { linearSchedule, stridedTimesteps } from '../src/main/engine/schedule';
import { bayesDenoiser } from '../src/main/engine/fixtures/bayes-denoiser';

// npm runs scripts from the repository root
const OUT = path.join(process.cwd(), 'training', 'tests', 'fixtures');
const card = { schedule: { name: 'linear' as const, T: 1000, betaStart: 0.0001, betaEnd: 0.02 } };

interface SamplerCase {
  sampler: SamplerName;
  steps: number;
  samples: number;
  seed: number;
  stream: number;
  range: MaskRange;
}

async function samplerCase(c: SamplerCase, image: Float32Array) {
  const schedule = linearSchedule(card);
  const pixels = image.length;
  const trajectory: number[][] = [];
  const inner = bayesDenoiser(schedule, c.range);
  const recording: Denoiser = (img, x, t, batch) => {
    trajectory.push(Array.from(x));
    return inner(img, x, t, batch);
  };
  const settings = { sampler: c.sampler, steps: c.steps, samples: c.samples, seed: c.seed, eta: 0 };
  const masks = await sampleMasks(recording, image, schedule, settings, c.range, c.stream);
  // the noise the sampler drew: the initial x_T, then one plane set per ancestral step but the last
  const rng = new Rng(c.seed, c.stream);
  const ts = stridedTimesteps(schedule.T, c.steps);
  const initial = Array.from(rng.fillNormal(new Float32Array(c.samples * pixels)));
  const steps = c.sampler === 'ddpm' ? ts.slice(0, -1).map(() => Array.from(rng.fillNormal(new Float32Array(c.samples * pixels)))) : [];
  return { ...c, timesteps: ts, noise: { initial, steps }, trajectory, masks: masks.map((m) => Array.from(m)) };
}

async function main() {
  const side = 6;
  const image = new Float32Array(side * side).map((_, i) => 0.05 + (0.9 * ((i * 7) % 13)) / 12);
  const cases: SamplerCase[] = [
    { sampler: 'ddpm', steps: 10, samples: 3, seed: 11, stream: 4, range: { low: 0, high: 1, threshold: 0.5 } },
    { sampler: 'ddpm', steps: 10, samples: 3, seed: 12, stream: 0, range: { low: -1, high: 1, threshold: 0 } },
    { sampler: 'ddpm', steps: 25, samples: 2, seed: 13, stream: 9, range: { low: 0, high: 1, threshold: 0.5 } },
    { sampler: 'ddim', steps: 10, samples: 3, seed: 14, stream: 1, range: { low: -1, high: 1, threshold: 0 } },
  ];
  const sampler = { schedule: card.schedule, height: side, width: side, image: Array.from(image), cases: [] as unknown[] };
  for (const c of cases) sampler.cases.push(await samplerCase(c, image));
  writeFileSync(path.join(OUT, 'sampler-parity.json'), JSON.stringify(sampler) + '\n');

  // metrics: random blobs, plus the degenerate cases where a metric is undefined
  const rng = new Rng(2026, 13);
  const H = 16;
  const blob = (cy: number, cx: number, r: number) =>
    Uint8Array.from({ length: H * H }, (_, i) => (((i / H) | 0) - cy) ** 2 + ((i % H) - cx) ** 2 <= r * r ? 1 : 0);
  const randomBlob = () => (rng.nextOpenUnit() < 0.2 ? new Uint8Array(H * H) : blob(4 + 8 * rng.nextOpenUnit(), 4 + 8 * rng.nextOpenUnit(), 1 + 4 * rng.nextOpenUnit()));
  const metricCases: { samples: Uint8Array[]; raters: Uint8Array[] }[] = [];
  for (let k = 0; k < 8; k++) {
    const n = 2 + Math.floor(15 * rng.nextOpenUnit());
    metricCases.push({ samples: Array.from({ length: n }, randomBlob), raters: Array.from({ length: 4 }, randomBlob) });
  }
  const empty = new Uint8Array(H * H);
  metricCases.push({ samples: [empty, empty, empty], raters: [empty, empty, empty, empty] });
  metricCases.push({ samples: [blob(8, 8, 3), blob(8, 8, 3)], raters: [empty, empty, blob(8, 8, 3), empty] });
  metricCases.push({ samples: [blob(8, 8, 3), empty, blob(7, 9, 4)], raters: [empty, empty, empty, empty] });
  const metrics = {
    height: H,
    width: H,
    cases: metricCases.map((c) => {
      const r = calibrationMetrics(c.samples, c.raters);
      return {
        samples: c.samples.map((m) => Array.from(m)),
        raters: c.raters.map((m) => Array.from(m)),
        expected: { sncc: r.sncc, dmax: r.dmax, sc: r.sc, da: r.da, ci: r.ci, ged: r.ged },
      };
    }),
  };
  writeFileSync(path.join(OUT, 'metrics-parity.json'), JSON.stringify(metrics) + '\n');
}

void main();
