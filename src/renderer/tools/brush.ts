/** A round brush on a 0/1 mask: one disc per sample point, discs along a stroke segment so fast drags leave no gaps. */
export interface MaskGrid {
  width: number;
  height: number;
  data: Uint8Array;
}

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

/** The brush: a stroke is a sequence of points painted with 1s. */
export class BrushStroke {
  private last: [number, number] | null = null;
  constructor(
    private readonly grid: MaskGrid,
    private readonly radius: number,
    private readonly value: 0 | 1 = 1,
  ) {}

  to(i: number, j: number): void {
    paintSegment(this.grid, this.last ?? [i, j], [i, j], this.radius, this.value);
    this.last = [i, j];
  }
}
