/**
 * A CalDiff model opened for sampling: the contract checked against the session's metadata, a probe run on
 * each candidate provider, and a `Denoiser` that feeds the network one batch per step.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ApiError } from '../../shared/errors';
import type { ModelCard } from './card';
import { contractProblems } from './contract';
import { openWithFallback, type ProviderReport } from './providers';
import type { Denoiser } from './sampler';

export interface SessionOptions {
  forceCpu: boolean;
  providers?: string[];
  threads?: number;
}

export interface LoadedModel {
  card: ModelCard;
  file: string;
  report: ProviderReport;
  denoise: Denoiser;
  release(): Promise<void>;
}

/**
 * The model's bytes, checked against the card's sha256: the session is made from exactly the bytes that were
 * hashed, so a file replaced after discovery (a new export) can never run under the old card's provenance.
 */
function readVerified(file: string, card: ModelCard): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ApiError('bad_input', `model file ${file} could not be read (${code === 'ENOENT' ? 'it does not exist' : (code ?? (e as Error).message)})`);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== card.sha256) throw new ApiError('bad_input', `model file ${file} has sha256 ${actual}, but its card says ${card.sha256}: the file was changed or replaced`);
  return bytes;
}

export async function loadModel(file: string, card: ModelCard, options: SessionOptions): Promise<LoadedModel> {
  const bytes = readVerified(file, card);
  const [h, w] = card.input.size;
  const pixels = h * w;
  const makeDenoiser =
    (session: ort.InferenceSession): Denoiser =>
    async (image, x, t, batch) => {
      const dims = [batch, 1, h, w];
      const out = await session.run({
        image: new ort.Tensor('float32', image.subarray(0, batch * pixels), dims),
        x_t: new ort.Tensor('float32', x.subarray(0, batch * pixels), dims),
        t: new ort.Tensor('int64', new BigInt64Array(batch).fill(BigInt(t)), [batch]),
      });
      const eps = out.eps?.data;
      if (!(eps instanceof Float32Array) || eps.length !== batch * pixels)
        throw new ApiError('bad_input', `model file ${file}: output "eps" is not float32 [${dims.join(',')}]`);
      const v = card.learnedVariance ? out.v?.data : null;
      if (card.learnedVariance && (!(v instanceof Float32Array) || v.length !== batch * pixels))
        throw new ApiError('bad_input', `model file ${file}: output "v" is not float32 [${dims.join(',')}]`);
      return { eps, v: (v as Float32Array | null) ?? null };
    };

  const probe = async (session: ort.InferenceSession) => {
    const problems = contractProblems(session, card);
    if (problems.length) throw new ApiError('bad_input', `model file ${file} does not match the CalDiff ONNX contract: ${problems.join('; ')}`);
    const zeros = new Float32Array(pixels);
    await makeDenoiser(session)(zeros, zeros, 0, 1);
  };

  try {
    const { session, report } = await openWithFallback(file, bytes, { ...options, probe });
    return { card, file, report, denoise: makeDenoiser(session), release: () => session.release() };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    const report = (e as { report?: ProviderReport }).report;
    const cpu = report?.attempts.find((a) => a.provider === 'cpu');
    const reason = cpu?.reason ?? (e as Error).message;
    throw new ApiError('bad_input', `model file ${file} could not be loaded by onnxruntime: ${reason}`, report);
  }
}
