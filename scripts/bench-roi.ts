// `npm run bench:roi [-- --slices N --samples N --steps K --json]`: what triage on a real CT costs per ROI slice
// (cut the 128x128 window out of the 512x512 slice + sample + paste the results back into the slice) against the
// crop path (a model-sized 128x128 LIDC crop sampled whole), in the same run, on the same opened model, alternating
// the two so that a change in machine load falls on both. Data: ../shared/data/lidc-ct/LIDC-IDRI-0001 and its crop
// lidc-idri/LIDC-IDRI-0001/nodule-0 (the same nodule; crop slice s is CT slice s + 3).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { summarize } from '../src/shared/metrics/aggregate';
import { readDicomSeries, scanDicomFolder } from '../src/main/io/dicom';
import { readLidcReads } from '../src/main/io/lidc-xml';
import { readNiftiFile } from '../src/main/io/nifti';
import { resolveModel } from '../src/main/engine/models';
import type { SliceMessage } from '../src/main/engine/protocol';
import { sampleSlices } from '../src/main/engine/run';
import { loadModel } from '../src/main/engine/session';
import { cutWindow, modelWindow, windowOrigin } from '../src/main/engine/window';
import { pasteSlice } from '../src/main/services/triage';

const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = process.env.CALDIFF_SHARED_DATA ?? path.resolve(ROOT, '..', 'shared', 'data');

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { slices: { type: 'string', default: '6' }, samples: { type: 'string', default: '16' }, steps: { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean', default: false } },
});

async function main() {
  const { card, file } = resolveModel(path.join(ROOT, 'models'), values.model ?? null);
  const count = Number(values.slices);
  const settings = { sampler: card.defaults.sampler, steps: values.steps ? Number(values.steps) : card.defaults.steps, samples: Number(values.samples), seed: 0, eta: 0 };

  const ctDir = path.join(SHARED, 'lidc-ct', 'LIDC-IDRI-0001');
  const [series] = scanDicomFolder(ctDir).series;
  const ct = await readDicomSeries(series);
  const reads = readLidcReads(path.join(ctDir, 'lidc-reads.xml'), ct.meta);
  // The ROI --from-raters would make: the centre of the readers' union on the nodule's middle slice.
  const [nx, ny] = ct.volume.dims;
  let [x0, y0, x1, y1] = [nx, ny, 0, 0];
  for (const r of reads.raters)
    for (const { mask } of r.slices)
      mask.forEach((v, i) => {
        if (!v) return;
        x0 = Math.min(x0, i % nx);
        x1 = Math.max(x1, i % nx);
        y0 = Math.min(y0, Math.floor(i / nx));
        y1 = Math.max(y1, Math.floor(i / nx));
      });
  const plan = modelWindow(card, [ct.volume.spacing[0], ct.volume.spacing[1]], 'LIDC-IDRI-0001');
  const origin = windowOrigin([Math.round((x0 + x1) / 2), Math.round((y0 + y1) / 2)], plan.size);
  const crop = readNiftiFile(path.join(SHARED, 'lidc-idri', 'LIDC-IDRI-0001', 'nodule-0', 'image.nii.gz'), 'windowed').volume;
  const cropSlices = Math.min(count, crop.dims[2]);

  const model = await loadModel(file, card, { forceCpu: true });
  const roiMs: number[] = [];
  const cropMs: number[] = [];
  try {
    // One untimed slice first: the session's first run pays for memory allocation and kernel selection.
    await sampleSlices(model, { model: { file, card }, session: { forceCpu: true }, settings, label: 'warm-up', slices: [{ index: 0, width: 128, height: 128, data: crop.data.subarray(0, 128 * 128), intensity: 'windowed', window: crop.window }] }, {});
    for (let s = 0; s < cropSlices; s++) {
      const k = s + 3;
      const n = 128 * 128;
      let t = performance.now();
      await sampleSlices(model, { model: { file, card }, session: { forceCpu: true }, settings, label: 'crop', slices: [{ index: s, width: 128, height: 128, data: crop.data.subarray(s * n, (s + 1) * n), intensity: 'windowed', window: crop.window }] }, {});
      cropMs.push(performance.now() - t);

      t = performance.now();
      const slice = ct.volume.data.subarray(k * nx * ny, (k + 1) * nx * ny);
      const window = cutWindow(slice, nx, ny, origin, plan.size);
      let result: SliceMessage | undefined;
      await sampleSlices(
        model,
        { model: { file, card }, session: { forceCpu: true }, settings, label: 'ct', slices: [{ index: k, width: plan.size[0], height: plan.size[1], data: window, intensity: 'HU', window: ct.volume.window }] },
        { slice: (m) => (result = m) },
      );
      pasteSlice(ct.volume, [{ crop: { sliceIndex: k, roiId: 1, origin, size: plan.size }, result: result! }]);
      roiMs.push(performance.now() - t);
    }
  } finally {
    await model.release();
  }
  const roi = summarize(roiMs);
  const base = summarize(cropMs);
  const ratio = roi.mean! / base.mean!;
  const report = { model: card.id, provider: model.report.active, settings, slices: cropSlices, window: plan.size, msPerRoiSlice: roi, msPerCropSlice: base, ratio };
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else
    process.stdout.write(
      `${card.id} on ${model.report.active}, ${settings.sampler} K=${settings.steps}, N=${settings.samples}, ${cropSlices} slices each, alternating\n` +
        `ROI slice (cut ${plan.size.join('x')} of 512x512 + sample + paste back): ${roi.mean!.toFixed(1)} ms (sd ${roi.std?.toFixed(1)})\n` +
        `crop slice (128x128 whole):                                  ${base.mean!.toFixed(1)} ms (sd ${base.std?.toFixed(1)})\n` +
        `ratio ROI / crop: ${ratio.toFixed(3)}\n`,
    );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:roi: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
