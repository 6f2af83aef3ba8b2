import { describe, expect, test } from 'vitest';
import { Rng } from './rng';

describe('Rng', () => {
  test('the same seed and stream give the same sequence; another seed or stream another one', () => {
    const draw = (rng: Rng) => Array.from({ length: 8 }, () => rng.nextUint32());
    expect(draw(new Rng(42, 3))).toEqual(draw(new Rng(42, 3)));
    expect(draw(new Rng(42, 3))).not.toEqual(draw(new Rng(43, 3)));
    expect(draw(new Rng(42, 3))).not.toEqual(draw(new Rng(42, 4)));
    expect(draw(new Rng(0))).not.toEqual(draw(new Rng(2 ** 32))); // high bits of the seed count too
  });

  test('normal draws have mean 0 and variance 1', () => {
    const x = new Rng(7).fillNormal(new Float32Array(200_000));
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const tail = x.filter((v) => Math.abs(v) > 1.96).length / x.length; // 5% beyond 1.96 sigma
    expect(Math.abs(tail - 0.05)).toBeLessThan(0.005);
  });
});
