import { describe, expect, it } from 'vitest';
import { BRUSH_RADIUS } from '../brush';
import { grid, show } from '../test-grid';
import type { MaskEdit, ToolContext } from '../types';
import { threshold, THRESHOLD_MAX, THRESHOLD_MIN, THRESHOLD_PRESETS } from '.';

/** Slice 1 of a 2-slice, 7x3 volume in HU: lung (-850), ground glass (-500), soft tissue (40), bone (700). */
const HU = [
  [-850, -850, -850, -850, -850, -850, -850],
  [-850, -500, 40, 40, 700, -500, -850],
  [-850, -850, 40, -850, -850, -850, -850],
].flat();

function context(values: Record<string, number>) {
  const mask = grid(['.......', '.......', '.......']);
  let edits = 0;
  let ended = 0;
  const edit: MaskEdit = {
    grid: mask,
    apply: (change) => {
      if (change(mask) !== false) edits++;
    },
    end: () => ended++,
  };
  const ctx: ToolContext = {
    beginEdit: () => edit,
    volume: { dims: [7, 3, 2], spacing: [1, 1, 1], data: Int16Array.from([...new Array<number>(21).fill(0), ...HU]) },
    slice: 1,
    values: { [BRUSH_RADIUS.id]: 3, ...values },
  };
  return { ctx, mask, counts: () => ({ edits, ended }) };
}

describe('threshold brush', () => {
  it('paints only the pixels of the slice under the stroke inside the range, one edit for the drag', () => {
    const solid = THRESHOLD_PRESETS.find((p) => p.label === 'Solid nodule')!.values;
    const { ctx, mask, counts } = context({ ...solid, [BRUSH_RADIUS.id]: 1 });
    const gesture = threshold.pointerDown!(ctx, 1, 1)!;
    gesture.move(5, 1);
    gesture.end(5, 1);
    expect(show(mask)).toEqual(['.......', '..##...', '..#....']);
    expect(counts()).toEqual({ edits: 2, ended: 1 });
  });

  it('takes the bounds in either order, and a stroke that paints nothing new reports no change', () => {
    const glass = THRESHOLD_PRESETS.find((p) => p.label === 'Ground glass')!.values;
    const { ctx, mask, counts } = context({ [THRESHOLD_MIN.id]: glass[THRESHOLD_MAX.id], [THRESHOLD_MAX.id]: glass[THRESHOLD_MIN.id] });
    threshold.pointerDown!(ctx, 3, 1)!.end(3, 1);
    expect(show(mask)).toEqual(['.......', '.#...#.', '.......']);
    threshold.pointerDown!(ctx, 3, 1)!.end(3, 1);
    expect(counts().edits).toBe(1);
  });
});
