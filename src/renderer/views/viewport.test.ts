import { describe, expect, it } from 'vitest';
import { FIT, imageToScreenMatrix, screenToImage, zoomAbout, type SliceFrame } from './viewport';
import type { Geometry } from '../../shared/volume';
import { axisSigns, labelsFor } from './orientation';

const frame = (flipX = false, flipY = false): SliceFrame => ({ nx: 128, ny: 64, sx: 0.5, sy: 1, flipX, flipY, viewWidth: 400, viewHeight: 300 });

/** Where the overlay canvas puts the centre of pixel (i, j): the image-to-screen matrix applied to (i+0.5, j+0.5). */
function centreOnScreen(f: SliceFrame, t = FIT, i: number, j: number): [number, number] {
  const [a, , , d, e, g] = imageToScreenMatrix(f, t);
  return [a * (i + 0.5) + e, d * (j + 0.5) + g];
}

describe('view transform', () => {
  for (const [flipX, flipY] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`maps screen to image and back consistently with the overlay (flipX ${flipX}, flipY ${flipY})`, () => {
      const f = frame(flipX, flipY);
      const t = { zoom: 2.5, panX: 31, panY: -12 };
      for (const [i, j] of [
        [0, 0],
        [127, 63],
        [40, 17],
      ]) {
        const [x, y] = centreOnScreen(f, t, i, j);
        const [bi, bj] = screenToImage(f, t, x, y);
        expect(bi).toBeCloseTo(i, 9);
        expect(bj).toBeCloseTo(j, 9);
      }
    });
  }

  it('fits the slice in the view with its physical aspect', () => {
    const f = frame();
    // 128 x 0.5 mm = 64 mm wide, 64 x 1 mm = 64 mm tall: square, limited by the 300 px height.
    const [x0, y0] = centreOnScreen(f, FIT, 0, 0);
    const [x1, y1] = centreOnScreen(f, FIT, 127, 63);
    expect(y1 - y0).toBeCloseTo((63 / 64) * 300, 6);
    expect(x1 - x0).toBeCloseTo((127 / 128) * 300, 6);
  });

  it('keeps the image point under the cursor fixed while zooming', () => {
    const f = frame(true, false);
    const before = screenToImage(f, FIT, 123, 77);
    const zoomed = zoomAbout(f, FIT, 3, 123, 77);
    const after = screenToImage(f, zoomed, 123, 77);
    expect(after[0]).toBeCloseTo(before[0], 9);
    expect(after[1]).toBeCloseTo(before[1], 9);
  });
});

describe('orientation', () => {
  it('shows a NIfTI-style RAS-identity volume (LPS axes -x, -y) radiologically: anterior up, patient right on the left', () => {
    const direction: Geometry['direction'] = [-1, 0, 0, 0, -1, 0, 0, 0, 1];
    const s = axisSigns(direction);
    expect(s).toEqual({ i: -1, j: -1, k: 1 });
    expect(labelsFor(direction, [s.i, 0, 0], [0, s.j, 0])).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  });
});
