// usage: node training/check_parity_ort.cjs models/<id> [K]
//   checks the ONNX model against <id>.reference.json with onnxruntime-node, runs batch 1 and 16
//   (dynamic axis) and, with K, times K batch-16 denoising steps (one slice, 16 samples) on 2 threads
const ort = require(require('path').resolve(__dirname, '..', 'node_modules', 'onnxruntime-node'));
const fs = require('fs');
(async () => {
  const base = process.argv[2];
  const ref = JSON.parse(fs.readFileSync(base + '.reference.json'));
  const f32 = (o) => new Float32Array(new Uint8Array(Buffer.from(o.b64, 'base64')).buffer);
  const opts = { intraOpNumThreads: 1, graphOptimizationLevel: 'all' };
  const s = await ort.InferenceSession.create(base + '.onnx', opts);
  console.log('inputs', s.inputNames, 'outputs', s.outputNames);
  const feeds = {
    image: new ort.Tensor('float32', f32(ref.inputs.image), ref.inputs.image.dims),
    x_t: new ort.Tensor('float32', f32(ref.inputs.x_t), ref.inputs.x_t.dims),
    t: new ort.Tensor('int64', BigInt64Array.from(ref.inputs.t.values.map(BigInt)), ref.inputs.t.dims),
  };
  const out = await s.run(feeds);
  for (const k of ['eps', 'v']) {
    const a = out[k].data, b = f32(ref.outputs[k]);
    let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    console.log(k, 'dims', out[k].dims, 'maxabs', m, 'tol', ref.tolerance, m <= ref.tolerance ? 'OK' : 'FAIL');
  }
  for (const B of [1, 16]) {
    const n = B * 128 * 128;
    const f = { image: new ort.Tensor('float32', new Float32Array(n).fill(0.3), [B, 1, 128, 128]),
      x_t: new ort.Tensor('float32', new Float32Array(n).fill(0.1), [B, 1, 128, 128]),
      t: new ort.Tensor('int64', new BigInt64Array(B).fill(5n), [B]) };
    const t0 = Date.now(); const o = await s.run(f);
    console.log('batch', B, 'eps dims', o.eps.dims, 'ms', Date.now() - t0);
  }
  const K = Number(process.argv[3] || 0);
  if (K > 0) {  // time K denoising steps of 16 batched samples (one DDIM-K slice) on 2 threads
    const s2 = await ort.InferenceSession.create(base + '.onnx', { intraOpNumThreads: 2, graphOptimizationLevel: 'all' });
    const B = 16, n = B * 128 * 128;
    const img = new ort.Tensor('float32', new Float32Array(n).fill(0.3), [B, 1, 128, 128]);
    const x = new Float32Array(n); for (let i = 0; i < n; i++) x[i] = Math.sin(i) ;
    const runs = [];
    for (let rep = 0; rep < 3; rep++) {
      const t0 = Date.now();
      for (let k = 0; k < K; k++) {
        const tt = BigInt(Math.round(999 - k * 999 / Math.max(1, K - 1)));
        await s2.run({ image: img, x_t: new ort.Tensor('float32', x, [B, 1, 128, 128]),
          t: new ort.Tensor('int64', new BigInt64Array(B).fill(tt), [B]) });
      }
      runs.push(Date.now() - t0);
    }
    runs.sort((a, b) => a - b);
    console.log(`ort 2 threads: 16 samples x ${K} steps: median ${runs[1]} ms (runs ${runs.join(', ')} ms), ${(runs[1] / K).toFixed(1)} ms/step`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
