import { describe, expect, test } from 'vitest';
import { WINDOW_PRESETS } from '../../shared/volume';
import { resampleBilinear, toModelInput } from './preprocess';

const size = [128, 128] as const;

describe('model input', () => {
  test("windowed uint8 slices are divided by 255 and a 128x128 slice passes without warning", () => {
    const data = new Uint8Array(128 * 128).map((_, i) => i % 256);
    const input = toModelInput({ width: 128, height: 128, data, intensity: 'windowed', window: WINDOW_PRESETS.full8bit }, size, 'slice 0');
    expect(input.warnings).toEqual([]);
    expect(input.image[0]).toBe(0);
    expect(input.image[255]).toBe(1);
    expect(input.image[51]).toBeCloseTo(0.2, 6);
  });

  test('Hounsfield slices go through the lung window 1500/-600', () => {
    const data = new Int16Array([-2000, -1350, -600, 150, 1000, -975]);
    const input = toModelInput({ width: 3, height: 2, data, intensity: 'HU', window: WINDOW_PRESETS.bone }, [3, 2], 'ct');
    expect([...input.image].map((v) => +v.toFixed(4))).toEqual([0, 0, 0.5, 1, 1, 0.25]);
  });

  test('raw slices use the study window', () => {
    const data = new Float32Array([0, 50, 100]);
    const input = toModelInput({ width: 3, height: 1, data, intensity: 'raw', window: { width: 100, level: 50 } }, [3, 1], 'raw');
    expect([...input.image]).toEqual([0, 0.5, 1]);
  });

  test('a slice that is not 128x128 is resampled with a warning naming it', () => {
    const data = new Uint8Array(256 * 200).fill(255);
    const input = toModelInput({ width: 256, height: 200, data, intensity: 'windowed', window: WINDOW_PRESETS.full8bit }, size, 'study X slice 4');
    expect(input.image).toHaveLength(128 * 128);
    expect(input.image.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    expect(input.warnings).toHaveLength(1);
    expect(input.warnings[0]).toMatch(/^study X slice 4 is 256x200, the model takes 128x128: the slice was resampled/);
  });
});

describe('resampling', () => {
  test('bilinear downsampling by 2 averages pixel pairs; upsampling keeps a ramp a ramp', () => {
    expect([...resampleBilinear(new Float32Array([0, 1, 2, 3]), 4, 1, 2, 1)]).toEqual([0.5, 2.5]);
    const up = resampleBilinear(new Float32Array([0, 1]), 2, 1, 4, 1);
    expect([...up]).toEqual([0, 0.25, 0.75, 1]);
  });
});
