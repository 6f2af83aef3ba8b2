import { BRUSH_RADIUS, drawBrushCursor, strokeGesture } from '../brush';
import type { Tool } from '../types';

/** The eraser is the brush painting 0s, with the brush's size. */
export const eraser: Tool = {
  id: 'eraser',
  label: 'Eraser',
  description: 'Eraser',
  key: 'E',
  cursor: 'none',
  settings: [BRUSH_RADIUS],
  pointerDown: (ctx, i, j) => strokeGesture(ctx, i, j, 0),
  drawCursor: drawBrushCursor('#7fd0ff'),
};
