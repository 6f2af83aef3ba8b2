/** 2-D PNG images and masks (the lidc-sample case layout, `caldiff metrics` inputs, exports). */
import { readFileSync } from 'node:fs';
import { decode, encode } from 'fast-png';
import { ApiError } from '../../shared/errors';

export interface GrayImage {
  width: number;
  height: number;
  /** One 8-bit grey value per pixel, row-major. */
  data: Uint8Array;
}

export function readPngGray(file: string): GrayImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ApiError('bad_input', `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`);
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new ApiError('bad_input', `${file}: not a readable PNG (${(e as Error).message})`);
  }
  const { width, height, channels } = png;
  const colour = channels >= 3;
  const shift = png.depth === 16 ? 8 : 0;
  const data = new Uint8Array(width * height);
  for (let p = 0; p < width * height; p++) {
    const at = p * channels;
    const v = colour ? 0.299 * png.data[at] + 0.587 * png.data[at + 1] + 0.114 * png.data[at + 2] : png.data[at];
    data[p] = png.depth === 1 ? (v ? 255 : 0) : Math.round(v) >> shift;
  }
  return { width, height, data };
}

/** A PNG mask: any nonzero pixel is lesion. */
export function readPngMask(file: string): GrayImage {
  const img = readPngGray(file);
  for (let i = 0; i < img.data.length; i++) img.data[i] = img.data[i] ? 1 : 0;
  return img;
}

export function encodePngGray(width: number, height: number, data: Uint8Array): Uint8Array {
  return encode({ width, height, data, channels: 1, depth: 8 });
}
