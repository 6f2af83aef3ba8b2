/** A round brush on a 0/1 mask: one disc per sample point, discs along a stroke segment so fast drags leave no gaps. */
import type { MaskGrid } from '../types';

export function paintDisc(grid: MaskGrid, ci: number, cj: number, radius: number, value: 0 | 1): void {
  const r = Math.max(0, radius);
  const r2 = (r + 0.25) * (r + 0.25);
  const i0 = Math.max(0, Math.floor(ci - r));
  const i1 = Math.min(grid.width - 1, Math.ceil(ci + r));
  const j0 = Math.max(0, Math.floor(cj - r));
  const j1 = Math.min(grid.height - 1, Math.ceil(cj + r));
  for (let j = j0; j <= j1; j++)
    for (let i = i0; i <= i1; i++) if ((i - ci) ** 2 + (j - cj) ** 2 <= r2) grid.data[i + j * grid.width] = value;
}

export function paintSegment(grid: MaskGrid, from: [number, number], to: [number, number], radius: number, value: 0 | 1): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(to[0] - from[0], to[1] - from[1]) / Math.max(0.5, radius / 2)));
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    paintDisc(grid, Math.round(from[0] + (to[0] - from[0]) * t), Math.round(from[1] + (to[1] - from[1]) * t), radius, value);
  }
}
