/**
 * The HTTP bridge's body format. JSON cannot carry typed arrays without blowing them up tenfold, so a value is
 * sent as a JSON header plus the raw bytes of each typed array it holds. (Electron IPC needs none of this:
 * structured clone carries typed arrays as they are.)
 *
 * Layout: "CDW1" | u32 LE header byte length | header JSON (UTF-8) | blobs, each starting 8-byte aligned.
 * A typed array in the header is replaced by { $blob: byte offset, type, byteLength }. The decoder copies each blob
 * into its own aligned buffer, so it accepts blobs only in increasing, non-overlapping order, each used once, and at
 * most MAX_WIRE_BLOBS of them: a body then never decodes to more than its own size (plus alignment).
 */
export const WIRE_CONTENT_TYPE = 'application/vnd.caldiff.wire';

const MAGIC = 0x31574443; // "CDW1" as little-endian u32
/** Far more typed arrays than any operation carries (a run's slice result holds K sample masks plus four maps). */
export const MAX_WIRE_BLOBS = 4096;
const TYPED = { Uint8Array, Int16Array, Uint16Array, Int32Array, Float32Array, Float64Array } as const;
type TypedName = keyof typeof TYPED;

interface BlobRef {
  $blob: number;
  type: TypedName;
  byteLength: number;
}

const align8 = (n: number) => (n + 7) & ~7;

function typedName(v: unknown): TypedName | undefined {
  if (!ArrayBuffer.isView(v)) return undefined;
  return (Object.keys(TYPED) as TypedName[]).find((name) => v instanceof TYPED[name]);
}

export function containsTypedArray(value: unknown): boolean {
  if (ArrayBuffer.isView(value)) return true;
  if (value && typeof value === 'object') return Object.values(value).some(containsTypedArray);
  return false;
}

export function encodeWire(value: unknown): Uint8Array {
  const blobs: { bytes: Uint8Array; at: number }[] = [];
  let end = 0; // blob bytes, relative to the start of the blob area
  const header = JSON.stringify(value, (_key, v: unknown) => {
    const type = typedName(v);
    if (!type) return v;
    const view = v as ArrayBufferView;
    const at = end;
    blobs.push({ bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength), at });
    end = align8(end + view.byteLength);
    return { $blob: at, type, byteLength: view.byteLength } satisfies BlobRef;
  });
  const headerBytes = new TextEncoder().encode(header);
  const base = align8(8 + headerBytes.length);
  const out = new Uint8Array(base + end);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, headerBytes.length, true);
  out.set(headerBytes, 8);
  for (const b of blobs) out.set(b.bytes, base + b.at);
  return out;
}

export function decodeWire(bytes: Uint8Array): unknown {
  if (bytes.byteLength < 8) throw new Error('body too short for the wire format');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new Error('body is not in the wire format');
  const headerLength = dv.getUint32(4, true);
  if (8 + headerLength > bytes.byteLength) throw new Error('wire header overruns the body');
  const base = align8(8 + headerLength);
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  let count = 0;
  let free = base; // the first byte no blob has claimed yet (JSON.parse revives leaves in document order)
  return JSON.parse(header, (_key, v: unknown) => {
    if (!v || typeof v !== 'object' || !('$blob' in v)) return v;
    const ref = v as BlobRef;
    const Ctor = Object.hasOwn(TYPED, ref.type) ? TYPED[ref.type] : undefined;
    const start = base + ref.$blob;
    if (!Ctor || !Number.isInteger(ref.$blob) || !Number.isInteger(ref.byteLength) || ref.byteLength < 0 || ref.byteLength % Ctor.BYTES_PER_ELEMENT !== 0)
      throw new Error('malformed blob reference in wire body');
    if (start < base || start + ref.byteLength > bytes.byteLength) throw new Error('wire blob overruns the body');
    if (start < free) throw new Error('wire blobs overlap or repeat (each blob may be referenced once, in order)');
    if (++count > MAX_WIRE_BLOBS) throw new Error(`wire body holds more than ${MAX_WIRE_BLOBS} blobs`);
    free = start + ref.byteLength;
    const own = bytes.slice(start, start + ref.byteLength); // own, aligned buffer
    return new Ctor(own.buffer, 0, ref.byteLength / Ctor.BYTES_PER_ELEMENT);
  });
}
