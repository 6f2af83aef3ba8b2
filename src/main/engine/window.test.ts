import { describe, expect, it } from 'vitest';
import { cutWindow, pasteWindow, windowOrigin } from './window';

describe('model windows in a full slice', () => {
  it('pastes a cut window back where it came from, clipped at the slice edge', () => {
    const [width, height] = [10, 8];
    const slice = Float32Array.from({ length: width * height }, (_, i) => i + 1);
    const origin = windowOrigin([1, 6], [4, 4]);
    const window = cutWindow(slice, width, height, origin, [4, 4]);
    const back = pasteWindow(new Float32Array(width * height), width, height, window, origin, [4, 4]);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const inside = x >= origin[0] && x < origin[0] + 4 && y >= origin[1] && y < origin[1] + 4;
        expect(back[y * width + x]).toBe(inside ? slice[y * width + x] : 0);
      }
  });

  it('keeps both nodules where two ROI windows overlap', () => {
    const [width, height] = [12, 4];
    // Two 8-px-wide windows overlapping in columns 4-7: each found a nodule inside the other's window.
    const left = new Uint8Array(8 * 4);
    const right = new Uint8Array(8 * 4);
    left[1 * 8 + 6] = 1; // column 6 of the slice, found by the left window
    right[2 * 8 + 1] = 1; // column 5 of the slice, found by the right window
    const mask = new Uint8Array(width * height);
    pasteWindow(mask, width, height, left, [0, 0], [8, 4]);
    pasteWindow(mask, width, height, right, [4, 0], [8, 4]);
    expect(mask[1 * width + 6]).toBe(1);
    expect(mask[2 * width + 5]).toBe(1);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(2);
  });
});
