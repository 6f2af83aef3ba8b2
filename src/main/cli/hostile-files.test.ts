/**
 * Bad and hostile files through the real `caldiff` on a real store: each gets one line naming the file and its
 * problem, nothing is committed, and the child's peak memory stays bounded (issue 11, "Bad files").
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../store';
import { blackPng, deflatedWithZeros, gzipWithZeros } from '../testing/bombs';
import { caldiff, caldiffMeasured } from '../testing/cli';
import { SHARED_DATA, tempDir } from '../testing/paths';

const GIB = 1024 ** 3;
const MEMORY_BOUND = 1.5e9;
const TINY = path.join(SHARED_DATA, 'dicom', 'tiny-3slice-with-seg');
const TINY_SLICES = ['IMG0001.dcm', 'IMG0002.dcm', 'IMG0003.dcm'];

interface NiftiFields {
  dims: [number, number, number];
  datatype: number;
  bitpix: number;
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  qformCode: number;
  sformCode: number;
  srow: number[];
}

/** A NIfTI-1 header (352 bytes), valid unless a field says otherwise. */
function niftiHeader(fields: Partial<NiftiFields> = {}): Buffer {
  const f: NiftiFields = {
    dims: [4, 4, 2],
    datatype: 4,
    bitpix: 16,
    pixdim: [1, 1, 1, 1, 0, 0, 0, 0],
    voxOffset: 352,
    sclSlope: 1,
    qformCode: 0,
    sformCode: 1,
    srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0],
    ...fields,
  };
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  [3, ...f.dims, 1, 1, 1, 1].forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i));
  h.writeInt16LE(f.datatype, 70);
  h.writeInt16LE(f.bitpix, 72);
  f.pixdim.forEach((p, i) => h.writeFloatLE(p, 76 + 4 * i));
  h.writeFloatLE(f.voxOffset, 108);
  h.writeFloatLE(f.sclSlope, 112);
  h.writeInt16LE(f.qformCode, 252);
  h.writeInt16LE(f.sformCode, 254);
  f.srow.forEach((v, i) => h.writeFloatLE(v, 280 + 4 * i));
  h.write('n+1\0', 344, 'latin1');
  return h;
}

/** A small int16 NIfTI with the given header fields. */
function niftiFile(dir: string, name: string, fields: Partial<NiftiFields> = {}): string {
  const voxels = Buffer.alloc(4 * 4 * 2 * 2);
  for (let i = 0; i < 32; i++) voxels.writeInt16LE(i * 10, 2 * i);
  const file = path.join(dir, name);
  writeFileSync(file, gzipSync(Buffer.concat([niftiHeader(fields), voxels])));
  return file;
}

