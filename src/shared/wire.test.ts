import { describe, expect, it } from 'vitest';
import { MAX_WIRE_BLOBS, containsTypedArray, decodeWire, encodeWire } from './wire';
import { packMask, unpackMask } from './masks';

describe('wire format', () => {
  it('round-trips nested typed arrays of every kind with their values and types', () => {
    const value = {
      name: 'x',
      masks: [new Uint8Array([1, 2, 3]), new Uint8Array(0)],
      map: new Float32Array([0.5, -1.25, 3e-8]),
      hu: new Int16Array([-1000, 40, 1200]),
      big: new Int32Array([2 ** 30, -5]),
      nested: { f64: new Float64Array([Math.PI]), u16: new Uint16Array([65535]) },
      n: null,
    };
    const back = decodeWire(encodeWire(value)) as typeof value;
    expect(back).toEqual(value);
    expect(back.map).toBeInstanceOf(Float32Array);
    expect(back.hu).toBeInstanceOf(Int16Array);
    expect(back.nested.f64[0]).toBe(Math.PI);
  });

  it('handles typed arrays that are views into larger buffers at odd offsets', () => {
    const buffer = new Uint8Array(64).map((_, i) => i);
    const view = buffer.subarray(3, 11);
    expect(Array.from((decodeWire(encodeWire({ view })) as { view: Uint8Array }).view)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('rejects bodies that are not in the format or point outside themselves', () => {
    expect(() => decodeWire(new Uint8Array([1, 2, 3]))).toThrow(/too short/);
    expect(() => decodeWire(new TextEncoder().encode('{"json": true}'))).toThrow(/not in the wire format/);
    const body = encodeWire({ a: new Float32Array(16) });
    expect(() => decodeWire(body.subarray(0, body.length - 4))).toThrow(/overruns/);
  });

  /** A body in the wire layout whose header is written by hand, as an attacker would. */
  function forged(header: unknown, blobBytes: number): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const base = (8 + json.length + 7) & ~7;
    const out = new Uint8Array(base + blobBytes);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, 0x31574443, true);
    dv.setUint32(4, json.length, true);
    out.set(json, 8);
    return out;
  }

  it('refuses one blob referenced many times, or blobs that overlap, instead of copying it once per reference', () => {
    const blob = 8 * 1024 * 1024;
    const ref = { $blob: 0, type: 'Uint8Array', byteLength: blob };
    expect(() => decodeWire(forged({ masks: Array(200).fill(ref) }, blob))).toThrow(/overlap or repeat/);
    const half = { $blob: 8, type: 'Uint8Array', byteLength: 16 };
    expect(() => decodeWire(forged({ a: { $blob: 0, type: 'Uint8Array', byteLength: 16 }, b: half }, 24))).toThrow(/overlap or repeat/);
    expect(() => decodeWire(forged({ a: half, b: { $blob: 0, type: 'Uint8Array', byteLength: 8 } }, 24))).toThrow(/overlap or repeat/);
    expect(() => decodeWire(forged({ a: { $blob: 0, type: 'constructor', byteLength: 0 } }, 0))).toThrow(/malformed blob/);
  });

  it('caps the number of blobs in one body', () => {
    const many = Array.from({ length: MAX_WIRE_BLOBS }, () => new Uint8Array(0));
    expect((decodeWire(encodeWire({ many })) as { many: Uint8Array[] }).many).toHaveLength(MAX_WIRE_BLOBS);
    expect(() => decodeWire(encodeWire({ many: [...many, new Uint8Array(0)] }))).toThrow(/more than 4096 blobs/);
  });

  it('knows when a value needs it', () => {
    expect(containsTypedArray({ a: [1, { b: 'x' }] })).toBe(false);
    expect(containsTypedArray({ a: [1, { b: new Uint8Array(1) }] })).toBe(true);
  });
});

describe('bit-packed masks', () => {
  it('round-trips masks of any length, eight pixels a byte', () => {
    for (const n of [1, 7, 8, 9, 128 * 128]) {
      const mask = Uint8Array.from({ length: n }, (_, i) => (i * 7919) % 3 === 0 ? 1 : 0);
      const packed = packMask(mask);
      expect(packed.length).toBe(Math.ceil(n / 8));
      expect(Array.from(unpackMask(packed, n))).toEqual(Array.from(mask));
    }
    expect(() => unpackMask(new Uint8Array(1), 9)).toThrow(RangeError);
  });
});
