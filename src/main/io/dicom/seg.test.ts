/* eslint-disable @typescript-eslint/no-explicit-any -- dcmjs datasets are untyped trees that these tests walk by keyword */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dcmjsRead } from '../../testing/dcmjs';
import { REPO_ROOT, SHARED_DATA, tempDir } from '../../testing/paths';
import { readDicomSeries } from './series';
import { parseSeg, readDicomSeg } from './seg-read';
import { writeDicomSeg } from './seg-write';

const DICOM = path.join(SHARED_DATA, 'dicom');
const CT3 = path.join(DICOM, 'ct-3slice-with-seg');
const LIVER_SEG = path.join(CT3, 'liver-seg.dcm');
const VARIANTS = path.join(DICOM, 'seg-variants');

function popcount(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) for (let v = b; v; v &= v - 1) n++;
  return n;
}

const count = (mask: ArrayLike<number>) => Array.from(mask).reduce((a, b) => a + (b ? 1 : 0), 0);

function writeTemp(bytes: Uint8Array, name = 'out-seg.dcm'): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, bytes);
  return file;
}

describe('readDicomSeg', async () => {
  const ct3 = await readDicomSeries(['01.dcm', '02.dcm', '03.dcm'].map((f) => path.join(CT3, f)));

  it('puts the liver on the three slices it was drawn on', () => {
    const seg = readDicomSeg(LIVER_SEG, [ct3.meta]);
    expect(seg.seriesInstanceUID).toBe(ct3.meta.seriesInstanceUID);
    expect(seg.segmentationType).toBe('BINARY');
    expect(seg.segments).toHaveLength(1);
    const [liver] = seg.segments;
    expect(liver).toMatchObject({ number: 1, label: 'Liver', algorithmType: 'SEMIAUTOMATIC', algorithmName: 'SlicerEditor' });
    expect(liver.type).toEqual({ value: 'T-62000', scheme: 'SRT', meaning: 'Liver' });

    // Independently: each frame's referenced instance and plane position, and the set bits of its
    // 512x512 bit frame (byte-aligned here), straight from dcmjs.
    const raw = dcmjsRead(LIVER_SEG);
    const bits = new Uint8Array(raw.PixelData[0]);
    const expected = raw.PerFrameFunctionalGroupsSequence.map((frame: any, f: number) => {
      const uid = frame.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID;
      const k = ct3.meta.instances.findIndex((i) => i.sopInstanceUID === uid);
      expect(ct3.meta.instances[k].imagePositionPatient[2]).toBeCloseTo(frame.PlanePositionSequence[0].ImagePositionPatient[2], 4);
      return [k, popcount(bits.subarray(f * 32768, (f + 1) * 32768))];
    });
    expect(liver.slices.map((s) => [s.k, count(s.mask)])).toEqual(expected.sort((a: number[], b: number[]) => a[0] - b[0]));
    expect(liver.slices.map((s) => s.k)).toEqual([0, 1, 2]);
    expect(liver.slices.map((s) => count(s.mask))).toEqual([36233, 35645, 35220]);
  });

  it('matches the label map dcmqi wrote beside the tiny SEG, voxel for voxel', async () => {
    const dir = path.join(DICOM, 'tiny-3slice-with-seg');
    const tiny = await readDicomSeries(['IMG0001.dcm', 'IMG0002.dcm', 'IMG0003.dcm'].map((f) => path.join(dir, f)));
    const seg = readDicomSeg(path.join(dir, 'label-seg.dcm'), [ct3.meta, tiny.meta]);
    expect(seg.seriesInstanceUID).toBe(tiny.meta.seriesInstanceUID);
    expect(seg.contentCreatorName).toBe('Doe^John');

    const nrrd = readFileSync(path.join(dir, 'label.nrrd'));
    const headerEnd = nrrd.indexOf('\n\n') + 2;
    expect(nrrd.toString('latin1', 0, headerEnd)).toMatch(/sizes: 23 38 3[\s\S]*space origin: \(46\.4649,5\.01881\d*,-177\.75\)/);
    const labels = new Int16Array(new Uint8Array(gunzipSync(nrrd.subarray(headerEnd))).buffer);
    expect(labels.length).toBe(23 * 38 * 3);
    expect(tiny.volume.origin[2]).toBe(-177.75);
    const slices = seg.segments[0].slices;
    expect(slices.map((s) => s.k)).toEqual([0, 1, 2]);
    for (const { k, mask } of slices) {
      const expected = Array.from(labels.subarray(k * 23 * 38, (k + 1) * 23 * 38), (v) => (v === 1 ? 1 : 0));
      expect(Array.from(mask)).toEqual(expected);
    }
    expect(count(slices[1].mask)).toBeGreaterThan(0);
  });

  it('fails with "referenced series not found" when the CT is absent', () => {
    expect(() => readDicomSeg(path.join(DICOM, 'lidc-0001-reader1-seg.dcm'), [ct3.meta])).toThrow(
      /lidc-0001-reader1-seg\.dcm: referenced series not found/,
    );
    expect(() => readDicomSeg(LIVER_SEG, [])).toThrow(/liver-seg\.dcm: referenced series 1\.2\.392\.200103\.20080913\.113635\.1\.2009\.6\.22\.21\.43\.10\.23430\.1 not found/);
  });

  it('imports or clearly refuses every object in seg-variants', async () => {
    const ct = await readDicomSeries([path.join(VARIANTS, 'ct_image.dcm')]);
    const single = readDicomSeg(path.join(VARIANTS, 'seg_image_ct_binary_single_frame.dcm'), [ct.meta]);
    const raw = dcmjsRead(path.join(VARIANTS, 'seg_image_ct_binary_single_frame.dcm'));
    expect(single.segments[0].slices.map((s) => [s.k, count(s.mask)])).toEqual([[0, popcount(new Uint8Array(raw.PixelData[0]))]]);
    expect(count(single.segments[0].slices[0].mask)).toBeGreaterThan(0);

    // The others were drawn on a 16x16 series that is not in the data set.
    for (const name of ['binary', 'binary_fractional', 'binary_overlap', 'true_fractional']) {
      expect(() => readDicomSeg(path.join(VARIANTS, `seg_image_ct_${name}.dcm`), [ct.meta])).toThrow(
        /referenced series 1\.3\.6\.1\.4\.1\.5962\.1\.1\.0\.0\.0\.1196530851\.28319\.0\.2 not found/,
      );
    }
  });

  it('decodes the variants whose series is absent: overlap, binary-as-fractional, true fractional', () => {
    const overlap = parseSeg(path.join(VARIANTS, 'seg_image_ct_binary_overlap.dcm'));
    expect(overlap.segments.map((s) => s.label)).toEqual(['first segment', 'second segment']);
    expect(new Set(overlap.frames.map((f) => f.segmentNumber))).toEqual(new Set([1, 2]));
    const bits = new Uint8Array(dcmjsRead(path.join(VARIANTS, 'seg_image_ct_binary_overlap.dcm')).PixelData[0]);
    expect(overlap.frames.reduce((n, f) => n + count(f.values), 0)).toBe(popcount(bits));

    const binaryFractional = parseSeg(path.join(VARIANTS, 'seg_image_ct_binary_fractional.dcm'));
    expect(binaryFractional.segmentationType).toBe('FRACTIONAL');
    expect(new Set(binaryFractional.frames.flatMap((f) => Array.from(f.values)))).toEqual(new Set([0, 1]));

    const trueFractional = parseSeg(path.join(VARIANTS, 'seg_image_ct_true_fractional.dcm'));
    const raw = new Uint8Array(dcmjsRead(path.join(VARIANTS, 'seg_image_ct_true_fractional.dcm')).PixelData[0]);
    const values = trueFractional.frames.flatMap((f) => Array.from(f.values));
    expect(values.some((v) => v > 0 && v < 1)).toBe(true);
    values.forEach((v, p) => expect(v).toBeCloseTo(raw[p] / 255, 6));
  });
});

