/**
 * The contract between the renderer (and every other client: the HTTP bridge, the CLI, tests) and the main
 * process. Every operation is declared here once, with zod schemas for its request and its response; the
 * Electron IPC bridge, the HTTP bridge and the typed clients are all derived from this table.
 *
 * Binary payloads (images, masks, maps) are typed arrays, never arrays of JSON numbers: masks are bit-packed
 * (see masks.ts), images keep their voxel type.
 */
import { z } from 'zod';
import { IPC_CHANNEL, isOpName, OP_NAMES, type OpName as ListedOpName } from './ops';

// ---------- building blocks ----------

const id = z.number().int().positive();
const vec3 = z.tuple([z.number(), z.number(), z.number()]);
const dims3 = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);
const sliceIndex = z.number().int().nonnegative();
// z.custom keeps the plain typed-array types (any backing buffer), which is what every process holds.
const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected a Uint8Array' });
const floats = z.custom<Float32Array>((v) => v instanceof Float32Array, { message: 'expected a Float32Array' });
const voxels = z.custom<Uint8Array | Int16Array | Int32Array | Float32Array>(
  (v) => v instanceof Uint8Array || v instanceof Int16Array || v instanceof Int32Array || v instanceof Float32Array,
  { message: 'expected voxel data (Uint8Array, Int16Array, Int32Array or Float32Array)' },
);
const timestamp = z.string(); // ISO 8601, UTC

export const VoxelTypeSchema = z.enum(['uint8', 'int16', 'int32', 'float32']);
export const IntensitySchema = z.enum(['HU', 'windowed', 'raw']);
export const WindowSchema = z.object({ width: z.number().positive(), level: z.number() });

export const GeometrySchema = z.object({
  dims: dims3,
  spacing: vec3,
  origin: vec3,
  direction: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]),
});

export const StudySourceSchema = z.enum(['lidc', 'png', 'nifti', 'dicom']);

export const StudySummarySchema = z.object({
  id,
  name: z.string(),
  patientId: z.string().nullable(),
  source: StudySourceSchema,
  sourcePath: z.string(),
  dims: dims3,
  /** null only for a damaged study (see `problem`). */
  spacing: vec3.nullable(),
  intensity: IntensitySchema,
  raterCount: z.number().int().nonnegative(),
  annotatedSlices: z.number().int().nonnegative(),
  createdAt: timestamp,
  /** Set when the stored study is damaged (an older version stored a bad file): it is listed, but cannot be opened. */
  problem: z.string().optional(),
});
export type StudySummary = z.infer<typeof StudySummarySchema>;

/** A reader annotates (blinded while reading); an adjudicator sees every reader's work and marks the final mask. */
export const RaterRoleSchema = z.enum(['reader', 'adjudicator']);
export type RaterRole = z.infer<typeof RaterRoleSchema>;
export const RaterSchema = z.object({ id, name: z.string(), role: RaterRoleSchema, createdAt: timestamp });
export type Rater = z.infer<typeof RaterSchema>;

/** A reader's point mark from LIDC reader XML (a nodule under 3 mm, or a non-nodule): shown, never a mask. */
export const LidcMarkerSchema = z.object({
  raterName: z.string(),
  kind: z.enum(['nodule < 3 mm', 'non-nodule']),
  id: z.string(),
  sliceIndex: z.number().int().nonnegative(),
  x: z.number(),
  y: z.number(),
});
export type LidcMarker = z.infer<typeof LidcMarkerSchema>;

export const StudyDetailSchema = StudySummarySchema.extend({
  spacing: vec3,
  geometry: GeometrySchema,
  dtype: VoxelTypeSchema,
  window: WindowSchema,
  raters: z.array(RaterSchema),
  /** Anything the import noticed that a reader should know (e.g. spacing unknown, slices reordered). */
  notes: z.array(z.string()),
  markers: z.array(LidcMarkerSchema),
});
export type StudyDetail = z.infer<typeof StudyDetailSchema>;

export const VolumeDataSchema = GeometrySchema.extend({
  dtype: VoxelTypeSchema,
  intensity: IntensitySchema,
  window: WindowSchema,
  data: voxels,
});

