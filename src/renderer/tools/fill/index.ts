import type { Tool } from '../types';
import { floodFill } from './floodFill';

/** A click fills the region under it (or clears a painted blob): one undo step, saved at once. */
export const fill: Tool = {
  id: 'fill',
  label: 'Fill',
  description: 'Flood fill',
  key: 'F',
  cursor: 'crosshair',
  settings: [],
  pointerDown(ctx, i, j) {
    const edit = ctx.beginEdit();
    if (!edit) return;
    edit.apply((grid) => floodFill(grid, i, j) > 0);
    edit.end();
  },
};
