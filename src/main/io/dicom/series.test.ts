import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../../testing/paths';
import { readDicomFile } from './parse';
import { scanDicomFolder } from './scan';
import { readDicomSeries } from './series';
import { num, nums } from './values';

const DICOM = path.join(SHARED_DATA, 'dicom');
const J2K = path.join(DICOM, 'ct-series-jpeg2000');
const CT3 = path.join(DICOM, 'ct-3slice-with-seg');
const ct3Files = ['01.dcm', '02.dcm', '03.dcm'].map((f) => path.join(CT3, f));

describe('readDicomSeries on the lossless JPEG 2000 series', async () => {
  const files = readdirSync(J2K).map((f) => path.join(J2K, f));
  const { volume, meta, warnings } = await readDicomSeries(files);
  const [nx, ny] = volume.dims;
  const at = (i: number, j: number, k: number) => volume.data[i + j * nx + k * nx * ny];
  const headers = new Map(
    files.map((f) => {
      const h = readDicomFile(f, { headerOnly: true });
      return [String(h.meta.MediaStorageSOPInstanceUID), h.dataset];
    }),
  );

  it('has the geometry of the files, slices ordered by position along the normal', () => {
    expect(volume.dims).toEqual([512, 512, 20]);
    expect(volume.spacing).toEqual([0.9765625, 0.9765625, 2]);
    expect(volume.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const zs = [...headers.values()].map((ds) => nums(ds, 'ImagePositionPatient')[2]);
    expect(volume.origin).toEqual([-249.51171875, -437.51171875, Math.min(...zs)]);
    expect(meta.instances.map((i) => i.imagePositionPatient[2])).toEqual([...zs].sort((a, b) => a - b));
    // The files count InstanceNumber down as z goes up: ordering by it would flip the volume.
    const instanceNumbers = meta.instances.map((inst) => num(headers.get(inst.sopInstanceUID)!, 'InstanceNumber')!);
    expect(instanceNumbers).toEqual([...instanceNumbers].sort((a, b) => b - a));
  });

  it('opens with the stored window and says that the anonymized files lost their UIDs', () => {
    expect(volume.intensity).toBe('HU');
    expect(volume.window).toEqual({ level: 40, width: 300 });
    expect(volume.dtype).toBe('int16');
    expect(meta.seriesInstanceUID).toMatch(/^2\.25\.\d+$/);
    expect(warnings.join(' ')).toMatch(/no SeriesInstanceUID/);
    expect(meta.instances.every((i) => i.sopInstanceUID.startsWith('1.3.12.2.1107.5.1.4.60064.'))).toBe(true);
  });

  it('decodes every slice to the stored range the encoder recorded in its header', () => {
    // Smallest/LargestImagePixelValue were written from the original pixels: an independent check of
    // the JPEG 2000 decode, slice by slice, before rescaling (HU = stored - 1024 here).
    meta.instances.forEach((inst, k) => {
      const ds = headers.get(inst.sopInstanceUID)!;
      let min = Infinity;
      let max = -Infinity;
      for (let p = k * nx * ny; p < (k + 1) * nx * ny; p++) {
        min = Math.min(min, volume.data[p]);
        max = Math.max(max, volume.data[p]);
      }
      expect([min + 1024, max + 1024]).toEqual([num(ds, 'SmallestImagePixelValue'), num(ds, 'LargestImagePixelValue')]);
    });
  });

  it('gives plausible Hounsfield units: air in front of the patient, soft tissue in the abdomen', () => {
    let air = 0;
    for (let i = 96; i < 160; i++) for (let j = 64; j < 128; j++) air += at(i, j, 10);
    expect(air / 64 / 64).toBeLessThan(-950);
    let tissue = 0;
    for (let i = 160; i < 224; i++) for (let j = 288; j < 352; j++) tissue += at(i, j, 10);
    expect(tissue / 64 / 64).toBeGreaterThan(-100);
    expect(tissue / 64 / 64).toBeLessThan(150);
    // Established once from this lossless decode (whose slice ranges match the headers above).
    expect([at(256, 256, 10), at(10, 256, 10), at(100, 300, 10), at(0, 0, 0)]).toEqual([-47, -1004, 177, -1024]);
  });

  it('reports a missing slice', async () => {
    const [first, second, , fourth] = meta.instances.map((i) => files.find((f) => f.endsWith(i.sopInstanceUID))!);
    const { volume: gappy, warnings: gapWarnings } = await readDicomSeries([first, second, fourth]);
    expect(gappy.dims[2]).toBe(3);
    expect(gapWarnings.join('\n')).toMatch(/1 slice\(s\) missing between .* \(a 4\.00 mm gap where slices are 2\.00 mm apart\)/);
  });

  it('gets the same derived series UID from a folder scan', () => {
    const [series] = scanDicomFolder(J2K).series;
    expect(series.seriesInstanceUID).toBe(meta.seriesInstanceUID);
    expect(series.studyInstanceUID).toBe(meta.studyInstanceUID);
  });
});

describe('readDicomSeries on uncompressed slices', () => {
  it('rescales the stored values exactly, read independently as little-endian int16 at the end of each file', async () => {
    const { volume, meta } = await readDicomSeries(ct3Files);
    expect(volume.dims).toEqual([512, 512, 3]);
    expect(volume.spacing[2]).toBeCloseTo(1, 5);
    expect(volume.window).toEqual({ level: 40, width: 400 });
    // 01.dcm is InstanceNumber 1 but lies highest (z -126.69): it must be the last slice.
    const order = meta.instances.map((i) => ct3Files.find((f) => readDicomFile(f, { headerOnly: true }).dataset.SOPInstanceUID === i.sopInstanceUID));
    expect(order.map((f) => path.basename(f!))).toEqual(['03.dcm', '02.dcm', '01.dcm']);
    order.forEach((file, k) => {
      const bytes = readFileSync(file!);
      const pixelStart = bytes.length - 512 * 512 * 2; // PixelData is the file's last element
      for (let p = 0; p < 512 * 512; p += 997) {
        expect(volume.data[k * 512 * 512 + p]).toBe(bytes.readInt16LE(pixelStart + 2 * p) - 1024);
      }
    });
  });

  it('reports inconsistent spacing', async () => {
    const dir = tempDir();
    const moved = path.join(dir, '02-moved.dcm');
    // Same-length edit of the DS text: the middle slice moves 0.2 mm up, so the steps become 1.2 and 0.8 mm.
    const bytes = Buffer.from(readFileSync(ct3Files[1]).toString('latin1').replaceAll('-127.690002', '-127.490002'), 'latin1');
    writeFileSync(moved, bytes);
    const { volume, warnings } = await readDicomSeries([ct3Files[0], moved, ct3Files[2]]);
    expect(volume.dims[2]).toBe(3);
    expect(warnings.join('\n')).toMatch(/Inconsistent slice spacing \(the volume uses 0\.80 mm\): 1\.20 mm between 03\.dcm and 02-moved\.dcm/);
  });

  it('rejects a truncated file with its name', async () => {
    const dir = tempDir();
    const cut = path.join(dir, '02-cut.dcm');
    writeFileSync(cut, readFileSync(ct3Files[1]).subarray(0, 300_000));
    await expect(readDicomSeries([ct3Files[0], cut])).rejects.toThrow(/02-cut\.dcm: the file is truncated: element \(7FE0,0010\) PixelData is cut short/);
    writeFileSync(cut, readFileSync(ct3Files[1]).subarray(0, 1000));
    await expect(readDicomSeries([cut])).rejects.toThrow(/02-cut\.dcm: the file is truncated/);
  });

  it('names an unsupported transfer syntax', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'rle.dcm');
    const bytes = Buffer.from(readFileSync(path.join(DICOM, 'ct-small.dcm')));
    // Same length UID, so the file stays well-formed: Explicit VR Little Endian → RLE Lossless.
    const at = bytes.indexOf('1.2.840.10008.1.2.1\0', 0, 'latin1');
    expect(at).toBeGreaterThan(0);
    bytes.write('1.2.840.10008.1.2.5', at, 'latin1');
    writeFileSync(file, bytes);
    await expect(readDicomSeries([file])).rejects.toThrow(/rle\.dcm: transfer syntax 1\.2\.840\.10008\.1\.2\.5 \(RLE Lossless\) is not supported/);
  });

  it('reads a deflated copy to the same volume, and calls a cut one truncated', async () => {
    const original = path.join(DICOM, 'ct-small.dcm');
    const dir = tempDir();
    const file = path.join(dir, 'deflated.dcm');
    const bytes = deflatedCopy(readFileSync(original));
    writeFileSync(file, bytes);
    const [a, b] = [await readDicomSeries([original]), await readDicomSeries([file])];
    expect(Array.from(b.volume.data)).toEqual(Array.from(a.volume.data));
    expect(b.volume.origin).toEqual(a.volume.origin);
    writeFileSync(file, bytes.subarray(0, bytes.length - 5000));
    await expect(readDicomSeries([file])).rejects.toThrow(/deflated\.dcm: the deflated dataset cannot be inflated .*truncated/);
  });

  it('reads a second copy of the same instance once', async () => {
    const { volume, warnings } = await readDicomSeries([path.join(DICOM, 'ct-small.dcm'), path.join(DICOM, 'seg-variants', 'ct_image.dcm')]);
    expect(volume.dims).toEqual([128, 128, 1]);
    expect(warnings.join(' ')).toMatch(/another copy of instance/);
  });
});