export const SliceImageSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  dtype: VoxelTypeSchema,
  data: voxels,
});

export const MaskSourceSchema = z.enum(['manual', 'model-mean', 'model-sample', 'imported']);
export type MaskSource = z.infer<typeof MaskSourceSchema>;
export const RaterMaskSchema = z.object({
  raterId: id,
  raterName: z.string(),
  raterRole: RaterRoleSchema,
  revision: z.number().int().positive(),
  source: MaskSourceSchema,
  /** Bit-packed, width*height pixels. */
  mask: bytes,
  updatedAt: timestamp,
  /** Filled in by slice interpolation and not edited by the rater since (any save of the slice clears it). */
  interpolated: z.boolean(),
});

export const ReviewStatusSchema = z.enum(['unreviewed', 'reviewed', 'second-look']);
export type ReviewStatus = z.infer<typeof ReviewStatusSchema>;

export const JobStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export const JobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  state: JobStateSchema,
  studyId: id.nullable(),
  /** Units of work (slices for triage). */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Step within the current unit (denoising step k of K). */
  step: z.number().int().nonnegative(),
  steps: z.number().int().nonnegative(),
  message: z.string(),
  warnings: z.array(z.string()),
  error: z.string().nullable(),
  startedAt: timestamp,
  finishedAt: timestamp.nullable(),
  etaSeconds: z.number().nonnegative().nullable(),
});
export type Job = z.infer<typeof JobSchema>;

export const ModelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  file: z.string(),
  sha256: z.string(),
  ok: z.boolean(),
  problem: z.string().nullable(),
  defaults: z.object({ samples: z.number().int().positive(), steps: z.number().int().positive(), sampler: z.string() }),
  validation: z.record(z.string(), z.unknown()).nullable(),
});

export const ProviderReportSchema = z.object({
  active: z.string().nullable(),
  attempts: z.array(z.object({ provider: z.string(), ok: z.boolean(), reason: z.string().nullable() })),
  forcedCpu: z.boolean(),
});

export const QueueItemSchema = z.object({
  studyId: id,
  studyName: z.string(),
  sliceIndex,
  score: z.number(),
  totalUncertainty: z.number(),
  lesionUncertainty: z.number(),
  meanArea: z.number(),
  status: ReviewStatusSchema,
  runId: id,
  /** The region of interest the slice was scored in; null for a model-sized study triaged as one whole image. */
  roiId: id.nullable(),
});
export type QueueItem = z.infer<typeof QueueItemSchema>;

export const SliceResultSchema = z.object({
  runId: id,
  modelId: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  samples: z.array(bytes),
  mean: floats,
  uncertainty: floats,
  entropy: floats,
  totalUncertainty: z.number(),
  lesionUncertainty: z.number(),
  score: z.number(),
  warnings: z.array(z.string()),
});

const nullableNumber = z.number().nullable();
export const CalibrationMetricsSchema = z.object({
  sncc: nullableNumber,
  dmax: nullableNumber,
  sc: nullableNumber,
  da: nullableNumber,
  ci: nullableNumber,
  ged: nullableNumber,
});
export const AgreementSchema = z.object({
  raters: z.array(z.object({ raterId: id, raterName: z.string() })),
  /** pairwise[i][j]: Dice between raters i and j (null on the diagonal). */
  pairwiseDice: z.array(z.array(nullableNumber)),
  meanPairwiseDice: nullableNumber,
  /** Each rater's STAPLE estimates; null where they are undefined (no rater marks anything). */
  staple: z.array(z.object({ raterId: id, sensitivity: nullableNumber, specificity: nullableNumber })),
  consensusMajority: bytes,
  consensusStaple: bytes,
  model: CalibrationMetricsSchema.nullable(),
  /** How many other raters' masks blinding left out of all of the above. */
  hidden: z.number().int().nonnegative(),
});

// ---------- regions of interest (issue 12: real CT studies) ----------

