/** Transfer syntaxes: which ones we decode, and names for the error message when we do not. */
export const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BIG_ENDIAN = '1.2.840.10008.1.2.2';
const JPEG2000_LOSSLESS = '1.2.840.10008.1.2.4.90';
const JPEG2000 = '1.2.840.10008.1.2.4.91';

export type PixelEncoding = 'native' | 'jpeg2000';

const SUPPORTED: Record<string, PixelEncoding> = {
  [IMPLICIT_LITTLE_ENDIAN]: 'native',
  [EXPLICIT_LITTLE_ENDIAN]: 'native',
  // dcmjs inflates the whole dataset while reading, so the pixels arrive native.
  [DEFLATED_EXPLICIT_LITTLE_ENDIAN]: 'native',
  [JPEG2000_LOSSLESS]: 'jpeg2000',
  [JPEG2000]: 'jpeg2000',
};

const NAMES: Record<string, string> = {
  [IMPLICIT_LITTLE_ENDIAN]: 'Implicit VR Little Endian',
  [EXPLICIT_LITTLE_ENDIAN]: 'Explicit VR Little Endian',
  [DEFLATED_EXPLICIT_LITTLE_ENDIAN]: 'Deflated Explicit VR Little Endian',
  [EXPLICIT_BIG_ENDIAN]: 'Explicit VR Big Endian (retired)',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Lossy (Near-Lossless)',
  [JPEG2000_LOSSLESS]: 'JPEG 2000 Image Compression (Lossless Only)',
  [JPEG2000]: 'JPEG 2000 Image Compression',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
};

export function transferSyntaxName(uid: string): string {
  return NAMES[uid] ?? 'unknown transfer syntax';
}

/** How the pixel data of this syntax is decoded, or undefined when we cannot. */
export function pixelEncodingOf(uid: string): PixelEncoding | undefined {
  return SUPPORTED[uid];
}