describe('writeDicomSeg', async () => {
  const ct3 = await readDicomSeries(['01.dcm', '02.dcm', '03.dcm'].map((f) => path.join(CT3, f)));
  const liver = readDicomSeg(LIVER_SEG, [ct3.meta]).segments[0];
  const sliceSize = 512 * 512;

  it('round-trips the liver SEG to the identical mask, with the attributes a PACS needs', () => {
    const bytes = writeDicomSeg({
      series: ct3.meta,
      contentCreatorName: 'Doe^Jane',
      algorithmType: 'MANUAL',
      segments: [{ label: liver.label, category: liver.category!, type: liver.type!, slices: liver.slices.map((s) => ({ k: s.k, values: s.mask })) }],
    });
    const file = writeTemp(bytes);
    const again = readDicomSeg(file, [ct3.meta]);
    expect(again.contentCreatorName).toBe('Doe^Jane');
    expect(again.segments).toHaveLength(1);
    expect(again.segments[0]).toMatchObject({ label: 'Liver', algorithmType: 'MANUAL', category: liver.category, type: liver.type });
    expect(again.segments[0].slices.map((s) => s.k)).toEqual(liver.slices.map((s) => s.k));
    again.segments[0].slices.forEach((s, i) => expect(Buffer.from(s.mask).equals(Buffer.from(liver.slices[i].mask))).toBe(true));

    const ds = dcmjsRead(file);
    const source = dcmjsRead(path.join(CT3, '01.dcm'));
    expect(ds.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expect(ds.Modality).toBe('SEG');
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(ds.SoftwareVersions).toBe(version);
    expect(ds.SOPInstanceUID).toMatch(/^2\.25\.\d+$/);
    expect(ds.SeriesInstanceUID).toMatch(/^2\.25\.\d+$/);
    expect(ds.SeriesInstanceUID).not.toBe(source.SeriesInstanceUID);
    expect(ds.FrameOfReferenceUID).toBe(source.FrameOfReferenceUID);
    expect(ds.StudyInstanceUID).toBe(source.StudyInstanceUID);
    for (const key of ['PatientID', 'PatientSex', 'StudyDate', 'StudyTime', 'AccessionNumber', 'StudyID']) expect(ds[key]).toEqual(source[key]);
    expect(ds.PatientName).toEqual(source.PatientName);
    expect(ds.ContentCreatorName).toEqual([{ Alphabetic: 'Doe^Jane' }]);
    expect(ds.ReferencedSeriesSequence).toHaveLength(1);
    expect(ds.ReferencedSeriesSequence[0].SeriesInstanceUID).toBe(source.SeriesInstanceUID);
    expect(ds.ReferencedSeriesSequence[0].ReferencedInstanceSequence.map((r: any) => r.ReferencedSOPInstanceUID).sort()).toEqual(
      ct3.meta.instances.map((i) => i.sopInstanceUID).sort(),
    );
    expect(ds.SegmentationType).toBe('BINARY');
    expect([ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.Rows, ds.Columns]).toEqual([1, 1, 0, 512, 512]);
    expect(ds.NumberOfFrames).toBe(3);
    expect(ds.PerFrameFunctionalGroupsSequence).toHaveLength(3);
    expect(ds.SegmentSequence[0].SegmentedPropertyTypeCodeSequence[0]).toMatchObject({ CodeValue: 'T-62000', CodingSchemeDesignator: 'SRT' });
    expect(ds.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
    expect(ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing).toEqual([0.810547, 0.810547]);
    expect(ds.DimensionIndexSequence.map((d: any) => d.DimensionIndexPointer)).toEqual([0x0062000b, 0x00200032]);
    const frame = ds.PerFrameFunctionalGroupsSequence[2];
    expect(frame.FrameContentSequence[0].DimensionIndexValues).toEqual([1, 3]);
    expect(frame.PlanePositionSequence[0].ImagePositionPatient).toEqual(ct3.meta.instances[2].imagePositionPatient);
    expect(frame.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID).toBe(ct3.meta.instances[2].sopInstanceUID);
    expect(popcount(new Uint8Array(ds.PixelData[0]))).toBe(liver.slices.reduce((n, s) => n + count(s.mask), 0));
  });

  it('writes a fractional SEG of probabilities that re-imports within one step of 1/255', () => {
    // A real-valued map from the CT itself: liver voxels scaled by their HU.
    const slices = liver.slices.map((s) => {
      const values = new Float32Array(sliceSize);
      for (let p = 0; p < sliceSize; p++) {
        if (s.mask[p]) values[p] = Math.min(1, Math.max(0, (ct3.volume.data[s.k * sliceSize + p] + 50) / 250));
      }
      return { k: s.k, values };
    });
    const file = writeTemp(
      writeDicomSeg({ series: ct3.meta, contentCreatorName: 'CalDiff', algorithmType: 'AUTOMATIC', algorithmName: 'caldiff-lidc-v1', fractional: true, segments: [{ label: 'Lesion', slices }] }),
    );
    const again = readDicomSeg(file, [ct3.meta]);
    expect(again.segmentationType).toBe('FRACTIONAL');
    const [segment] = again.segments;
    expect(segment).toMatchObject({ algorithmType: 'AUTOMATIC', algorithmName: 'caldiff-lidc-v1', type: { value: '4147007', scheme: 'SCT', meaning: 'Mass' } });
    expect(segment.slices.map((s) => s.k)).toEqual(slices.map((s) => s.k));
    segment.slices.forEach((s, i) => {
      const original = slices[i].values;
      let worst = 0;
      let thresholdMismatches = 0;
      for (let p = 0; p < sliceSize; p++) {
        worst = Math.max(worst, Math.abs(s.probability![p] - original[p]));
        if (s.mask[p] !== (s.probability![p] >= 0.5 ? 1 : 0)) thresholdMismatches++;
      }
      expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
      expect(thresholdMismatches).toBe(0);
      expect(count(s.mask)).toBeGreaterThan(0);
    });
    const ds = dcmjsRead(file);
    expect([ds.SegmentationType, ds.SegmentationFractionalType, ds.MaximumFractionalValue, ds.BitsAllocated]).toEqual(['FRACTIONAL', 'PROBABILITY', 255, 8]);
    expect(ds.SegmentSequence[0]).toMatchObject({ SegmentAlgorithmType: 'AUTOMATIC', SegmentAlgorithmName: 'caldiff-lidc-v1' });
    expect(ds.SegmentSequence[0].SegmentedPropertyCategoryCodeSequence[0]).toMatchObject({ CodeValue: '49755003', CodingSchemeDesignator: 'SCT' });
  });

  it('keeps overlapping segments apart and writes only non-empty frames', () => {
    const box = new Uint8Array(sliceSize);
    for (let j = 200; j < 300; j++) for (let i = 100; i < 250; i++) box[i + j * 512] = 1;
    const file = writeTemp(
      writeDicomSeg({
        series: ct3.meta,
        contentCreatorName: 'Roe^Rita',
        algorithmType: 'SEMIAUTOMATIC',
        algorithmName: 'caldiff-lidc-v1',
        segments: [
          { label: 'Liver', slices: liver.slices.map((s) => ({ k: s.k, values: s.mask })) },
          { label: 'Box', slices: [{ k: 1, values: box }, { k: 2, values: new Uint8Array(sliceSize) }] },
        ],
      }),
    );
    const again = readDicomSeg(file, [ct3.meta]);
    expect(again.segments.map((s) => [s.label, s.algorithmType, s.slices.map((x) => x.k)])).toEqual([
      ['Liver', 'SEMIAUTOMATIC', [0, 1, 2]],
      ['Box', 'SEMIAUTOMATIC', [1]],
    ]);
    expect(Buffer.from(again.segments[1].slices[0].mask).equals(Buffer.from(box))).toBe(true);
    let overlap = 0;
    for (let p = 0; p < sliceSize; p++) overlap += liver.slices[1].mask[p] & box[p];
    expect(overlap).toBeGreaterThan(0);
    expect(dcmjsRead(file).NumberOfFrames).toBe(4);
  });

  it('exports onto the JPEG 2000 series (derived UIDs) and finds it again', async () => {
    const { readdirSync } = await import('node:fs');
    const dir = path.join(DICOM, 'ct-series-jpeg2000');
    // Four of its slices keep the test quick; they form a series of their own with its own derived UID.
    const { meta } = await readDicomSeries(readdirSync(dir).slice(0, 4).map((f) => path.join(dir, f)));
    expect(meta.seriesInstanceUID).toMatch(/^2\.25\./);
    const mask = new Uint8Array(sliceSize);
    mask.fill(1, 256 * 512, 260 * 512);
    const file = writeTemp(writeDicomSeg({ series: meta, contentCreatorName: 'Doe^Jane', algorithmType: 'MANUAL', segments: [{ label: 'Lesion', slices: [{ k: 2, values: mask }] }] }));
    const again = readDicomSeg(file, [ct3.meta, meta]);
    expect(again.seriesInstanceUID).toBe(meta.seriesInstanceUID);
    expect(again.segments[0].slices.map((s) => [s.k, count(s.mask)])).toEqual([[2, 4 * 512]]);
    const ds = dcmjsRead(file);
    expect(ds.PatientID).toBe('');
    expect(ds.StudyInstanceUID).toBe(meta.studyInstanceUID);
  });

  it('states an empty segmentation as one empty frame', () => {
    const file = writeTemp(writeDicomSeg({ series: ct3.meta, contentCreatorName: 'Doe^Jane', algorithmType: 'MANUAL', segments: [{ label: 'Lesion', slices: [] }] }));
    const ds = dcmjsRead(file);
    expect(ds.NumberOfFrames).toBe(1);
    expect(readDicomSeg(file, [ct3.meta]).segments[0].slices.map((s) => [s.k, count(s.mask)])).toEqual([[0, 0]]);
  });

  it('keeps decimal strings within 16 characters for computed geometry', () => {
    const computed = {
      ...ct3.meta,
      spacingBetweenSlices: 1 - 1e-14,
      instances: ct3.meta.instances.map((i) => ({ ...i, imagePositionPatient: i.imagePositionPatient.map((v) => v / 3) as [number, number, number] })),
    };
    const file = writeTemp(writeDicomSeg({ series: computed, contentCreatorName: 'Doe^Jane', algorithmType: 'MANUAL', segments: [{ label: 'Liver', slices: liver.slices.map((s) => ({ k: s.k, values: s.mask })) }] }));
    const ds = dcmjsRead(file);
    expect(ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].SpacingBetweenSlices).toBeCloseTo(1, 10);
    const written = ds.PerFrameFunctionalGroupsSequence[0].PlanePositionSequence[0].ImagePositionPatient as number[];
    written.forEach((v, i) => expect(v).toBeCloseTo(computed.instances[0].imagePositionPatient[i], 8));
  });

  it('refuses inconsistent requests', () => {
    const base = { series: ct3.meta, contentCreatorName: 'Doe^Jane', segments: [{ label: 'Lesion', slices: [{ k: 0, values: new Uint8Array(10) }] }] };
    expect(() => writeDicomSeg({ ...base, algorithmType: 'MANUAL' })).toThrow(/slice 0 has 10 values, the series' slices have 262144/);
    expect(() => writeDicomSeg({ ...base, algorithmType: 'AUTOMATIC' })).toThrow(/algorithm name is required for AUTOMATIC/);
    const outside = { ...base, segments: [{ label: 'Lesion', slices: [{ k: 3, values: new Uint8Array(sliceSize) }] }] };
    expect(() => writeDicomSeg({ ...outside, algorithmType: 'MANUAL' })).toThrow(/slice 3 outside the series \(0\.\.2\)/);
  });
});