/**
 * A nodule-centred box in a study's voxel grid: the model's in-plane window around `center` on every slice of
 * `slices` (inclusive). `window` is the size in the study's own pixels (128x128 at the model's scale; larger or
 * smaller only where the scan's pixel spacing lies outside the model's training range).
 */
export const RoiSourceSchema = z.enum(['manual', 'world', 'raters', 'csv']);
export const RoiSchema = z.object({
  id,
  studyId: id,
  label: z.string(),
  /** Voxel indices [column, row, slice], the slice as the UI counts it. */
  center: z.tuple([z.number().int(), z.number().int(), sliceIndex]),
  slices: z.tuple([sliceIndex, sliceIndex]),
  window: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  source: RoiSourceSchema,
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Roi = z.infer<typeof RoiSchema>;

/** A slice's own header data, so the UI and the CLI count and name slices the same way. */
export const SliceHeaderSchema = z.object({
  sliceIndex,
  /** DICOM InstanceNumber; null where the study did not come from DICOM or the file has none. */
  instanceNumber: z.number().int().nullable(),
  /** Position along the slice normal, mm (DICOM: ImagePositionPatient · normal; else origin + k · spacing). */
  positionMm: z.number(),
});

export const ExportFormatSchema = z.enum(['nifti', 'png', 'dicom-seg', 'report', 'final']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
/** A format asked for that the study cannot have (DICOM SEG of a study not imported from DICOM), and why. */
export const ExportSkipSchema = z.object({ format: ExportFormatSchema, reason: z.string() });
export type ExportSkip = z.infer<typeof ExportSkipSchema>;

// ---------- adjudication, history, volumetry (issue 15) ----------

/** What an adjudicator starts the final mask of a slice from. */
export const AdjudicationBasisSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reader'), raterId: id }).strict(),
  z.object({ kind: z.literal('consensus-majority') }).strict(),
  z.object({ kind: z.literal('consensus-staple') }).strict(),
  z.object({ kind: z.literal('model-mean') }).strict(),
]);
export const FinalRevisionSchema = z.object({
  revision: z.number().int().positive(),
  area: z.number().int().nonnegative(),
  adjudicatorName: z.string(),
  /** What the final mask equals: 'reader:<name>', 'consensus-majority', 'consensus-staple', 'model-mean' or 'edited'. */
  basis: z.string(),
  createdAt: timestamp,
});
export const MaskRevisionSchema = z.object({
  revision: z.number().int().positive(),
  source: MaskSourceSchema,
  area: z.number().int().nonnegative(),
  createdAt: timestamp,
});
/** A nodule's size as Lung-RADS reports it, from the study's geometry. */
export const VolumetrySchema = z.object({
  /** 'reader' (one per rater), 'consensus-majority', 'consensus-staple', 'final', 'model-mean'. */
  kind: z.enum(['reader', 'consensus-majority', 'consensus-staple', 'final', 'model-mean']),
  name: z.string(),
  raterId: id.nullable(),
  voxels: z.number().int().nonnegative(),
  volumeMm3: z.number().nonnegative(),
  /** Longest in-plane diameter between pixel centres, on the slice where it is longest. */
  longestDiameterMm: z.number().nonnegative(),
  /** The mask's extent perpendicular to that diameter, on the same slice. */
  perpendicularDiameterMm: z.number().nonnegative(),
  diameterSlice: sliceIndex.nullable(),
  slices: z.number().int().nonnegative(),
});
export type Volumetry = z.infer<typeof VolumetrySchema>;
/** The samplers the engine implements (engine/sampler.ts); model cards name their recommended one. */
export const SamplerNameSchema = z.enum(['ddim', 'ddpm']);
export type SamplerName = z.infer<typeof SamplerNameSchema>;
const auditRow = z.object({ id, at: timestamp, actor: z.string(), action: z.string(), studyId: id.nullable(), sliceIndex: z.number().int().nullable(), detail: z.string() });

// ---------- the operations ----------

function op<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res, http: { method: 'GET' | 'POST'; path: string }) {
  return { request, response, http };
}
const empty = z.object({}).strict();
const ok = z.object({ ok: z.literal(true) });
const studyRef = z.object({ studyId: id }).strict();
/**
 * Who is looking, for blinded reading: when `blinded`, other raters' masks on a slice (and everything computed
 * from them) stay hidden until the viewer has marked that slice reviewed. No viewer (null) and not blinded is the
 * full view of tools and exports.
 */
