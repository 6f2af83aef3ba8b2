import { BRUSH_RADIUS, drawBrushCursor } from '../brush';
import { paintSegment } from '../brush/stroke';
import type { NumberSetting, Tool } from '../types';

/**
 * The intensity range the threshold brush paints, in the study's own units: Hounsfield units for CT (DICOM after
 * the rescale, NIfTI in HU); the LIDC crops are windowed 0..255 and take the same range as pixel values.
 */
export const THRESHOLD_MIN: NumberSetting = { id: 'threshold-min', caption: (v) => `From ${v}`, min: -1100, max: 3000, step: 10, initial: -300 };
export const THRESHOLD_MAX: NumberSetting = { id: 'threshold-max', caption: (v) => `To ${v}`, min: -1100, max: 3000, step: 10, initial: 200 };

/**
 * Solid nodule -300..+200 HU: soft tissue and the solid part of a part-solid nodule (-300 HU is the usual cut
 * between solid and ground-glass components in CT volumetry), stopping below calcification (> 200 HU).
 * Ground glass -750..-300 HU: hazy opacity above aerated lung (about -850 HU and below) and under the solid cut.
 */
export const THRESHOLD_PRESETS = [
  { label: 'Solid nodule', values: { [THRESHOLD_MIN.id]: -300, [THRESHOLD_MAX.id]: 200 } },
  { label: 'Ground glass', values: { [THRESHOLD_MIN.id]: -750, [THRESHOLD_MAX.id]: -300 } },
];

/**
 * The brush, but a pixel under it is painted only when its intensity lies in the range (bounds included, either
 * order): the stroke follows the nodule's edge against aerated lung. One drag is one undo step and one save.
 */
export const threshold: Tool = {
  id: 'threshold',
  label: 'Threshold',
  description: 'Threshold brush (paints only pixels inside the intensity range)',
  key: 'Y',
  cursor: 'none',
  settings: [BRUSH_RADIUS, THRESHOLD_MIN, THRESHOLD_MAX],
  presets: THRESHOLD_PRESETS,
  usesIntensity: true,
  pointerDown(ctx, i, j) {
    const edit = ctx.beginEdit();
    if (!edit) return;
    const { width, height, data } = edit.grid;
    const pixels = ctx.volume.data.subarray(ctx.slice * width * height, (ctx.slice + 1) * width * height);
    const lo = Math.min(ctx.values[THRESHOLD_MIN.id], ctx.values[THRESHOLD_MAX.id]);
    const hi = Math.max(ctx.values[THRESHOLD_MIN.id], ctx.values[THRESHOLD_MAX.id]);
    const under = { width, height, data: new Uint8Array(width * height) };
    let last: [number, number] = [i, j];
    const to = (ni: number, nj: number) => {
      edit.apply(() => {
        under.data.fill(0);
        paintSegment(under, last, [ni, nj], ctx.values[BRUSH_RADIUS.id], 1);
        let changed = false;
        for (let p = 0; p < data.length; p++)
          if (under.data[p] && !data[p] && pixels[p] >= lo && pixels[p] <= hi) {
            data[p] = 1;
            changed = true;
          }
        return changed;
      });
      last = [ni, nj];
    };
    to(i, j);
    return { move: to, end: () => edit.end() };
  },
  drawCursor: drawBrushCursor('#7fdcff'),
};
