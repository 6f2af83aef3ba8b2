import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MODELS_DIR } from '../testing/paths';
import { discoverModels } from './models';
import { loadModel } from './session';

interface Stored {
  dims: number[];
  b64: string;
}
interface Reference {
  inputs: { image: Stored; x_t: Stored; t: { dims: number[]; values: number[] } };
  outputs: { eps: Stored; v: Stored };
  tolerance: number;
}

const floats = (s: Stored) => {
  const bytes = Buffer.from(s.b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
};

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const shipped = discoverModels(MODELS_DIR).map((e) => ({ ...e, reference: e.cardPath.replace(/\.json$/, '.reference.json') }));

describe('shipped models', () => {
  test('models/ holds at least one model card', () => {
    expect(shipped.length).toBeGreaterThan(0);
  });

  for (const model of shipped) {
    test(`${model.id}: card, file and sha256 agree, and onnxruntime-node reproduces the stored PyTorch outputs`, async () => {
      expect(model.problem).toBeNull();
      expect(existsSync(model.reference)).toBe(true);
      const ref = JSON.parse(readFileSync(model.reference, 'utf8')) as Reference;
      const tolerance = Math.max(ref.tolerance, model.card!.parityTolerance);
      const loaded = await loadModel(model.file!, model.card!, { forceCpu: true });
      try {
        const [batch] = ref.inputs.image.dims;
        const ts = ref.inputs.t.values;
        // the Denoiser takes one t per batch: run each reference item on its own
        const image = floats(ref.inputs.image);
        const x = floats(ref.inputs.x_t);
        const eps = floats(ref.outputs.eps);
        const v = floats(ref.outputs.v);
        const n = image.length / batch;
        for (let b = 0; b < batch; b++) {
          const out = await loaded.denoise(image.slice(b * n, (b + 1) * n), x.slice(b * n, (b + 1) * n), ts[b], 1);
          expect(maxAbsDiff(out.eps, eps.subarray(b * n, (b + 1) * n))).toBeLessThanOrEqual(tolerance);
          expect(maxAbsDiff(out.v!, v.subarray(b * n, (b + 1) * n))).toBeLessThanOrEqual(tolerance);
        }
      } finally {
        await loaded.release();
      }
    });
  }
});