function counts(dataDir: string): { studies: number; slices: number; audit: number } {
  const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
  const n = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const result = { studies: n('studies'), slices: n('slices'), audit: n('audit_log') };
  db.close();
  return result;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Imports `target` into a fresh store and expects one line naming `named` and matching `problem`, and nothing stored. */
function expectRefused(target: string, named: string, problem: RegExp): number {
  const dataDir = tempDir();
  const r = caldiffMeasured(['import', target, '--data-dir', dataDir]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^caldiff: [^\\n]*${escape(named)}: ${problem.source}[^\\n]*\\n$`));
  expect(counts(dataDir)).toEqual({ studies: 0, slices: 0, audit: 0 });
  expect(r.peakRssBytes).toBeLessThan(MEMORY_BOUND);
  return r.peakRssBytes;
}

dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

/** The tiny real CT series rewritten (explicit VR little endian) with one slice's dataset changed. */
function tinySeries(change: (ds: Record<string, unknown>) => void, slice = 'IMG0002.dcm'): string {
  const dir = tempDir();
  for (const name of TINY_SLICES) {
    const bytes = readFileSync(path.join(TINY, name));
    if (name !== slice) {
      copyFileSync(path.join(TINY, name), path.join(dir, name));
      continue;
    }
    const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict) as Record<string, unknown>;
    change(ds);
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
    (dict.meta as Record<string, { Value: unknown[] }>)['00020010'].Value = ['1.2.840.10008.1.2.1'];
    writeFileSync(path.join(dir, name), Buffer.from(dict.write()));
  }
  return dir;
}

describe('non-finite geometry', () => {
  it('refuses infinities in srow_x or pixdim and NaN vox_offset or scl_slope in a NIfTI header', () => {
    const dir = tempDir();
    const cases: [Partial<NiftiFields>, RegExp][] = [
      [{ srow: [Infinity, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0] }, /its sform \(srow_x\/y\/z\) \(Infinity, .*\) holds a value that is not a finite number/],
      [{ sformCode: 0, pixdim: [1, 1, Infinity, 1, 0, 0, 0, 0] }, /its pixdim \(1, 1, Infinity, .*\) holds a value that is not a finite number/],
      [{ voxOffset: NaN }, /its vox_offset \(NaN\) holds a value that is not a finite number/],
      [{ sclSlope: NaN }, /its scl_slope\/scl_inter \(NaN, 0\) holds a value that is not a finite number/],
    ];
    cases.forEach(([fields, problem], i) => {
      const file = niftiFile(dir, `bad-${i}.nii.gz`, fields);
      expectRefused(file, file, problem);
    });
  });

  it('refuses a DICOM slice at ImagePositionPatient 1e999', () => {
    const dir = tinySeries((ds) => {
      ds.ImagePositionPatient = ['1e999', 5, -177];
    });
    expectRefused(dir, 'IMG0002.dcm', /its ImagePositionPatient \(Infinity\\5\\-177\) holds a value that is not a finite number/);
  });

  it('lists a study damaged in an old store with its problem, and every other study as it is', () => {
    const dataDir = tempDir();
    const imported = caldiff(['import', path.join(SHARED_DATA, 'lidc-sample', 'case-001'), path.join(SHARED_DATA, 'lidc-sample', 'case-002'), '--data-dir', dataDir]);
    expect(imported.status).toBe(0);
    // What an older version committed from a NIfTI with an infinite pixdim: JSON turns Infinity into null.
    const db = new Database(path.join(dataDir, DATABASE_FILE));
    db.prepare("UPDATE studies SET spacing = '[null,1,1]' WHERE id = 1").run();
    db.close();
    const listed = caldiff(['studies', '--json', '--data-dir', dataDir]);
    expect(listed.status).toBe(0);
    const [damaged, fine] = JSON.parse(listed.stdout);
    expect(damaged).toMatchObject({ id: 1, spacing: null, problem: expect.stringMatching(/^study 1 is damaged in the store: its stored voxel spacing \[null,1,1\] is not three positive finite numbers/) });
    expect(fine).toMatchObject({ id: 2, spacing: [1, 1, 1] });
    expect(fine.problem).toBeUndefined();
  });
});

describe('decompression bombs and oversized files', () => {
  it('stops a .nii.gz that inflates past the size its header declares', () => {
    const dir = tempDir();
    const small = path.join(dir, 'small-header.nii.gz');
    writeFileSync(small, gzipWithZeros(niftiHeader({ dims: [64, 64, 64], datatype: 2, bitpix: 8 }), GIB));
    expect(expectRefused(small, small, /inflates to more than 1,311,072 bytes, though its header declares 262,496 \(64x64x64 uint8 voxels after 352 header bytes\); refused as a decompression bomb/)).toBeLessThan(MEMORY_BOUND);
    // A CT-sized header (512 x 512 x 1,500 int16, within the voxel limit) does not lend a bomb more room than that.
    const large = path.join(dir, 'ct-header.nii.gz');
    writeFileSync(large, gzipWithZeros(niftiHeader({ dims: [512, 512, 1500] }), GIB));
    expectRefused(large, large, /inflates to more than 787,480,928 bytes, though its header declares 786,432,352 \(512x512x1500 int16 voxels/);
  });

  it('refuses a volume above the voxel limit from its header alone', () => {
    const dir = tempDir();
    const file = path.join(dir, 'huge.nii.gz');
    writeFileSync(file, gzipSync(niftiHeader({ dims: [2048, 2048, 2048], datatype: 2, bitpix: 8 })));
    expectRefused(file, file, /declares 2048x2048x2048 = 8,589,934,592 voxels, more than the 536,870,912 an import takes/);
  });

  it('refuses a device linked as x.nii', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.nii');
    symlinkSync('/dev/zero', file);
    expectRefused(file, file, /is not a regular file/);
  });

  it('refuses a real 20000 x 20000 PNG from its IHDR, before decoding', () => {
    const dir = path.join(tempDir(), 'case-huge');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'image.png'), blackPng(20000, 20000));
    expectRefused(dir, path.join(dir, 'image.png'), /is 20000x20000 pixels, more than the 67,108,864 a PNG may have/);
  });

  it('stops a deflated DICOM whose dataset inflates past its declared pixel data', () => {
    // The real slice rewritten, then its dataset deflated with a 1 GiB PixelData of zeros instead of its own.
    const source = path.join(tinySeries(() => undefined), 'IMG0002.dcm');
    const bytes = readFileSync(source);
    const metaEnd = 144 + bytes.readUInt32LE(140);
    const pixelTag = bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]), metaEnd);
    const pixelHeader = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0, 0, 0, 0, 0, 0]);
    pixelHeader.writeUInt32LE(GIB, 8);
    const meta = Buffer.from(bytes.subarray(132, metaEnd));
    const uid = meta.indexOf('1.2.840.10008.1.2.1');
    const deflatedMeta = Buffer.concat([meta.subarray(0, uid - 2), Buffer.from([22, 0]), Buffer.from('1.2.840.10008.1.2.1.99', 'latin1'), meta.subarray(uid + 20)]);
    deflatedMeta.writeUInt32LE(deflatedMeta.length - 12, 8);
    const dir = tempDir();
    const file = path.join(dir, 'bomb.dcm');
    writeFileSync(file, Buffer.concat([bytes.subarray(0, 132), deflatedMeta, deflatedWithZeros(Buffer.concat([bytes.subarray(metaEnd, pixelTag), pixelHeader]), GIB)]));
    expectRefused(file, 'bomb.dcm', /the deflated dataset inflates to more than 16,778,964 bytes, though its image header declares 1,748 bytes of pixel data .*; refused as a decompression bomb/);
  });
});

describe('DICOM pixel modules that do not add up', () => {
  it('refuses BitsAllocated 8 on 16-bit data, BitsStored above BitsAllocated and a pixel data length that does not match', () => {
    expectRefused(tinySeries((ds) => Object.assign(ds, { BitsAllocated: 8, BitsStored: 8, HighBit: 7 })), 'IMG0002.dcm', /the pixel data holds 1748 bytes, but 23x38 pixels of 8 bits \(BitsAllocated\) are 874; the pixel module does not add up/);
    expectRefused(tinySeries((ds) => void (ds.BitsStored = 17)), 'IMG0002.dcm', /BitsStored 17 does not fit in BitsAllocated 16/);
    const longer = tinySeries((ds) => {
      const [pixels] = ds.PixelData as ArrayBuffer[];
      const grown = new Uint8Array(pixels.byteLength + 2);
      grown.set(new Uint8Array(pixels));
      ds.PixelData = [grown.buffer];
    });
    expectRefused(longer, 'IMG0002.dcm', /the pixel data holds 1750 bytes, but 23x38 pixels of 16 bits \(BitsAllocated\) are 1748/);
  });
});

describe('links inside a DICOM folder', () => {
  it('skips a link that loops and a dangling one with a note, and imports the series', () => {
    const dir = tempDir();
    for (const name of TINY_SLICES) copyFileSync(path.join(TINY, name), path.join(dir, name));
    symlinkSync('loop', path.join(dir, 'loop'));
    symlinkSync('/nonexistent/slice.dcm', path.join(dir, 'gone'));
    const dataDir = tempDir();
    const r = caldiff(['import', dir, '--data-dir', dataDir]);
    expect(r.stderr).toContain(`skipped ${path.join(dir, 'loop')}: loop: a symbolic link that loops; skipped.`);
    expect(r.stderr).toContain(`skipped ${path.join(dir, 'gone')}: gone: a symbolic link to nothing (dangling); skipped.`);
    expect(r.status).toBe(0);
    expect(counts(dataDir)).toMatchObject({ studies: 1, slices: 3 });
  });
});