const viewer = { viewerRaterId: id.nullable(), blinded: z.boolean() };

// ---------- PACS: DICOMweb archives (issue 16) ----------

export const ArchiveAuthSchema = z.enum(['none', 'basic', 'bearer']);
/** An archive as clients see it: never its password or token. */
export const ArchiveSchema = z.object({ name: z.string(), url: z.string(), auth: ArchiveAuthSchema, user: z.string().nullable(), createdAt: timestamp });
export type Archive = z.infer<typeof ArchiveSchema>;
const archiveName = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');
const dicomUid = z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'a DICOM UID (digits and dots)').max(64);
const dicomDate = z.string().regex(/^\d{8}$/, 'YYYYMMDD');
export const ArchiveSeriesSchema = z.object({
  seriesInstanceUID: z.string(),
  modality: z.string(),
  description: z.string(),
  number: z.number().int().nullable(),
  instances: z.number().int().nonnegative().nullable(),
});
export const ArchiveStudySchema = z.object({
  studyInstanceUID: z.string(),
  patientId: z.string(),
  patientName: z.string(),
  studyDate: z.string(),
  accession: z.string(),
  description: z.string(),
  modalities: z.array(z.string()),
  series: z.array(ArchiveSeriesSchema),
});
export type ArchiveStudy = z.infer<typeof ArchiveStudySchema>;
export const StoreWhatSchema = z.enum(['readers', 'consensus', 'model', 'final']);
export const StoreResultSchema = z.object({
  /** e.g. 'reader:Dr A', 'consensus-majority', 'model:caldiff-lidc-cpu-v1' */
  item: z.string(),
  sopInstanceUID: z.string(),
  status: z.enum(['stored', 'failed', 'unchanged']),
  message: z.string(),
});
export const StudyOriginSchema = z.object({
  archiveName: z.string(),
  archiveUrl: z.string(),
  studyInstanceUID: z.string(),
  seriesInstanceUID: z.string(),
  sopInstanceUIDs: z.array(z.string()),
  retrievedAt: timestamp,
});

const pacsApi = {
  'pacs.archives.list': op(empty, z.array(ArchiveSchema), { method: 'GET', path: '/pacs/archives' }),
  'pacs.archives.add': op(
    z
      .object({
        name: archiveName,
        /** The DICOMweb root, e.g. http://pacs:8042/dicom-web; credentials go in `credentials`, never in the URL. */
        url: z.string().url().max(2000),
        credentials: z.discriminatedUnion('auth', [
          z.object({ auth: z.literal('none') }).strict(),
          z.object({ auth: z.literal('basic'), user: z.string().min(1).max(256), password: z.string().min(1).max(4096) }).strict(),
          z.object({ auth: z.literal('bearer'), token: z.string().min(1).max(16384) }).strict(),
        ]),
      })
      .strict(),
    ArchiveSchema,
    { method: 'POST', path: '/pacs/archives/add' },
  ),
  'pacs.archives.remove': op(z.object({ name: archiveName }).strict(), ok, { method: 'POST', path: '/pacs/archives/remove' }),
  'pacs.search': op(
    z
      .object({
        archive: archiveName,
        patientId: z.string().max(64).optional(),
        patientName: z.string().max(64).optional(),
        dateFrom: dicomDate.optional(),
        dateTo: dicomDate.optional(),
        modality: z.string().max(16).optional(),
        accession: z.string().max(16).optional(),
        limit: z.number().int().positive().max(500).default(50),
      })
      .strict(),
    z.array(ArchiveStudySchema),
    { method: 'POST', path: '/pacs/search' },
  ),
  /**
   * A job: the image series of a study (or the one named) and the SEGs on them, one instance at a time to disk,
   * then one all-or-nothing import. Series already in the store are not fetched again. Blinded, a viewer gets
   * other readers' SEG masks only on slices they have marked reviewed.
   */
  'pacs.retrieve': op(
    z.object({ archive: archiveName, studyInstanceUID: dicomUid, seriesInstanceUID: dicomUid.nullable().default(null), ...viewer }).strict(),
    JobSchema,
    { method: 'POST', path: '/pacs/retrieve' },
  ),
  /** STOW-RS of a study's SEGs; an item sent before with the same content is not sent again (a retry sends the rest). */
  'pacs.store': op(
    z
      .object({
        studyId: id,
        archive: archiveName,
        what: z.array(StoreWhatSchema).min(1).default(['readers', 'consensus', 'model', 'final']),
        /** Only this reader's SEG (a reader at their own workstation); null: every reader. */
        raterId: id.nullable().default(null),
      })
      .strict(),
    z.object({ results: z.array(StoreResultSchema) }),
    { method: 'POST', path: '/pacs/store' },
  ),
  'pacs.origin': op(studyRef, StudyOriginSchema.nullable(), { method: 'POST', path: '/pacs/origin' }),
};