describe('scanDicomFolder', () => {
  it('separates the series of a mixed tree, finds the SEGs and lists what it skipped', () => {
    const scan = scanDicomFolder(DICOM);
    const bySize = scan.series.map((s) => s.files.length).sort((a, b) => a - b);
    expect(bySize).toEqual([2, 3, 3, 20]);
    expect(new Set(scan.series.map((s) => s.seriesInstanceUID)).size).toBe(4);
    expect(scan.segs.map((s) => path.basename(s.path)).sort()).toEqual([
      'label-seg.dcm',
      'lidc-0001-reader1-seg.dcm',
      'liver-seg.dcm',
      'seg_image_ct_binary.dcm',
      'seg_image_ct_binary_fractional.dcm',
      'seg_image_ct_binary_overlap.dcm',
      'seg_image_ct_binary_single_frame.dcm',
      'seg_image_ct_true_fractional.dcm',
    ]);
    expect(scan.skipped).toEqual([{ path: path.join(DICOM, 'tiny-3slice-with-seg', 'label.nrrd'), reason: expect.stringMatching(/not a DICOM Part-10 file/) }]);
    expect(scan.broken).toEqual([]);
  });

  it('skips non-DICOM files and reports truncated ones', () => {
    const dir = tempDir();
    for (const f of ct3Files.slice(0, 2)) copyFileSync(f, path.join(dir, path.basename(f)));
    writeFileSync(path.join(dir, 'notes.txt'), 'not an image\n');
    writeFileSync(path.join(dir, '03.dcm'), readFileSync(ct3Files[2]).subarray(0, 400_000));
    const scan = scanDicomFolder(dir);
    expect(scan.series).toHaveLength(1);
    expect(scan.series[0].files.map((f) => path.basename(f))).toEqual(['01.dcm', '02.dcm']);
    expect(scan.skipped.map((s) => path.basename(s.path))).toEqual(['notes.txt']);
    expect(scan.broken).toEqual([{ path: path.join(dir, '03.dcm'), reason: expect.stringMatching(/03\.dcm: the file is truncated/) }]);
  });

  it('fails clearly on a path that does not exist', () => {
    expect(() => scanDicomFolder(path.join(DICOM, 'no-such-folder'))).toThrow(/no-such-folder: no such file or folder/);
  });
});

