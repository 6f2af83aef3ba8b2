import { describe, expect, test } from 'vitest';
import { fixtureModel } from './fixtures';
import { cpuForcedByEnv, physicalCores } from './providers';
import { loadModel } from './session';

const { file, card } = fixtureModel('bayes');
// A provider that cannot exist on this platform stands in for a GPU provider whose libraries are missing.
const unavailable = process.platform === 'win32' ? 'coreml' : 'dml';

describe('execution providers', () => {
  test('a failing provider falls back to CPU and says why it failed', async () => {
    const model = await loadModel(file, card, { forceCpu: false, providers: [unavailable, 'cpu'] });
    try {
      expect(model.report.active).toBe('cpu');
      expect(model.report.forcedCpu).toBe(false);
      const [failed, cpu] = model.report.attempts;
      expect(failed).toMatchObject({ provider: unavailable, ok: false });
      expect(failed.reason).toMatch(/backend not found/);
      expect(cpu).toEqual({ provider: 'cpu', ok: true, reason: null });
      const out = await model.denoise(new Float32Array(128 * 128), new Float32Array(128 * 128), 500, 1);
      expect(out.eps).toHaveLength(128 * 128);
    } finally {
      await model.release();
    }
  });

  test('the default order tries every provider of the platform and reports each', async () => {
    const model = await loadModel(file, card, { forceCpu: false });
    try {
      expect(model.report.attempts.map((a) => a.provider)).toEqual(['cuda', 'webgpu', 'dml', 'coreml', 'cpu']);
      expect(model.report.active).not.toBeNull();
      for (const a of model.report.attempts.filter((x) => !x.ok)) expect(a.reason).toBeTruthy();
      if (process.platform === 'linux') expect(model.report.attempts.find((a) => a.provider === 'dml')?.reason).toMatch(/only on Windows/);
    } finally {
      await model.release();
    }
  });

  test('forcing CPU skips every other provider and says so', async () => {
    const model = await loadModel(file, card, { forceCpu: true });
    try {
      expect(model.report).toMatchObject({ active: 'cpu', forcedCpu: true });
      for (const a of model.report.attempts.filter((x) => x.provider !== 'cpu')) expect(a.reason).toMatch(/CPU forced/);
    } finally {
      await model.release();
    }
  });

  test('CALDIFF_FORCE_CPU=1 (or true) forces CPU; threads default to the physical cores', () => {
    expect(cpuForcedByEnv({ CALDIFF_FORCE_CPU: '1' })).toBe(true);
    expect(cpuForcedByEnv({ CALDIFF_FORCE_CPU: 'true' })).toBe(true);
    for (const off of ['0', 'false', 'yes', '']) expect(cpuForcedByEnv({ CALDIFF_FORCE_CPU: off })).toBe(false);
    expect(cpuForcedByEnv({})).toBe(false);
    expect(physicalCores()).toBeGreaterThanOrEqual(1);
  });
});
