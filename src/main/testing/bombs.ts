/**
 * Hostile files for tests, small on disk: decompression bombs built from one compressed block of zeros repeated
 * (a valid deflate stream: each block starts afresh), so a gigabyte of zeros costs a megabyte and no time.
 */
import { constants, crc32, deflateRawSync, deflateSync } from 'node:zlib';

const MIB = 1024 * 1024;
const ZERO_MIB = Buffer.alloc(MIB);
const flushed = (bytes: Buffer) => deflateRawSync(bytes, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
const FINAL_EMPTY_BLOCK = deflateRawSync(Buffer.alloc(0));

/** A raw deflate stream of `prefix` followed by `zeros` zero bytes. */
export function deflatedWithZeros(prefix: Buffer, zeros: number): Buffer {
  const block = flushed(ZERO_MIB);
  const parts = [flushed(prefix)];
  for (let i = 0; i < Math.floor(zeros / MIB); i++) parts.push(block);
  if (zeros % MIB) parts.push(flushed(Buffer.alloc(zeros % MIB)));
  parts.push(FINAL_EMPTY_BLOCK);
  return Buffer.concat(parts);
}

function crcWithZeros(prefix: Buffer, zeros: number): number {
  let crc = crc32(prefix);
  for (let left = zeros; left > 0; left -= MIB) crc = crc32(left >= MIB ? ZERO_MIB : Buffer.alloc(left), crc);
  return crc;
}

/** A gzip file holding `prefix` followed by `zeros` zero bytes. */
export function gzipWithZeros(prefix: Buffer, zeros: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crcWithZeros(prefix, zeros), 0);
  trailer.writeUInt32LE((prefix.length + zeros) % 2 ** 32, 4);
  return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]), deflatedWithZeros(prefix, zeros), trailer]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A real, valid all-black 8-bit grey PNG of any size (a 20000 x 20000 one is about 400 KB). */
export function blackPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // depth 8, greyscale, deflate, no filter, no interlace
  const raw = height * (width + 1); // a filter byte (0) per row, then the pixels: all zeros
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((raw % 65521) << 16) | 1) >>> 0, 0);
  const zlibStream = Buffer.concat([deflateSync(Buffer.alloc(0)).subarray(0, 2), deflatedWithZeros(Buffer.alloc(0), raw), adler]);
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), pngChunk('IHDR', ihdr), pngChunk('IDAT', zlibStream), pngChunk('IEND', Buffer.alloc(0))]);
}
