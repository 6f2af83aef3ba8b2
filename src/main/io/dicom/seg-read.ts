/** DICOM SEG objects (binary and fractional) → per-segment slice masks on the series they reference. */
import path from 'node:path';
import { ApiError } from '../../../shared/errors';
import { isSegmentation, sopInstanceUIDOf } from './identity';
import { readDicomFile, type Dataset, type DicomFile } from './parse';
import { pixelDataBuffers, unsupportedSyntax } from './pixels';
import { pixelEncodingOf } from './transfer-syntax';
import type { Code, DicomSeriesMeta, ImportedSeg, ImportedSegment, SegSlice, SegmentAlgorithmType } from './types';
import { num, nums, seq, str } from './values';

interface SegFrame {
  segmentNumber: number;
  referencedSOPInstanceUIDs: string[];
  imagePositionPatient: number[] | undefined;
  /** 0..1 (exactly 0 or 1 for BINARY). */
  values: Float32Array;
}

interface ParsedSeg {
  file: DicomFile;
  segmentationType: 'BINARY' | 'FRACTIONAL';
  rows: number;
  columns: number;
  orientation: number[];
  pixelSpacing: number[];
  referencedSeriesUIDs: string[];
  segments: Omit<ImportedSegment, 'slices'>[];
  frames: SegFrame[];
}

export function readDicomSeg(file: string, candidates: DicomSeriesMeta[]): ImportedSeg {
  const seg = parseSeg(file);
  const name = path.basename(file);
  const series = findReferencedSeries(seg, candidates);
  const warnings: string[] = [];
  checkGrid(seg, series);

  const kOfInstance = new Map(series.instances.map((inst, k) => [inst.sopInstanceUID, k]));
  const slicesBySegment = new Map<number, Map<number, SegSlice>>();
  seg.frames.forEach((frame, index) => {
    const k = sliceOfFrame(frame, series, kOfInstance);
    if (k === undefined) {
      throw new ApiError(
        'bad_input',
        `${name}: frame ${index + 1} (segment ${frame.segmentNumber}) matches no slice of series ${series.seriesInstanceUID} by SOP instance or position.`,
      );
    }
    const slices = slicesBySegment.get(frame.segmentNumber) ?? new Map<number, SegSlice>();
    slicesBySegment.set(frame.segmentNumber, slices);
    mergeFrame(slices, k, frame.values, seg.segmentationType === 'FRACTIONAL');
  });

  const known = new Set(seg.segments.map((s) => s.number));
  for (const number of slicesBySegment.keys()) {
    if (!known.has(number)) throw new ApiError('bad_input', `${name}: frames refer to segment ${number}, which the SegmentSequence does not describe.`);
  }
  const segments = seg.segments.map((s) => {
    const slices = [...(slicesBySegment.get(s.number)?.values() ?? [])].sort((a, b) => a.k - b.k);
    if (slices.length === 0) warnings.push(`Segment ${s.number} ("${s.label}") has no frames.`);
    return { ...s, slices };
  });
  const ds = seg.file.dataset;
  return {
    path: file,
    sopInstanceUID: sopInstanceUIDOf(seg.file),
    seriesInstanceUID: series.seriesInstanceUID,
    segmentationType: seg.segmentationType,
    contentCreatorName: str(ds, 'ContentCreatorName'),
    contentLabel: str(ds, 'ContentLabel'),
    seriesDescription: str(ds, 'SeriesDescription'),
    segments,
    warnings,
  };
}

