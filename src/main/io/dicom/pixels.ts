/** Stored pixel values of single-frame grayscale images (CT slices), as Int32 per pixel. */
import path from 'node:path';
import { ApiError } from '../../../shared/errors';
import { decodeJpeg2000 } from './jpeg2000';
import type { DicomFile } from './parse';
import { pixelEncodingOf, transferSyntaxName } from './transfer-syntax';
import { num, str } from './values';

export function unsupportedSyntax(file: string, uid: string): ApiError {
  return new ApiError(
    'bad_input',
    `${path.basename(file)}: transfer syntax ${uid} (${transferSyntaxName(uid)}) is not supported; ` +
      'convert the series to uncompressed or JPEG 2000 (e.g. with dcmtk or gdcmconv).',
  );
}

/** The PixelData value as dcmjs gives it: one buffer (native) or one per frame/fragment (encapsulated). */
export function pixelDataBuffers(file: DicomFile): ArrayBuffer[] {
  const v = file.dataset.PixelData;
  const list = Array.isArray(v) ? v : v ? [v] : [];
  if (list.length === 0) throw new ApiError('bad_input', `${path.basename(file.path)}: has no pixel data.`);
  return list as ArrayBuffer[];
}

export async function readStoredValues(file: DicomFile): Promise<Int32Array> {
  const ds = file.dataset;
  const name = path.basename(file.path);
  const rows = num(ds, 'Rows') ?? 0;
  const columns = num(ds, 'Columns') ?? 0;
  const bitsAllocated = num(ds, 'BitsAllocated') ?? 16;
  const bitsStored = num(ds, 'BitsStored') ?? bitsAllocated;
  const signed = num(ds, 'PixelRepresentation') === 1;
  const samplesPerPixel = num(ds, 'SamplesPerPixel') ?? 1;
  if (samplesPerPixel !== 1 || !str(ds, 'PhotometricInterpretation').startsWith('MONOCHROME')) {
    throw new ApiError('bad_input', `${name}: only grayscale (MONOCHROME) images can be imported, this one is ${str(ds, 'PhotometricInterpretation') || 'unknown'}.`);
  }
  if ((num(ds, 'NumberOfFrames') ?? 1) > 1) {
    throw new ApiError('bad_input', `${name}: multi-frame images (NumberOfFrames ${num(ds, 'NumberOfFrames')}) are not supported; a series of single-frame slices is.`);
  }
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new ApiError('bad_input', `${name}: BitsAllocated ${bitsAllocated} is not supported for images (8, 16 or 32).`);
  }
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw new ApiError('bad_input', `${name}: BitsStored ${bitsStored} does not fit in BitsAllocated ${bitsAllocated}; the pixel module does not add up.`);
  }
  const count = rows * columns;
  const out = new Int32Array(count);
  const encoding = pixelEncodingOf(file.transferSyntaxUID);
  if (encoding === undefined) throw unsupportedSyntax(file.path, file.transferSyntaxUID);

  if (encoding === 'jpeg2000') {
    const buffers = pixelDataBuffers(file);
    const codestream = concat(buffers);
    let decoded;
    try {
      decoded = await decodeJpeg2000(codestream);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('bad_input', `${name}: the JPEG 2000 pixel data cannot be decoded (${err instanceof Error ? err.message : String(err)}).`);
    }
    if (decoded.width !== columns || decoded.height !== rows) {
      throw new ApiError('bad_input', `${name}: the JPEG 2000 image is ${decoded.width}x${decoded.height}, the header says ${columns}x${rows}.`);
    }
    for (let i = 0; i < count; i++) out[i] = decoded.samples[i];
    return out;
  }

  const bytes = new Uint8Array(pixelDataBuffers(file)[0]);
  const needed = (count * bitsAllocated) / 8;
  // Native pixel data is exactly Rows x Columns x BitsAllocated / 8 bytes, plus one pad byte when that is odd.
  if (bytes.length !== needed && !(needed % 2 === 1 && bytes.length === needed + 1)) {
    throw new ApiError(
      'bad_input',
      `${name}: the pixel data holds ${bytes.length} bytes, but ${columns}x${rows} pixels of ${bitsAllocated} bits (BitsAllocated) are ${needed}; the pixel module does not add up.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read: (i: number) => number =
    bitsAllocated === 8 ? (i) => view.getUint8(i) : bitsAllocated === 16 ? (i) => view.getUint16(2 * i, true) : (i) => view.getUint32(4 * i, true);
  // Only the low BitsStored bits carry the value (overlays or garbage may sit above them).
  const shift = 32 - bitsStored;
  for (let i = 0; i < count; i++) {
    const raw = read(i);
    out[i] = signed ? (raw << shift) >> shift : bitsStored >= 32 ? raw : raw & ((1 << bitsStored) - 1);
  }
  return out;
}

function concat(buffers: ArrayBuffer[]): Uint8Array {
  if (buffers.length === 1) return new Uint8Array(buffers[0]);
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}
