import { describe, expect, it } from 'vitest';
import { heatColour, heatTransfer } from './paint';

describe('heat ramp', () => {
  it("is vtk.js's inferno preset: near black at zero, pale yellow at the maximum, rising in brightness", () => {
    const [r0, g0, b0] = heatColour(0);
    const [r1, g1, b1] = heatColour(1);
    expect(r0 + g0 + b0).toBeLessThan(30);
    expect(r1).toBeGreaterThan(240);
    expect(g1).toBeGreaterThan(240);
    expect(b1).toBeGreaterThan(120);
    const brightness = [0, 0.25, 0.5, 0.75, 1].map((t) => heatColour(t).reduce((a, b) => a + b, 0));
    expect(brightness).toEqual([...brightness].sort((a, b) => a - b));
  });

  it('maps [0, max] onto the whole ramp for the vtk views', () => {
    const f = heatTransfer(4);
    const top = [0, 0, 0];
    f.getColor(4, top);
    expect(top.map((c) => Math.round(c * 255))).toEqual(heatColour(1).map(Math.round));
  });
});