/** Decodes a SEG without placing it on a series (exported for tests of SEGs whose series is absent). */
export function parseSeg(file: string): ParsedSeg {
  const dicom = readDicomFile(file);
  const name = path.basename(file);
  const ds = dicom.dataset;
  if (!isSegmentation(dicom)) throw new ApiError('bad_input', `${name}: is not a DICOM Segmentation (SOP class ${str(ds, 'SOPClassUID') || 'missing'}).`);
  if (pixelEncodingOf(dicom.transferSyntaxUID) !== 'native') throw unsupportedSyntax(file, dicom.transferSyntaxUID);

  const type = str(ds, 'SegmentationType');
  if (type !== 'BINARY' && type !== 'FRACTIONAL') throw new ApiError('bad_input', `${name}: SegmentationType "${type}" is not BINARY or FRACTIONAL.`);
  const rows = num(ds, 'Rows') ?? 0;
  const columns = num(ds, 'Columns') ?? 0;
  const frameCount = num(ds, 'NumberOfFrames') ?? 1;
  const bits = num(ds, 'BitsAllocated') ?? (type === 'BINARY' ? 1 : 8);
  if ((type === 'BINARY' && bits !== 1) || (type === 'FRACTIONAL' && bits !== 8)) {
    throw new ApiError('bad_input', `${name}: a ${type} segmentation with BitsAllocated ${bits} is not valid DICOM.`);
  }
  const maxFraction = type === 'FRACTIONAL' ? (num(ds, 'MaximumFractionalValue') ?? 255) : 1;

  const shared = seq(ds, 'SharedFunctionalGroupsSequence')[0] ?? {};
  const perFrame = seq(ds, 'PerFrameFunctionalGroupsSequence');
  if (perFrame.length !== frameCount) {
    throw new ApiError('bad_input', `${name}: NumberOfFrames is ${frameCount} but there are ${perFrame.length} per-frame functional groups.`);
  }
  const group = (frame: Dataset, key: string): Dataset | undefined => seq(frame, key)[0] ?? seq(shared, key)[0];
  const orientation = nums(group(perFrame[0] ?? {}, 'PlaneOrientationSequence') ?? {}, 'ImageOrientationPatient');
  const pixelSpacing = nums(group(perFrame[0] ?? {}, 'PixelMeasuresSequence') ?? {}, 'PixelSpacing');

  const pixels = new Uint8Array(pixelDataBuffers(dicom)[0]);
  const frameSize = rows * columns;
  const neededBytes = type === 'BINARY' ? Math.ceil((frameSize * frameCount) / 8) : frameSize * frameCount;
  if (pixels.length < neededBytes) {
    throw new ApiError('bad_input', `${name}: the pixel data holds ${pixels.length} bytes, ${frameCount} frames of ${columns}x${rows} need ${neededBytes}.`);
  }

  const frames = perFrame.map((frame, f): SegFrame => {
    const values = new Float32Array(frameSize);
    if (type === 'BINARY') {
      // Binary frames are packed back to back without byte alignment, least significant bit first.
      const base = f * frameSize;
      for (let p = 0; p < frameSize; p++) {
        const bit = base + p;
        values[p] = (pixels[bit >> 3] >> (bit & 7)) & 1;
      }
    } else {
      const base = f * frameSize;
      for (let p = 0; p < frameSize; p++) values[p] = Math.min(1, pixels[base + p] / maxFraction);
    }
    const segmentNumber = num(group(frame, 'SegmentIdentificationSequence') ?? {}, 'ReferencedSegmentNumber');
    if (segmentNumber === undefined) throw new ApiError('bad_input', `${name}: frame ${f + 1} names no ReferencedSegmentNumber.`);
    const derivations = seq(frame, 'DerivationImageSequence').length > 0 ? seq(frame, 'DerivationImageSequence') : seq(shared, 'DerivationImageSequence');
    return {
      segmentNumber,
      referencedSOPInstanceUIDs: derivations.flatMap((d) => seq(d, 'SourceImageSequence').map((s) => str(s, 'ReferencedSOPInstanceUID'))).filter(Boolean),
      imagePositionPatient: nums(group(frame, 'PlanePositionSequence') ?? {}, 'ImagePositionPatient'),
      values,
    };
  });

  return {
    file: dicom,
    segmentationType: type,
    rows,
    columns,
    orientation,
    pixelSpacing,
    referencedSeriesUIDs: seq(ds, 'ReferencedSeriesSequence')
      .map((item) => str(item, 'SeriesInstanceUID'))
      .filter(Boolean),
    segments: seq(ds, 'SegmentSequence').map((s) => ({
      number: num(s, 'SegmentNumber') ?? 0,
      label: str(s, 'SegmentLabel'),
      description: str(s, 'SegmentDescription'),
      algorithmType: algorithmTypeOf(str(s, 'SegmentAlgorithmType')),
      algorithmName: str(s, 'SegmentAlgorithmName'),
      category: codeOf(seq(s, 'SegmentedPropertyCategoryCodeSequence')[0]),
      type: codeOf(seq(s, 'SegmentedPropertyTypeCodeSequence')[0]),
    })),
    frames,
  };
}

