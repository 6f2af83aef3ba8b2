import { BrushStroke, type MaskGrid } from './brush';

/** The eraser is the brush painting 0s. */
export function eraserStroke(grid: MaskGrid, radius: number): BrushStroke {
  return new BrushStroke(grid, radius, 0);
}