/** The same file in Deflated Explicit VR Little Endian: meta group rewritten, dataset raw-deflated. */
function deflatedCopy(bytes: Buffer): Buffer {
  const metaEnd = 144 + bytes.readUInt32LE(140);
  const longVRs = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
  const elements: Buffer[] = [];
  for (let pos = 144; pos < metaEnd; ) {
    const long = longVRs.has(bytes.toString('latin1', pos + 4, pos + 6));
    const end = pos + (long ? 12 + bytes.readUInt32LE(pos + 8) : 8 + bytes.readUInt16LE(pos + 6));
    if (bytes.readUInt16LE(pos + 2) === 0x0010) {
      const uid = Buffer.from('1.2.840.10008.1.2.1.99', 'latin1');
      elements.push(Buffer.concat([bytes.subarray(pos, pos + 6), Buffer.from([uid.length, 0]), uid]));
    } else elements.push(bytes.subarray(pos, end));
    pos = end;
  }
  const meta = Buffer.concat(elements);
  const groupLength = Buffer.from([0x02, 0, 0, 0, 0x55, 0x4c, 4, 0, 0, 0, 0, 0]);
  groupLength.writeUInt32LE(meta.length, 8);
  return Buffer.concat([bytes.subarray(0, 132), groupLength, meta, deflateRawSync(bytes.subarray(metaEnd))]);
}
