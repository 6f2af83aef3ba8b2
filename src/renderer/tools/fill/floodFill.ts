import type { MaskGrid } from '../types';

/**
 * Flood fill from a seed: the 4-connected region of pixels sharing the seed's value takes the other value, so a
 * click inside a drawn outline fills it and a click on a painted blob removes it. Returns the pixels changed.
 */
export function floodFill(grid: MaskGrid, si: number, sj: number): number {
  const { width, height, data } = grid;
  if (si < 0 || sj < 0 || si >= width || sj >= height) return 0;
  const from = data[si + sj * width];
  const to = from ? 0 : 1;
  const stack = [si + sj * width];
  data[si + sj * width] = to;
  let changed = 1;
  while (stack.length) {
    const p = stack.pop()!;
    const i = p % width;
    const j = (p - i) / width;
    const neighbours = [i > 0 ? p - 1 : -1, i < width - 1 ? p + 1 : -1, j > 0 ? p - width : -1, j < height - 1 ? p + width : -1];
    for (const q of neighbours) {
      if (q >= 0 && data[q] === from) {
        data[q] = to;
        changed++;
        stack.push(q);
      }
    }
  }
  return changed;
}
