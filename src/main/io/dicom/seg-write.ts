/** Writing DICOM SEG objects (Segmentation IOD, PS3.3 A.51) for one series: binary or fractional. */
import dcmjs from 'dcmjs';
import { ApiError } from '../../../shared/errors';
import { SEGMENTATION_SOP_CLASS } from './identity';
import { toPersonName } from './person-name';
import { EXPLICIT_LITTLE_ENDIAN } from './transfer-syntax';
import type { Code, PatientStudyKeyword, SegmentToWrite, WriteSegOptions } from './types';
import { derivedUid, newUid } from './uid';
import { version as SOFTWARE_VERSION } from '../../../../package.json';

export const DEFAULT_CATEGORY: Code = { value: '49755003', scheme: 'SCT', meaning: 'Morphologically Altered Structure' };
export const DEFAULT_TYPE: Code = { value: '4147007', scheme: 'SCT', meaning: 'Mass' };

const IMPLEMENTATION_CLASS_UID = derivedUid('CalDiff Workstation DICOM implementation');
const MAX_FRACTION = 255;
const PERSON_NAME_KEYWORDS = new Set<PatientStudyKeyword>(['PatientName', 'ReferringPhysicianName']);
const OPTIONAL_KEYWORDS = new Set<PatientStudyKeyword>(['IssuerOfPatientID', 'StudyDescription']);

/** Decimal strings (DS) hold at most 16 characters; dcmjs refuses longer ones. */
function ds(v: number): number {
  for (let digits = 15; digits > 1; digits--) {
    const rounded = Number(v.toPrecision(digits));
    if (String(rounded).length <= 16) return rounded;
  }
  return Math.round(v);
}
const dsList = (values: readonly number[]) => values.map(ds);

const code = (c: Code) => [{ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning }];
const personName = (name: string) => (name ? [{ Alphabetic: name }] : []);

interface Frame {
  segmentNumber: number;
  k: number;
  values: ArrayLike<number>;
}

