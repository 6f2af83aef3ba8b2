/**
 * From a stored slice to the model's input and back. The model sees [0, 1] images of the card's size:
 * 'windowed' slices (the LIDC crops, uint8 0..255) are divided by 255, Hounsfield slices go through the lung
 * window (1500/-600), anything else through the study's own window. A slice of another size is resampled
 * (bilinear) with a warning, and the masks come back to the slice's own grid (nearest neighbour), so a result
 * always lines up with the image it belongs to.
 */
import type { Intensity, VoxelArray, Window } from '../../shared/volume';
import { WINDOW_PRESETS } from '../../shared/volume';

export interface SliceInput {
  width: number;
  height: number;
  data: VoxelArray | Float32Array;
  intensity: Intensity;
  window: Window;
}

export interface ModelInput {
  image: Float32Array;
  width: number;
  height: number;
  warnings: string[];
}

export function toModelInput(slice: SliceInput, size: readonly [number, number], label: string): ModelInput {
  const [outW, outH] = size;
  const unit = normalise(slice);
  if (slice.width === outW && slice.height === outH) return { image: unit, width: outW, height: outH, warnings: [] };
  return {
    image: resampleBilinear(unit, slice.width, slice.height, outW, outH),
    width: outW,
    height: outH,
    warnings: [
      `${label} is ${slice.width}x${slice.height}, the model takes ${outW}x${outH}: the slice was resampled (bilinear) for the model and the masks mapped back (nearest neighbour), so fine detail may be lost`,
    ],
  };
}

function normalise(slice: SliceInput): Float32Array {
  const out = new Float32Array(slice.width * slice.height);
  if (slice.intensity === 'windowed') {
    for (let i = 0; i < out.length; i++) out[i] = clamp01(slice.data[i] / 255);
    return out;
  }
  const { width, level } = slice.intensity === 'HU' ? WINDOW_PRESETS.lung : slice.window;
  const low = level - width / 2;
  for (let i = 0; i < out.length; i++) out[i] = clamp01((slice.data[i] - low) / width);
  return out;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Bilinear resampling with pixel centres aligned (the image's edges map onto the output's edges). */
export function resampleBilinear(src: Float32Array, w: number, h: number, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH);
  const sx = w / outW;
  const sy = h / outH;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      const top = src[y0 * w + x0] * (1 - wx) + src[y0 * w + x1] * wx;
      const bottom = src[y1 * w + x0] * (1 - wx) + src[y1 * w + x1] * wx;
      out[y * outW + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}
