import path from 'node:path';
import type { Roi } from '../../../shared/api';
import { ApiError } from '../../../shared/errors';
import { usageOf, type CliContext, type Command } from '../command';

const FORMS = [
  'list STUDY',
  'add STUDY --center I,J,K [--slices A:B] [--label TEXT]     (voxel indices from 0, as the pixel readout; slices A to B numbered from 1, as the slice counter)',
  'add STUDY --world x,y,z --diameter MM [--slices A:B]',
  'add STUDY --from-raters',
  'import FILE.csv [--study STUDY]     (LUNA16: seriesuid,coordX,coordY,coordZ,diameter_mm)',
  'delete ROI',
];

function idArg(raw: string | undefined, what: string): number {
  const n = Number(raw);
  if (!raw || !Number.isInteger(n) || n < 1) throw new ApiError('validation', `name the ${what} by its id`);
  return n;
}

function numbers(ctx: CliContext, name: string, count: number, integer: boolean): number[] | null {
  const raw = ctx.values[name];
  if (raw === undefined) return null;
  const values = String(raw).split(',').map((x) => Number(x.trim()));
  if (values.length !== count || values.some((v) => !Number.isFinite(v) || (integer && !Number.isInteger(v))))
    throw new ApiError('validation', `--${name} takes ${count} comma-separated ${integer ? 'whole numbers' : 'numbers'}, got "${String(raw)}"`);
  return values;
}

function sliceRange(ctx: CliContext): [number, number] | null {
  const raw = ctx.values.slices;
  if (raw === undefined) return null;
  const m = /^(\d+):(\d+)$/.exec(String(raw));
  if (!m || Number(m[1]) < 1) throw new ApiError('validation', `--slices takes A:B (first and last slice number, from 1), got "${String(raw)}"`);
  return [Number(m[1]) - 1, Number(m[2]) - 1];
}

const line = (r: Roi) =>
  `${String(r.id).padStart(4)}  study ${r.studyId}  ${r.label.padEnd(24)} centre ${r.center.join(',').padEnd(12)} slices ${r.slices[0] + 1}-${r.slices[1] + 1}  window ${r.window.join('x')}  (${r.source})`;

export const roiCommand: Command = {
  name: 'roi',
  summary: 'list, add, import (LUNA16 CSV) and delete the nodule regions of interest triage samples',
  forms: FORMS,
  options: {
    center: { type: 'string', value: 'I,J,K', help: 'add: the centre in voxel indices from 0, as the pixel readout (i, j, k) shows' },
    slices: { type: 'string', value: 'A:B', help: "add: the first and last slice number, from 1 as the slice counter (default: the centre's slice; with --world, the slices the diameter spans)" },
    world: { type: 'string', value: 'x,y,z', help: 'add: the centre in patient coordinates (LPS mm), with --diameter' },
    diameter: { type: 'string', value: 'MM', help: 'add: the nodule diameter, with --world' },
    'from-raters': { type: 'boolean', help: "add: one ROI per connected nodule of the raters' masks" },
    study: { type: 'string', value: 'STUDY', help: "import: put every row on this study (default: the study whose series UID the row names)" },
    label: { type: 'string', value: 'TEXT', help: 'add: a label' },
  },
  async run(ctx) {
    const [action, target] = ctx.positionals;
    const api = ctx.app().client();
    const print = (rois: Roi[]) => {
      if (ctx.json) ctx.out(JSON.stringify(rois, null, 2));
      else for (const r of rois) ctx.out(line(r));
    };
    switch (action) {
      case 'list': {
        const rois = await api['roi.list']({ studyId: idArg(target, 'study') });
        if (!ctx.json && rois.length === 0) ctx.out(`no ROIs; add one with: caldiff roi add ${target} --center X,Y,Z`);
        else print(rois);
        return 0;
      }
      case 'add': {
        const studyId = idArg(target, 'study');
        if (ctx.values['from-raters']) {
          print(await api['roi.fromRaters']({ studyId }));
          return 0;
        }
        const center = numbers(ctx, 'center', 3, true) as [number, number, number] | null;
        const world = numbers(ctx, 'world', 3, false) as [number, number, number] | null;
        const diameter = numbers(ctx, 'diameter', 1, false);
        if (!center && !world) throw new ApiError('validation', 'give --center X,Y,Z, --world x,y,z --diameter MM, or --from-raters');
        const label = ctx.values.label === undefined ? null : String(ctx.values.label);
        print([await api['roi.add']({ studyId, center, world, diameterMm: diameter?.[0] ?? null, slices: sliceRange(ctx), label })]);
        return 0;
      }
      case 'import': {
        if (!target) throw new ApiError('validation', 'name the CSV file to import');
        const study = ctx.values.study === undefined ? null : idArg(String(ctx.values.study), 'study');
        const { rois, skipped } = await api['roi.importCsv']({ path: path.resolve(target), studyId: study });
        if (ctx.json) ctx.out(JSON.stringify({ rois, skipped }, null, 2));
        else {
          print(rois);
          for (const s of skipped) ctx.err(`skipped line ${s.line}: ${s.reason}`);
          ctx.out(`${rois.length} ROIs added, ${skipped.length} lines skipped`);
        }
        return 0;
      }
      case 'delete': {
        const roiId = idArg(target, 'ROI');
        await api['roi.delete']({ roiId });
        if (ctx.json) ctx.out(JSON.stringify({ ok: true, roiId }));
        else ctx.out(`deleted ROI ${roiId}`);
        return 0;
      }
      default:
        throw new ApiError('validation', `unknown roi action "${action ?? ''}"; usage: ${usageOf(roiCommand).replace(/^usage: /, '')}`);
    }
  },
};
