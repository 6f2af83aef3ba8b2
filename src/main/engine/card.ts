/**
 * The model card (`models/<id>.json`) that describes a CalDiff ONNX export: what the app needs to sample with it
 * (schedule, mask scale, input size, defaults) and what a user needs to trust it (training, validation, licence).
 */
import { z } from 'zod';
import { SamplerNameSchema } from '../../shared/api';

const dims = z.array(z.union([z.number().int(), z.string()]));

export const ModelCardSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  version: z.string(),
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits'),
  task: z.string(),
  schedule: z.object({
    name: z.literal('linear'),
    T: z.number().int().positive(),
    betaStart: z.number().positive(),
    betaEnd: z.number().positive(),
  }),
  learnedVariance: z.boolean(),
  // the values the masks are diffused at: the samplers clip x0 to [low, high] and binarise at threshold
  mask: z
    .object({ scale: z.string(), low: z.number(), high: z.number(), threshold: z.number() })
    .refine((m) => m.low < m.threshold && m.threshold < m.high, { message: 'mask.threshold must lie strictly between mask.low and mask.high' }),
  input: z.object({
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    channels: z.literal(1),
    normalisation: z.string(),
    /**
     * The in-plane pixel spacing range (mm) of the training images: windows are cut at the scan's own pixels when
     * its spacing lies inside, and resampled to the nearest end when it lies outside. null: unknown.
     */
    pixelSpacingMm: z
      .object({ min: z.number().positive(), max: z.number().positive() })
      .refine((r) => r.min <= r.max, 'min must not exceed max')
      .nullable(),
    notes: z.string().optional(),
  }),
  io: z.object({
    inputs: z.object({ image: dims, x_t: dims, t: dims }),
    outputs: z.object({ eps: dims, v: dims.optional() }),
    opset: z.number().int(),
  }),
  defaults: z.object({
    samples: z.number().int().positive(),
    steps: z.number().int().positive(),
    sampler: SamplerNameSchema,
  }),
  training: z.record(z.string(), z.unknown()),
  validation: z.record(z.string(), z.unknown()),
  precision: z.string(),
  parityTolerance: z.number().positive(),
  license: z.string(),
  citation: z.string(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;
