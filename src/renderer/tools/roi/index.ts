import type { Tool } from '../types';

/** A click on the nodule adds a region of interest centred there on this slice; its slice range is adjusted in the ROI list. */
export const roi: Tool = {
  id: 'roi',
  label: 'Add nodule ROI',
  description: 'Add nodule ROI (click the nodule)',
  key: 'I',
  cursor: 'crosshair',
  settings: [],
  pointerDown(ctx, i, j) {
    ctx.addRoi?.([i, j, ctx.slice]);
  },
};
