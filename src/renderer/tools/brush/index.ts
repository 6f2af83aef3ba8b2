import type { Gesture, NumberSetting, Tool, ToolContext } from '../types';
import { paintSegment } from './stroke';

/** The brush radius in pixels (diameter 2r + 1), shared by the brush and the eraser. */
export const BRUSH_RADIUS: NumberSetting = {
  id: 'brush-size',
  caption: (r) => `Brush size ${r * 2 + 1} px`,
  min: 0,
  max: 30,
  step: 1,
  initial: 3,
};

/** A stroke paints `value` in discs along the drag; the whole drag is one undo step and one save. */
export function strokeGesture(ctx: ToolContext, i: number, j: number, value: 0 | 1): Gesture | void {
  const edit = ctx.beginEdit();
  if (!edit) return;
  const radius = ctx.values[BRUSH_RADIUS.id];
  let last: [number, number] = [i, j];
  const to = (ni: number, nj: number) => {
    edit.apply((grid) => paintSegment(grid, last, [ni, nj], radius, value));
    last = [ni, nj];
  };
  to(i, j);
  return { move: to, end: () => edit.end() };
}

export function drawBrushCursor(colour: string): NonNullable<Tool['drawCursor']> {
  return (g, i, j, values, pixel) => {
    g.beginPath();
    g.arc(Math.round(i) + 0.5, Math.round(j) + 0.5, values[BRUSH_RADIUS.id] + 0.5, 0, 2 * Math.PI);
    g.lineWidth = 1.5 * pixel;
    g.strokeStyle = colour;
    g.stroke();
  };
}

export const brush: Tool = {
  id: 'brush',
  label: 'Brush',
  description: 'Brush',
  key: 'B',
  cursor: 'none',
  settings: [BRUSH_RADIUS],
  pointerDown: (ctx, i, j) => strokeGesture(ctx, i, j, 1),
  drawCursor: drawBrushCursor('#ffe14d'),
};
