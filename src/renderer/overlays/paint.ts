/**
 * Overlays are drawn into small canvases at their own resolution (image or model grid) and stretched over the
 * slice by the view, so an overlay costs one pass over its pixels when it changes and nothing when the view moves.
 */
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkColorMaps from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction/ColorMaps';

export type Rgb = [number, number, number];

function canvasOf(width: number, height: number, fill: (px: Uint8ClampedArray) => void): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(width, height);
  fill(image.data);
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** A canvas in the slice's pixels for what is drawn as lines and text (ROI boxes, point marks). */
export function drawnCanvas(width: number, height: number, draw: (g: CanvasRenderingContext2D) => void): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  draw(canvas.getContext('2d')!);
  return canvas;
}

function isEdge(inside: (p: number) => boolean, p: number, i: number, j: number, width: number, height: number): boolean {
  return i === 0 || j === 0 || i === width - 1 || j === height - 1 || !inside(p - 1) || !inside(p + 1) || !inside(p - width) || !inside(p + width);
}

/** A binary mask: translucent fill with a solid outline. */
export function maskCanvas(mask: ArrayLike<number>, width: number, height: number, rgb: Rgb, fillAlpha = 90): HTMLCanvasElement {
  const inside = (p: number) => mask[p] !== 0;
  return canvasOf(width, height, (px) => {
    for (let j = 0, p = 0; j < height; j++)
      for (let i = 0; i < width; i++, p++) {
        if (!inside(p)) continue;
        const o = p * 4;
        px[o] = rgb[0];
        px[o + 1] = rgb[1];
        px[o + 2] = rgb[2];
        px[o + 3] = isEdge(inside, p, i, j, width, height) ? 255 : fillAlpha;
      }
  });
}

/** The outline of a soft mask at a threshold (the mean mask's 0.5 contour). */
export function contourCanvas(soft: ArrayLike<number>, width: number, height: number, rgb: Rgb, threshold = 0.5): HTMLCanvasElement {
  const inside = (p: number) => soft[p] >= threshold;
  return canvasOf(width, height, (px) => {
    for (let j = 0, p = 0; j < height; j++)
      for (let i = 0; i < width; i++, p++) {
        if (!inside(p) || !isEdge(inside, p, i, j, width, height)) continue;
        const o = p * 4;
        px[o] = rgb[0];
        px[o + 1] = rgb[1];
        px[o + 2] = rgb[2];
        px[o + 3] = 255;
      }
  });
}

/** The heat ramp of every view: matplotlib's perceptual "inferno", from vtk.js's colour map presets. */
export const HEAT_PRESET = 'Inferno (matplotlib)';

/** A vtk.js colour transfer function of the heat ramp over [0, max]: the vtk views use it as it is. */
export function heatTransfer(max: number): vtkColorTransferFunction {
  const f = vtkColorTransferFunction.newInstance();
  f.applyColorMap(vtkColorMaps.getPresetByName(HEAT_PRESET));
  f.setMappingRange(0, max);
  f.updateRange();
  return f;
}

const HEAT_TABLE_SIZE = 256;
/** The same ramp sampled once, RGB bytes, for the 2-D canvases and the colour bars. */
const HEAT_TABLE = heatTransfer(1).getUint8Table(0, 1, HEAT_TABLE_SIZE, false);

export function heatColour(t: number): Rgb {
  const k = Math.round(Math.min(1, Math.max(0, t)) * (HEAT_TABLE_SIZE - 1)) * 3;
  return [HEAT_TABLE[k], HEAT_TABLE[k + 1], HEAT_TABLE[k + 2]];
}

/** A heat map of a non-negative map scaled to [0, max]; zero stays transparent so the anatomy shows through. */
export function heatCanvas(map: ArrayLike<number>, width: number, height: number, max: number): HTMLCanvasElement {
  const scale = max > 0 ? 1 / max : 0;
  return canvasOf(width, height, (px) => {
    for (let p = 0; p < width * height; p++) {
      const t = Math.min(1, map[p] * scale);
      if (t <= 0.02) continue;
      const [r, g, b] = heatColour(t);
      const o = p * 4;
      px[o] = r;
      px[o + 1] = g;
      px[o + 2] = b;
      px[o + 3] = Math.round(90 + 165 * t);
    }
  });
}

export function maxOf(map: ArrayLike<number>): number {
  let m = 0;
  for (let p = 0; p < map.length; p++) if (map[p] > m) m = map[p];
  return m;
}

/** A CSS gradient of the heat ramp for colour bars. */
export function heatGradientCss(): string {
  const stops = Array.from({ length: 9 }, (_, i) => `${rgbCss(heatColour(i / 8))} ${(i / 8) * 100}%`);
  return `linear-gradient(to top, ${stops.join(', ')})`;
}

/** Distinct colours for raters: own mask yellow; others from a palette readable on grey CT. */
export const OWN_COLOUR: Rgb = [255, 225, 77];
export const RATER_COLOURS: Rgb[] = [
  [80, 200, 255],
  [120, 255, 120],
  [255, 120, 200],
  [255, 150, 60],
  [180, 140, 255],
  [60, 240, 210],
];
/** Each rater keeps one colour in every view and on every slice. */
export function raterColour(raterId: number): Rgb {
  return RATER_COLOURS[raterId % RATER_COLOURS.length];
}
export const MEAN_COLOUR: Rgb = [255, 60, 60];
/** The adjudicated final mask: white, apart from every rater's colour. */
export const FINAL_COLOUR: Rgb = [255, 255, 255];
export const SAMPLE_COLOUR: Rgb = [255, 255, 255];
/** The uncertainty bands at 10 %, 50 % and 90 % of the samples (BAND_LEVELS): cool where few samples agree, warm where most do. */
export const BAND_COLOURS: readonly Rgb[] = [
  [96, 165, 250],
  [250, 204, 21],
  [248, 113, 113],
];
export function rgbCss(c: Rgb): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
