/**
 * Reading one DICOM Part-10 file into a naturalized dataset (attribute keywords as keys, via dcmjs).
 * dcmjs reads a truncated file without complaint (it pads missing bytes with zeros), so every file is
 * first walked element by element to prove that each declared length fits inside the file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import dcmjs from 'dcmjs';
import { ApiError } from '../../../shared/errors';
import { DICOM_METADATA_ALLOWANCE, checkVoxelCount, inflatePrefix } from '../limits';
import { DEFLATED_EXPLICIT_LITTLE_ENDIAN, EXPLICIT_BIG_ENDIAN, IMPLICIT_LITTLE_ENDIAN } from './transfer-syntax';

// Odd VRs in old implicit files ("ox", "xs") are resolved sensibly by dcmjs; its log line is noise.
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

export type Dataset = Record<string, unknown>;

export interface DicomFile {
  path: string;
  transferSyntaxUID: string;
  /** File meta information (group 0002), naturalized. */
  meta: Dataset;
  dataset: Dataset;
}

/** Why a file could not be read: scanning skips 'not_dicom' files quietly and reports the others. */
export type UnreadableReason = 'not_dicom' | 'truncated' | 'malformed';

export function unreadable(file: string, reason: UnreadableReason, problem: string): ApiError {
  return new ApiError('bad_input', `${path.basename(file)}: ${problem}`, { path: file, reason });
}

export function reasonOf(err: unknown): UnreadableReason | undefined {
  if (!(err instanceof ApiError) || typeof err.details !== 'object' || err.details === null) return undefined;
  return (err.details as { reason?: UnreadableReason }).reason;
}