/** Returns a complete Part-10 file (explicit VR little endian). */
export function writeDicomSeg(options: WriteSegOptions): Uint8Array {
  const { series, segments, algorithmType } = options;
  const fractional = options.fractional ?? false;
  const frameSize = series.rows * series.columns;
  if (segments.length === 0) throw new ApiError('validation', 'writeDicomSeg: at least one segment is needed.');
  if (algorithmType !== 'MANUAL' && !options.algorithmName) {
    throw new ApiError('validation', `writeDicomSeg: an algorithm name is required for ${algorithmType} segments.`);
  }
  if (series.instances.length === 0) throw new ApiError('validation', 'writeDicomSeg: the source series has no instances.');

  const frames = framesOf(segments, series.instances.length, frameSize, fractional);
  const sopInstanceUID = newUid();
  const now = new Date();
  const date = now.toISOString().slice(0, 10).replace(/-/g, '');
  const time = now.toISOString().slice(11, 19).replace(/:/g, '');
  const dimensionOrganizationUID = newUid();

  // Type 2 attributes are written even when empty; optional ones only when the source had them.
  const patientStudy = Object.fromEntries(
    Object.entries(series.patientStudy)
      .filter(([key, value]) => value !== '' || !OPTIONAL_KEYWORDS.has(key as PatientStudyKeyword))
      .map(([key, value]) => [key, PERSON_NAME_KEYWORDS.has(key as PatientStudyKeyword) ? personName(value) : value]),
  );

  const dataset: Record<string, unknown> = {
    _vrMap: { PixelData: 'OB' },
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEGMENTATION_SOP_CLASS,
    SOPInstanceUID: sopInstanceUID,
    ...patientStudy,
    StudyInstanceUID: series.studyInstanceUID,
    SeriesInstanceUID: newUid(),
    SeriesNumber: options.seriesNumber ?? 900,
    SeriesDescription: (options.seriesDescription ?? `Segmentation by ${options.contentCreatorName}`).slice(0, 64),
    SeriesDate: date,
    SeriesTime: time,
    Modality: 'SEG',
    FrameOfReferenceUID: series.frameOfReferenceUID,
    PositionReferenceIndicator: '',
    Manufacturer: 'CalDiff',
    ManufacturerModelName: 'CalDiff Workstation',
    DeviceSerialNumber: '1',
    SoftwareVersions: SOFTWARE_VERSION,
    InstanceNumber: 1,
    ContentDate: date,
    ContentTime: time,
    ContentLabel: 'CALDIFF',
    ContentDescription: fractional ? 'Model probability' : 'Lesion segmentation',
    ContentCreatorName: personName(toPersonName(options.contentCreatorName)),
    ImageType: ['DERIVED', 'PRIMARY'],
    LossyImageCompression: '00',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: series.rows,
    Columns: series.columns,
    BitsAllocated: fractional ? 8 : 1,
    BitsStored: fractional ? 8 : 1,
    HighBit: fractional ? 7 : 0,
    PixelRepresentation: 0,
    SegmentationType: fractional ? 'FRACTIONAL' : 'BINARY',
    ...(fractional ? { SegmentationFractionalType: 'PROBABILITY', MaximumFractionalValue: MAX_FRACTION } : {}),
    SegmentSequence: segments.map((s, index) => ({
      SegmentNumber: index + 1,
      SegmentLabel: s.label.slice(0, 64),
      ...(s.description ? { SegmentDescription: s.description.slice(0, 64) } : {}),
      SegmentAlgorithmType: algorithmType,
      ...(algorithmType === 'MANUAL' ? {} : { SegmentAlgorithmName: options.algorithmName!.slice(0, 64) }),
      SegmentedPropertyCategoryCodeSequence: code(s.category ?? DEFAULT_CATEGORY),
      SegmentedPropertyTypeCodeSequence: code(s.type ?? DEFAULT_TYPE),
    })),
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: series.seriesInstanceUID,
        ReferencedInstanceSequence: series.instances.map((inst) => ({
          ReferencedSOPClassUID: inst.sopClassUID,
          ReferencedSOPInstanceUID: inst.sopInstanceUID,
        })),
      },
    ],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUID }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUID,
        DimensionIndexPointer: 0x0062000b, // ReferencedSegmentNumber
        FunctionalGroupPointer: 0x0062000a, // SegmentIdentificationSequence
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUID,
        DimensionIndexPointer: 0x00200032, // ImagePositionPatient
        FunctionalGroupPointer: 0x00209113, // PlanePositionSequence
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: dsList(series.pixelSpacing),
            SliceThickness: ds(series.sliceThickness ?? series.spacingBetweenSlices),
            SpacingBetweenSlices: ds(series.spacingBetweenSlices),
          },
        ],
        PlaneOrientationSequence: [{ ImageOrientationPatient: dsList(series.imageOrientationPatient) }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map((f) => {
      const instance = series.instances[f.k];
      return {
        DerivationImageSequence: [
          {
            SourceImageSequence: [
              {
                ReferencedSOPClassUID: instance.sopClassUID,
                ReferencedSOPInstanceUID: instance.sopInstanceUID,
                PurposeOfReferenceCodeSequence: code({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' }),
              },
            ],
            DerivationCodeSequence: code({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' }),
          },
        ],
        FrameContentSequence: [{ DimensionIndexValues: [f.segmentNumber, f.k + 1] }],
        PlanePositionSequence: [{ ImagePositionPatient: dsList(instance.imagePositionPatient) }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segmentNumber }],
      };
    }),
    NumberOfFrames: frames.length,
    PixelData: [fractional ? packFractional(frames, frameSize) : packBinary(frames, frameSize)],
  };

  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEGMENTATION_SOP_CLASS,
    MediaStorageSOPInstanceUID: sopInstanceUID,
    TransferSyntaxUID: EXPLICIT_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: `CALDIFF_${SOFTWARE_VERSION}`,
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

/** One frame per segment and non-empty slice, in segment then slice order; never zero frames. */
function framesOf(segments: SegmentToWrite[], sliceCount: number, frameSize: number, fractional: boolean): Frame[] {
  const frames: Frame[] = [];
  segments.forEach((segment, index) => {
    const seen = new Set<number>();
    for (const slice of [...segment.slices].sort((a, b) => a.k - b.k)) {
      if (!Number.isInteger(slice.k) || slice.k < 0 || slice.k >= sliceCount) {
        throw new ApiError('validation', `writeDicomSeg: segment "${segment.label}" has a slice ${slice.k} outside the series (0..${sliceCount - 1}).`);
      }
      if (seen.has(slice.k)) throw new ApiError('validation', `writeDicomSeg: segment "${segment.label}" gives slice ${slice.k} twice.`);
      seen.add(slice.k);
      if (slice.values.length !== frameSize) {
        throw new ApiError('validation', `writeDicomSeg: segment "${segment.label}" slice ${slice.k} has ${slice.values.length} values, the series' slices have ${frameSize}.`);
      }
      if (!isEmpty(slice.values, fractional)) frames.push({ segmentNumber: index + 1, k: slice.k, values: slice.values });
    }
  });
  // A SEG needs at least one frame: an all-empty segmentation is stated as one empty frame.
  if (frames.length === 0) frames.push({ segmentNumber: 1, k: 0, values: new Uint8Array(frameSize) });
  return frames;
}

function isEmpty(values: ArrayLike<number>, fractional: boolean): boolean {
  for (let i = 0; i < values.length; i++) {
    if (fractional ? Math.round(values[i] * MAX_FRACTION) > 0 : values[i]) return false;
  }
  return true;
}

/** Binary frames are packed back to back, least significant bit first, without per-frame byte alignment. */
function packBinary(frames: Frame[], frameSize: number): ArrayBuffer {
  const bits = frames.length * frameSize;
  const bytes = new Uint8Array(evenLength(Math.ceil(bits / 8)));
  frames.forEach((frame, f) => {
    const base = f * frameSize;
    for (let p = 0; p < frameSize; p++) {
      if (frame.values[p]) {
        const bit = base + p;
        bytes[bit >> 3] |= 1 << (bit & 7);
      }
    }
  });
  return bytes.buffer;
}

function packFractional(frames: Frame[], frameSize: number): ArrayBuffer {
  const bytes = new Uint8Array(evenLength(frames.length * frameSize));
  frames.forEach((frame, f) => {
    for (let p = 0; p < frameSize; p++) bytes[f * frameSize + p] = Math.round(Math.min(1, Math.max(0, frame.values[p])) * MAX_FRACTION);
  });
  return bytes.buffer;
}

function evenLength(n: number): number {
  return n + (n % 2);
}