function findReferencedSeries(seg: ParsedSeg, candidates: DicomSeriesMeta[]): DicomSeriesMeta {
  const name = path.basename(seg.file.path);
  const frameOfReference = str(seg.file.dataset, 'FrameOfReferenceUID');
  const byUid = candidates.find((c) => seg.referencedSeriesUIDs.includes(c.seriesInstanceUID));
  // A SEG may name a series UID we do not know while pointing at instances we do (re-numbered copies).
  const referencedInstances = seg.frames.flatMap((f) => f.referencedSOPInstanceUIDs);
  const byInstances =
    referencedInstances.length > 0
      ? candidates.find((c) => {
          const own = new Set(c.instances.map((i) => i.sopInstanceUID));
          return referencedInstances.every((uid) => own.has(uid));
        })
      : undefined;
  // Without any reference (some converters write none) the frame of reference and positions decide.
  const byPosition =
    seg.referencedSeriesUIDs.length === 0 && referencedInstances.length === 0
      ? candidates.find(
          (c) => c.frameOfReferenceUID === frameOfReference && seg.frames.every((f) => sliceOfFrame(f, c, new Map()) !== undefined),
        )
      : undefined;
  const series = byUid ?? byInstances ?? byPosition;
  if (!series) {
    const what =
      seg.referencedSeriesUIDs.length > 0
        ? `referenced series ${seg.referencedSeriesUIDs.join(', ')} not found`
        : `referenced series not found (the SEG names no series, and no slice of a series with frame of reference ${frameOfReference || '(none)'} matches its frames)`;
    throw new ApiError('bad_input', `${name}: ${what} among the ${candidates.length} series given; import the image series it was drawn on first.`);
  }
  if (frameOfReference && series.frameOfReferenceUID && frameOfReference !== series.frameOfReferenceUID) {
    throw new ApiError(
      'bad_input',
      `${name}: its frame of reference ${frameOfReference} differs from that of the series it references (${series.frameOfReferenceUID}).`,
    );
  }
  return series;
}

function checkGrid(seg: ParsedSeg, series: DicomSeriesMeta): void {
  const name = path.basename(seg.file.path);
  const sameOrientation = seg.orientation.length !== 6 || seg.orientation.every((v, i) => Math.abs(v - series.imageOrientationPatient[i]) < 1e-3);
  const sameSpacing = seg.pixelSpacing.length !== 2 || seg.pixelSpacing.every((v, i) => Math.abs(v - series.pixelSpacing[i]) <= 1e-3 * series.pixelSpacing[i]);
  if (seg.rows !== series.rows || seg.columns !== series.columns || !sameOrientation || !sameSpacing) {
    throw new ApiError(
      'bad_input',
      `${name}: its frames (${seg.columns}x${seg.rows}, spacing ${seg.pixelSpacing.join('\\')}) do not share the pixel grid of series ${series.seriesInstanceUID} ` +
        `(${series.columns}x${series.rows}, spacing ${series.pixelSpacing.join('\\')}); resampled segmentations are not supported.`,
    );
  }
}

/** By referenced SOP instance first, else by position (within a tenth of the smallest spacing). */
function sliceOfFrame(frame: SegFrame, series: DicomSeriesMeta, kOfInstance: Map<string, number>): number | undefined {
  for (const uid of frame.referencedSOPInstanceUIDs) {
    const k = kOfInstance.get(uid);
    if (k !== undefined) return k;
  }
  const ipp = frame.imagePositionPatient;
  if (!ipp || ipp.length !== 3) return undefined;
  const tolerance = 0.1 * Math.min(series.pixelSpacing[0], series.pixelSpacing[1], series.spacingBetweenSlices);
  const k = series.instances.findIndex((inst) => Math.hypot(...inst.imagePositionPatient.map((v, i) => v - ipp[i])) <= tolerance);
  return k >= 0 ? k : undefined;
}

function mergeFrame(slices: Map<number, SegSlice>, k: number, values: Float32Array, fractional: boolean): void {
  const existing = slices.get(k);
  const probability = existing?.probability ?? (fractional ? new Float32Array(values.length) : undefined);
  const mask = existing?.mask ?? new Uint8Array(values.length);
  for (let p = 0; p < values.length; p++) {
    if (probability) probability[p] = Math.max(probability[p], values[p]);
    if (values[p] >= 0.5) mask[p] = 1;
  }
  slices.set(k, probability ? { k, mask, probability } : { k, mask });
}

function algorithmTypeOf(value: string): SegmentAlgorithmType {
  return value === 'AUTOMATIC' || value === 'SEMIAUTOMATIC' ? value : 'MANUAL';
}

function codeOf(item: Dataset | undefined): Code | null {
  if (!item) return null;
  return { value: str(item, 'CodeValue'), scheme: str(item, 'CodingSchemeDesignator'), meaning: str(item, 'CodeMeaning') };
}
