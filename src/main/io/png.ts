/** 2-D PNG images and masks (the lidc-sample case layout, `caldiff metrics` inputs, exports). */
import { readFileSync } from 'node:fs';
import { decode, encode } from 'fast-png';
import { ApiError } from '../../shared/errors';
import { MAX_PNG_PIXELS, regularFileSize } from './limits';

export interface GrayImage {
  width: number;
  height: number;
  /** One 8-bit grey value per pixel, row-major. */
  data: Uint8Array;
}

const PNG_SIGNATURE = '89504e470d0a1a0a';

/** Width and height from the IHDR chunk (always first), so that an oversized image is refused before decoding. */
function checkPixelCount(file: string, bytes: Buffer): void {
  if (bytes.length < 24 || bytes.toString('hex', 0, 8) !== PNG_SIGNATURE || bytes.toString('latin1', 12, 16) !== 'IHDR') return; // decode() names the problem
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width * height > MAX_PNG_PIXELS) {
    throw new ApiError('bad_input', `${file}: is ${width}x${height} pixels, more than the ${MAX_PNG_PIXELS.toLocaleString('en')} a PNG may have (8192 x 8192)`);
  }
}

export function readPngGray(file: string): GrayImage {
  regularFileSize(file);
  const bytes = readFileSync(file);
  checkPixelCount(file, bytes);
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
