import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/errors';
import { calibrationMetrics } from '../../../shared/metrics/calibration';
import { errorMap, uncertaintyMap } from '../../../shared/metrics/uncertainty';
import { readPngGray } from '../../io/png';
import type { Command } from '../command';

interface MaskFolder {
  files: string[];
  width: number;
  height: number;
  masks: Uint8Array[];
}

/**
 * Every PNG in a folder, in natural sorted order (mask-2 before mask-10), as 0/1 masks. A file with more than two
 * grey levels is refused: it is an image, not a mask, and thresholding it would give a meaningless answer.
 */
export function readMaskFolder(dir: string, what: string): MaskFolder {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new ApiError('bad_input', `${dir}: no such folder (the ${what} masks)`);
  }
  const files = names
    .filter((n) => n.toLowerCase().endsWith('.png'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((n) => path.join(dir, n));
  if (files.length === 0) throw new ApiError('bad_input', `${dir}: holds no PNG masks (the ${what})`);
  let width = 0;
  let height = 0;
  const masks = files.map((file, i) => {
    const img = readPngGray(file);
    if (i === 0) ({ width, height } = img);
    else if (img.width !== width || img.height !== height) throw new ApiError('bad_input', `${file}: is ${img.width}x${img.height}, but ${files[0]} is ${width}x${height}`);
    const levels = new Set<number>();
    for (let p = 0; p < img.data.length && levels.size <= 2; p++) levels.add(img.data[p]);
    if (levels.size > 2) throw new ApiError('bad_input', `${file}: is not a binary mask (it has more than two grey levels)`);
    return Uint8Array.from(img.data, (v) => (v ? 1 : 0));
  });
  return { files, width, height, masks };
}

function mapSummary(map: Float32Array) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of map) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / map.length, sum };
}

export function folderMetrics(samplesDir: string, ratersDir: string, withMaps: boolean) {
  const samples = readMaskFolder(samplesDir, 'samples');
  const raters = readMaskFolder(ratersDir, 'raters');
  if (samples.width !== raters.width || samples.height !== raters.height)
    throw new ApiError('bad_input', `${raters.files[0]}: is ${raters.width}x${raters.height}, but the samples (${samples.files[0]}) are ${samples.width}x${samples.height}`);
  const r = calibrationMetrics(samples.masks, raters.masks);
  return {
    sncc: r.sncc,
    dmax: r.dmax,
    sc: r.sc,
    da: r.da,
    ci: r.ci,
    /** The squared generalised energy distance, as the paper tabulates it. */
    ged: r.ged,
    width: samples.width,
    height: samples.height,
    samples: samples.files,
    raters: raters.files.map((file, j) => ({ file, ncc: r.ncc[j], bestDice: r.bestDice[j] })),
    ...(withMaps
      ? {
          maps: {
            uncertainty: mapSummary(uncertaintyMap(samples.masks)),
            error: raters.masks.map((m, j) => ({ file: raters.files[j], ...mapSummary(errorMap(samples.masks, m)) })),
          },
        }
      : {}),
  };
}

const LABELS = [
  ['sncc', 'SNCC'],
  ['dmax', 'Dmax'],
  ['sc', 'Sc'],
  ['da', 'Da'],
  ['ci', 'CI'],
  ['ged', 'GED²'],
] as const;

const show = (v: number | null) => (v === null ? 'undefined' : v.toFixed(4));

export const metricsCommand: Command = {
  name: 'metrics',
  summary: 'calibration of sample masks against rater masks (SNCC, Dmax, Sc, Da, CI, GED²)',
  forms: ['--samples DIR --raters DIR'],
  options: {
    samples: { type: 'string', value: 'DIR', help: 'the sample masks, PNG (required)' },
    raters: { type: 'string', value: 'DIR', help: 'the rater masks, PNG (required)' },
    maps: { type: 'boolean', help: 'also print the per-pixel maps' },
  },
  async run(ctx) {
    const samplesDir = ctx.values.samples;
    const ratersDir = ctx.values.raters;
    if (typeof samplesDir !== 'string' || typeof ratersDir !== 'string') throw new Error('both --samples DIR and --raters DIR are required');
    const result = folderMetrics(samplesDir, ratersDir, Boolean(ctx.values.maps));
    if (ctx.json) {
      ctx.out(JSON.stringify(result, null, 2));
      return 0;
    }
    ctx.out(`${result.samples.length} samples against ${result.raters.length} raters, ${result.width}x${result.height}`);
    for (const [key, label] of LABELS) ctx.out(`${label.padEnd(5)} ${show(result[key])}`);
    for (const r of result.raters) ctx.out(`  ${path.basename(r.file)}: NCC ${show(r.ncc)}, best Dice ${show(r.bestDice)}`);
    if (result.maps) {
      const u = result.maps.uncertainty;
      ctx.out(`uncertainty map (nats): min ${show(u.min)}, mean ${show(u.mean)}, max ${show(u.max)}`);
      for (const e of result.maps.error) ctx.out(`  error map ${path.basename(e.file)} (nats): min ${show(e.min)}, mean ${show(e.mean)}, max ${show(e.max)}`);
    }
    return 0;
  },
};
