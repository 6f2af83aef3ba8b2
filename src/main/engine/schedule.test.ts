import { expect, test } from 'vitest';
import { linearSchedule, stridedTimesteps } from './schedule';

test('the linear schedule matches the closed form of Ho et al. (beta 1e-4..0.02, T = 1000)', () => {
  const s = linearSchedule({ schedule: { name: 'linear', T: 1000, betaStart: 1e-4, betaEnd: 0.02 } });
  expect(s.betas[0]).toBeCloseTo(1e-4, 12);
  expect(s.betas[999]).toBeCloseTo(0.02, 12);
  expect(s.alphasCumprod[0]).toBeCloseTo(1 - 1e-4, 12);
  let abar = 1;
  for (let t = 0; t < 1000; t++) abar *= 1 - (1e-4 + (t * (0.02 - 1e-4)) / 999);
  expect(s.alphasCumprod[999]).toBeCloseTo(abar, 15);
  expect(s.alphasCumprod[999]).toBeLessThan(1e-4); // almost pure noise at t = T - 1
});

test('strided timesteps run from T-1 down to 0 in K distinct steps', () => {
  expect(stridedTimesteps(1000, 1)).toEqual([999]);
  expect(stridedTimesteps(1000, 4)).toEqual([999, 666, 333, 0]);
  const k10 = stridedTimesteps(1000, 10);
  expect(k10).toHaveLength(10);
  expect(k10[0]).toBe(999);
  expect(k10[9]).toBe(0);
  expect(stridedTimesteps(1000, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => 999 - i));
  expect(stridedTimesteps(1000, 5000)).toHaveLength(1000);
});