/** Reads and checks a file; with `headerOnly` the pixel data is left unread (scanning). */
export function readDicomFile(file: string, options: { headerOnly?: boolean } = {}): DicomFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ApiError('not_found', `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
  }
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM') {
    throw unreadable(file, 'not_dicom', 'not a DICOM Part-10 file (no "DICM" marker at byte 128).');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkStructure(file, view);

  let parsed;
  try {
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength; // else a slice of Node's pool
    const buffer = (own ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
    parsed = dcmjs.data.DicomMessage.readFile(buffer, options.headerOnly ? { untilTag: '7FE00010' } : undefined);
  } catch (err) {
    throw unreadable(file, 'malformed', `not a readable DICOM file (${err instanceof Error ? err.message : String(err)}).`);
  }
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.meta);
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.dict);
  return { path: file, transferSyntaxUID: String(meta.TransferSyntaxUID ?? ''), meta, dataset };
}

/** Walks the file meta group and the whole dataset (inflated first when deflated; big endian is refused later). */
function checkStructure(file: string, view: DataView): void {
  const end = view.byteLength;
  if (end < 144) throw truncatedAt(file, 'file meta information', 144 - end);
  if (view.getUint16(132, true) !== 0x0002 || view.getUint16(134, true) !== 0x0000) {
    throw unreadable(file, 'malformed', 'the file meta information has no group length (0002,0000).');
  }
  const metaEnd = 144 + view.getUint32(140, true);
  const walker = new ElementWalker(file, view);
  walker.elements(144, Math.min(metaEnd, end), true, false);
  if (metaEnd > end) throw truncatedAt(file, 'file meta information', metaEnd - end);
  const syntax = readMetaTransferSyntax(view, 144, metaEnd);
  if (syntax === DEFLATED_EXPLICIT_LITTLE_ENDIAN) {
    const deflated = new Uint8Array(view.buffer, view.byteOffset + metaEnd, end - metaEnd);
    const declared = declaredPixelBytes(file, deflated);
    const limit = declared + DICOM_METADATA_ALLOWANCE;
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(deflated, { maxOutputLength: limit });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw unreadable(
          file,
          'malformed',
          `the deflated dataset inflates to more than ${limit.toLocaleString('en')} bytes, though its image header declares ${declared.toLocaleString('en')} bytes of pixel data ` +
            `(${DICOM_METADATA_ALLOWANCE / 1024 / 1024} MiB are allowed for the other elements); refused as a decompression bomb.`,
        );
      }
      throw unreadable(file, 'truncated', `the deflated dataset cannot be inflated (${(err as Error).message}); the file is truncated or corrupt.`);
    }
    new ElementWalker(file, new DataView(inflated.buffer, inflated.byteOffset, inflated.byteLength)).elements(0, inflated.length, true, false);
  } else if (syntax !== EXPLICIT_BIG_ENDIAN) {
    walker.elements(metaEnd, end, syntax !== IMPLICIT_LITTLE_ENDIAN, false);
  }
}

/**
 * The pixel data bytes a deflated dataset declares (Rows x Columns x frames x samples x bits), read from the start
 * of the stream. Found by their explicit-VR encoding rather than by walking, which sequences of undefined length
 * would stop in a partial stream.
 */
function declaredPixelBytes(file: string, deflated: Uint8Array): number {
  const head = inflatePrefix(deflated, 'raw');
  const find = (element: number, vr: string) => head.indexOf(Buffer.from([0x28, 0x00, element & 0xff, element >> 8, vr.charCodeAt(0), vr.charCodeAt(1)]));
  const us = (element: number) => {
    const at = find(element, 'US');
    return at >= 0 && head.readUInt16LE(at + 6) === 2 ? head.readUInt16LE(at + 8) : undefined;
  };
  const framesAt = find(0x0008, 'IS');
  const frames = framesAt >= 0 ? Number(head.toString('latin1', framesAt + 8, framesAt + 8 + head.readUInt16LE(framesAt + 6)).trim()) || 1 : 1;
  const [rows, columns] = [us(0x0010) ?? 0, us(0x0011) ?? 0];
  checkVoxelCount(file, [columns, rows, frames]);
  return Math.ceil((rows * columns * frames * (us(0x0002) ?? 1) * (us(0x0100) ?? 16)) / 8);
}

function readMetaTransferSyntax(view: DataView, start: number, end: number): string {
  let pos = start;
  while (pos + 8 <= end) {
    const tag = (view.getUint16(pos, true) << 16) | view.getUint16(pos + 2, true);
    const vr = String.fromCharCode(view.getUint8(pos + 4), view.getUint8(pos + 5));
    const long = LONG_VRS.has(vr);
    const len = long ? view.getUint32(pos + 8, true) : view.getUint16(pos + 6, true);
    const valueAt = pos + (long ? 12 : 8);
    if (tag === 0x00020010) {
      let uid = '';
      for (let i = 0; i < len; i++) uid += String.fromCharCode(view.getUint8(valueAt + i));
      return uid.replace(/[\0 ]+$/, '');
    }
    pos = valueAt + len;
  }
  return '';
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED_LENGTH = 0xffffffff;

function tagString(group: number, element: number): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  return `(${hex(group)},${hex(element)})`;
}

function truncatedAt(file: string, where: string, missing: number): ApiError {
  return unreadable(file, 'truncated', `the file is truncated: ${where} is cut short by ${missing} byte(s).`);
}

const TAG_NAMES: Record<string, string> = { '(7FE0,0010)': 'PixelData' };
const elementName = (tag: string) => `element ${tag}${TAG_NAMES[tag] ? ` ${TAG_NAMES[tag]}` : ''}`;

/** Proves that every element's declared length fits in the file, descending into undefined-length sequences. */
class ElementWalker {
  constructor(
    private readonly file: string,
    private readonly view: DataView,
  ) {}

  /** Returns the offset after the last element (or after the item delimiter when `inItem`). */
  elements(pos: number, end: number, explicit: boolean, inItem: boolean): number {
    const v = this.view;
    while (pos < end) {
      if (pos + 8 > end) throw this.truncated('an element header', pos + 8 - end);
      const group = v.getUint16(pos, true);
      const element = v.getUint16(pos + 2, true);
      if (group === 0xfffe) {
        if (inItem && element === 0xe00d) return pos + 8;
        throw this.malformed(`unexpected delimiter ${tagString(group, element)} at byte ${pos}`);
      }
      const vr = explicit ? String.fromCharCode(v.getUint8(pos + 4), v.getUint8(pos + 5)) : '';
      const long = !explicit || LONG_VRS.has(vr);
      if (long && pos + 12 > end && explicit) throw this.truncated('an element header', pos + 12 - end);
      const length = explicit ? (long ? v.getUint32(pos + 8, true) : v.getUint16(pos + 6, true)) : v.getUint32(pos + 4, true);
      pos += explicit && long ? 12 : 8;
      const tag = tagString(group, element);
      if (length === UNDEFINED_LENGTH) {
        pos = this.sequence(pos, end, explicit && vr !== 'UN', tag);
      } else {
        if (pos + length > end) throw this.truncated(elementName(tag), pos + length - end);
        pos += length;
      }
    }
    if (inItem) throw this.truncated('a sequence item', 8);
    return pos;
  }

  private sequence(pos: number, end: number, explicit: boolean, tag: string): number {
    const v = this.view;
    for (;;) {
      if (pos + 8 > end) throw this.truncated(elementName(tag), pos + 8 - end);
      const group = v.getUint16(pos, true);
      const element = v.getUint16(pos + 2, true);
      const length = v.getUint32(pos + 4, true);
      pos += 8;
      if (group !== 0xfffe) throw this.malformed(`sequence ${tag} holds ${tagString(group, element)} where an item was expected`);
      if (element === 0xe0dd) return pos;
      if (element !== 0xe000) throw this.malformed(`sequence ${tag} holds an unexpected delimiter ${tagString(group, element)}`);
      if (length === UNDEFINED_LENGTH) pos = this.elements(pos, end, explicit, true);
      else {
        if (pos + length > end) throw this.truncated(elementName(tag), pos + length - end);
        pos += length;
      }
    }
  }

  private truncated(where: string, missing: number): ApiError {
    return truncatedAt(this.file, where, missing);
  }

  private malformed(problem: string): ApiError {
    return unreadable(this.file, 'malformed', `not a readable DICOM file (${problem}).`);
  }
}