export const api = {
  'app.info': op(
    empty,
    z.object({ version: z.string(), dataDir: z.string(), transport: z.enum(['ipc', 'http']), platform: z.string() }),
    { method: 'GET', path: '/info' },
  ),

  'studies.list': op(empty, z.array(StudySummarySchema), { method: 'GET', path: '/studies' }),
  'studies.get': op(studyRef, StudyDetailSchema, { method: 'POST', path: '/studies/get' }),
  'studies.import': op(
    z.object({ paths: z.array(z.string().min(1)).min(1).max(1000) }).strict(),
    z.object({
      studies: z.array(StudySummarySchema),
      /** `studyId`: the study that already holds what was skipped (imported before). */
      skipped: z.array(z.object({ path: z.string(), reason: z.string(), studyId: id.optional() })),
    }),
    { method: 'POST', path: '/studies/import' },
  ),
  'studies.delete': op(studyRef, ok, { method: 'POST', path: '/studies/delete' }),
  'studies.volume': op(studyRef, VolumeDataSchema, { method: 'POST', path: '/studies/volume' }),
  'studies.slice': op(z.object({ studyId: id, sliceIndex }).strict(), SliceImageSchema, { method: 'POST', path: '/studies/slice' }),

  'raters.list': op(empty, z.array(RaterSchema), { method: 'GET', path: '/raters' }),
  'raters.create': op(
    z.object({ name: z.string().trim().min(1).max(120), role: RaterRoleSchema.default('reader') }).strict(),
    RaterSchema,
    { method: 'POST', path: '/raters/create' },
  ),

  'annotations.get': op(
    z.object({ studyId: id, sliceIndex, ...viewer }).strict(),
    z.object({
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      masks: z.array(RaterMaskSchema),
      /** How many other raters' masks blinding hides until the viewer marks the slice reviewed. */
      hidden: z.number().int().nonnegative(),
    }),
    { method: 'POST', path: '/annotations/get' },
  ),
  'annotations.save': op(
    z
      .object({
        studyId: id,
        sliceIndex,
        raterId: id,
        mask: bytes,
        source: MaskSourceSchema,
        /** The revision the client edited; a stale one is refused so nobody overwrites unseen work. */
        baseRevision: z.number().int().nonnegative().nullable(),
      })
      .strict(),
    z.object({ revision: z.number().int().positive(), unchanged: z.boolean() }),
    { method: 'POST', path: '/annotations/save' },
  ),

  // ----- editing aids (issue 15) -----
  'annotations.interpolate': op(
    z.object({ studyId: id, raterId: id }).strict(),
    z.object({
      /** The rater's slices interpolated from: their non-empty masks not themselves interpolated. */
      keys: z.array(sliceIndex),
      /** Each slice filled, with its new revision and the mask it replaced (bit-packed; all zero when there was none), so the client can undo. */
      slices: z.array(z.object({ sliceIndex, revision: z.number().int().positive(), previous: bytes })),
    }),
    { method: 'POST', path: '/annotations/interpolate' },
  ),

  'review.set': op(
    z.object({ studyId: id, sliceIndex, raterId: id, status: ReviewStatusSchema }).strict(),
    ok,
    { method: 'POST', path: '/review/set' },
  ),
  'review.list': op(
    z.object({ studyId: id, raterId: id }).strict(),
    z.array(z.object({ sliceIndex, status: ReviewStatusSchema, updatedAt: timestamp })),
    { method: 'POST', path: '/review/list' },
  ),

  /** Newest first; each filter that is set must hold (`action` 'annotation' matches every 'annotation.*'). */
  'audit.list': op(
    z
      .object({
        studyId: id.nullable(),
        actor: z.string().trim().min(1).max(120).nullable().default(null),
        action: z.string().regex(/^[A-Za-z0-9 ._-]{1,64}$/, 'an action name such as annotation.save').nullable().default(null),
        limit: z.number().int().positive().max(10_000).default(200),
      })
      .strict(),
    z.array(auditRow),
    { method: 'POST', path: '/audit/list' },
  ),
  /** The actions and actors the log holds, for the viewer's filter choices. */
  'audit.filters': op(empty, z.object({ actions: z.array(z.string()), actors: z.array(z.string()) }), { method: 'GET', path: '/audit/filters' }),

  // ---------- history, adjudication and volumetry (issue 15) ----------
  /** Every revision of one rater's mask on a slice, newest first; blinded, only the viewer's own or a reviewed slice's. */
  'annotations.history': op(z.object({ studyId: id, sliceIndex, raterId: id, ...viewer }).strict(), z.object({ revisions: z.array(MaskRevisionSchema) }), {
    method: 'POST',
    path: '/annotations/history',
  }),
  /** Puts an old revision's pixels back as a new revision of the same rater's mask. */
  'annotations.restore': op(
    z.object({ studyId: id, sliceIndex, raterId: id, revision: z.number().int().positive(), baseRevision: z.number().int().nonnegative() }).strict(),
    z.object({ revision: z.number().int().positive(), unchanged: z.boolean() }),
    { method: 'POST', path: '/annotations/restore' },
  ),
  /** An adjudicator's working mask on a slice becomes a copy of a reader's mask, a consensus or the model mean. */
  'adjudication.start': op(
    z.object({ studyId: id, sliceIndex, adjudicatorId: id, from: AdjudicationBasisSchema, baseRevision: z.number().int().nonnegative() }).strict(),
    z.object({ revision: z.number().int().positive(), unchanged: z.boolean() }),
    { method: 'POST', path: '/adjudication/start' },
  ),
  /** The adjudicator's working mask at `baseRevision` becomes the slice's final mask (a new final revision). */
  'final.mark': op(
    z.object({ studyId: id, sliceIndex, adjudicatorId: id, baseRevision: z.number().int().positive() }).strict(),
    FinalRevisionSchema,
    { method: 'POST', path: '/final/mark' },
  ),
  /** The slice's final mask and its revisions; blinded readers get it only on slices they marked reviewed. */
  'final.get': op(
    z.object({ studyId: id, sliceIndex, ...viewer }).strict(),
    z.object({ final: FinalRevisionSchema.extend({ mask: bytes }).nullable(), revisions: z.array(FinalRevisionSchema), hidden: z.boolean() }),
    { method: 'POST', path: '/final/get' },
  ),
  /** Nodule volume and diameters of every reader, the consensus, the final mask and the model mean. */
  'metrics.volumes': op(
    z.object({ studyId: id, ...viewer }).strict(),
    z.object({
      items: z.array(VolumetrySchema),
      hidden: z.number().int().nonnegative(),
      /** False where the import could not know the pixel spacing (LIDC crops, PNG): the sizes are then in voxel units. */
      spacingKnown: z.boolean(),
    }),
    {
    method: 'POST',
    path: '/metrics/volumes',
  }),

  'jobs.get': op(z.object({ jobId: z.string().min(1) }).strict(), JobSchema, { method: 'POST', path: '/jobs/get' }),
  'jobs.list': op(empty, z.array(JobSchema), { method: 'GET', path: '/jobs' }),
  'jobs.cancel': op(z.object({ jobId: z.string().min(1) }).strict(), JobSchema, { method: 'POST', path: '/jobs/cancel' }),

  'models.list': op(empty, z.object({ models: z.array(ModelInfoSchema), provider: ProviderReportSchema.nullable() }), { method: 'GET', path: '/models' }),

  'triage.start': op(
    z
      .object({
        studyId: id,
        modelId: z.string().nullable().default(null),
        samples: z.number().int().min(1).max(64).default(16),
        steps: z.number().int().min(1).max(1000).nullable().default(null),
        /** null: the model card's recommended sampler. */
        sampler: SamplerNameSchema.nullable().default(null),
        seed: z.number().int().nonnegative().default(0),
        /** The regions of interest to score; null: every ROI of the study (or the whole image of a model-sized study). */
        roiIds: z.array(id).min(1).max(1000).nullable().default(null),
      })
      .strict(),
    JobSchema,
    { method: 'POST', path: '/triage/start' },
  ),
  'triage.queue': op(
    z.object({ studyId: id.nullable(), raterId: id.nullable() }).strict(),
    z.object({
      items: z.array(QueueItemSchema),
      /** Items by their status (of the rater asked about, else across raters); they add up to `total`. */
      reviewed: z.number().int().nonnegative(),
      secondLook: z.number().int().nonnegative(),
      unreviewed: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      /**
       * The done rule: the sum of all items' scores, and of those on slices nobody has settled yet (no rater marked
       * them reviewed, or someone asked for a second look), whoever the rater asked about is.
       */
      scoreTotal: z.number().nonnegative(),
      scoreUnsettled: z.number().nonnegative(),
      /** What the runs behind these items warned about (resampling, spacing outside the model's range, none known). */
      warnings: z.array(z.object({ studyId: id, runId: id, message: z.string() })),
    }),
    { method: 'POST', path: '/triage/queue' },
  ),
  'triage.result': op(z.object({ studyId: id, sliceIndex }).strict(), SliceResultSchema.nullable(), { method: 'POST', path: '/triage/result' }),

  'metrics.slice': op(z.object({ studyId: id, sliceIndex, ...viewer }).strict(), AgreementSchema, { method: 'POST', path: '/metrics/slice' }),
  'metrics.study': op(
    z.object({ studyId: id, ...viewer }).strict(),
    z.object({
      slices: z.array(z.object({ sliceIndex, meanPairwiseDice: nullableNumber, model: CalibrationMetricsSchema.nullable(), uncertainty: nullableNumber })),
      pairwiseDice: z.array(z.array(nullableNumber)),
      raters: z.array(z.object({ raterId: id, raterName: z.string() })),
      /** How many masks (over all slices) blinding left out. */
      hidden: z.number().int().nonnegative(),
    }),
    { method: 'POST', path: '/metrics/study' },
  ),  /**
   * Where to look next for agreement: the slice where the raters disagree most (lowest mean pairwise Dice), or where
   * the model's uncertainty and the raters' disagreement differ most. `needs_more` when no slice has two raters'
   * masks (and, for the mismatch, triage results) yet.
   */
  'metrics.jump': op(
    z.object({ studyId: id, to: z.enum(['disagreement', 'mismatch']), ...viewer }).strict(),
    z.object({ sliceIndex }),
    { method: 'POST', path: '/metrics/jump' },
  ),


  // ---------- regions of interest (issue 12) ----------
  'roi.list': op(studyRef, z.array(RoiSchema), { method: 'POST', path: '/roi/list' }),
  'roi.add': op(
    z
      .object({
        studyId: id,
        /** Voxel centre [column, row, slice]; or give `world` (LPS mm) with `diameterMm`. */
        center: z.tuple([z.number().int(), z.number().int(), sliceIndex]).nullable().default(null),
        world: vec3.nullable().default(null),
        diameterMm: z.number().positive().max(500).nullable().default(null),
        /** Inclusive slice range; null: the centre slice, or the diameter plus one slice each side for `world`. */
        slices: z.tuple([sliceIndex, sliceIndex]).nullable().default(null),
        label: z.string().trim().max(120).nullable().default(null),
      })
      .strict(),
    RoiSchema,
    { method: 'POST', path: '/roi/add' },
  ),
  'roi.update': op(
    z
      .object({
        roiId: id,
        center: z.tuple([z.number().int(), z.number().int(), sliceIndex]).nullable().default(null),
        slices: z.tuple([sliceIndex, sliceIndex]).nullable().default(null),
        label: z.string().trim().max(120).nullable().default(null),
      })
      .strict(),
    RoiSchema,
    { method: 'POST', path: '/roi/update' },
  ),
  'roi.delete': op(z.object({ roiId: id }).strict(), ok, { method: 'POST', path: '/roi/delete' }),
  /** One ROI per 3-D connected component of the union of every rater's masks on the study. */
  'roi.fromRaters': op(studyRef, z.array(RoiSchema), { method: 'POST', path: '/roi/from-raters' }),
  /** A LUNA16-layout CSV (seriesuid,coordX,coordY,coordZ,diameter_mm; LPS mm): rows matched by SeriesInstanceUID, or all to `studyId`. */
  'roi.importCsv': op(
    z.object({ path: z.string().min(1), studyId: id.nullable().default(null) }).strict(),
    z.object({ rois: z.array(RoiSchema), skipped: z.array(z.object({ line: z.number().int().positive(), reason: z.string() })) }),
    { method: 'POST', path: '/roi/import-csv' },
  ),
  'studies.sliceHeaders': op(studyRef, z.array(SliceHeaderSchema), { method: 'POST', path: '/studies/slice-headers' }),
  // ---------- end of regions of interest ----------

  'export.study': op(
    z
      .object({
        studyId: id,
        outDir: z.string().min(1),
        formats: z.array(ExportFormatSchema).min(1).default(['nifti', 'png', 'report']),
      })
      .strict(),
    /** `dir`: the folder the files were written to; `skipped`: formats the study cannot have, each with its reason. */
    z.object({ dir: z.string(), files: z.array(z.string()), skipped: z.array(ExportSkipSchema) }),
    { method: 'POST', path: '/export/study' },
  ),

  // ----- masks in every view (issue 14): the whole study's masks and model maps, for the MPR and 3D views -----
  'annotations.volume': op(
    z.object({ studyId: id, ...viewer }).strict(),
    z.object({
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      depth: z.number().int().positive(),
      /** Each visible rater's current masks, slice by slice (bit-packed like annotations.get); empty slices absent. */
      raters: z.array(z.object({ raterId: id, raterName: z.string(), slices: z.array(z.object({ sliceIndex, mask: bytes })) })),
      hidden: z.number().int().nonnegative(),
    }),
    { method: 'POST', path: '/annotations/volume' },
  ),
  'triage.volume': op(
    studyRef,
    z
      .object({
        runId: id,
        /** The model's grid, which may be coarser than the slices'. */
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        slices: z.array(z.object({ sliceIndex, mean: floats, uncertainty: floats })),
      })
      .nullable(),
    { method: 'POST', path: '/triage/volume' },
  ),

  ...pacsApi,
} as const;

export type Api = typeof api;
export type OpName = keyof Api;

// The zod-free list of names (ops.ts, for the preload) must name exactly the operations of this table:
// an operation added here and not there (or the other way round) is a compile error on this line.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type _OpNamesMatchTheContract = Assert<Same<OpName, ListedOpName>>;

export type Request<K extends OpName> = z.input<Api[K]['request']>;
export type ParsedRequest<K extends OpName> = z.output<Api[K]['request']>;
export type Response<K extends OpName> = z.output<Api[K]['response']>;

/** What every client (IPC, HTTP, in-process) offers: one async function per operation. */
export type ApiClient = { [K in OpName]: (request: Request<K>) => Promise<Response<K>> };

export const opNames: readonly OpName[] = OP_NAMES as readonly ListedOpName[] as readonly OpName[];
export { IPC_CHANNEL, isOpName };
