import { ExportFormatSchema, type ExportFormat } from '../../../shared/api';
import { ApiError } from '../../../shared/errors';
import type { Command } from '../command';

/** Every format of the contract, so the command line offers what the app does. */
const FORMATS = ExportFormatSchema.options;

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a study: rater, consensus and final masks (NIfTI, PNG, DICOM SEG), model maps and a report',
  forms: ['STUDY --out DIR'],
  options: {
    out: { type: 'string', value: 'DIR', help: 'the folder to write (required)' },
    formats: { type: 'string', value: FORMATS.join(','), help: 'what to write, comma-separated', default: 'nifti,png,report' },
  },
  async run(ctx) {
    const [study] = ctx.positionals;
    const studyId = Number(study);
    if (!study || !Number.isInteger(studyId) || studyId < 1) throw new ApiError('validation', 'name the study to export by its id (see caldiff studies)');
    const outDir = ctx.values.out;
    if (typeof outDir !== 'string' || !outDir) throw new ApiError('validation', '--out DIR is required');
    const formats = String(ctx.values.formats).split(',').map((f) => f.trim()) as ExportFormat[];
    const unknown = formats.filter((f) => !FORMATS.includes(f));
    if (unknown.length) throw new ApiError('validation', `unknown format ${unknown.join(', ')} (choose from ${FORMATS.join(', ')})`);
    const result = await ctx.app().client()['export.study']({ studyId, outDir, formats });
    if (ctx.json) ctx.out(JSON.stringify(result, null, 2));
    else {
      ctx.out(`wrote ${result.files.length} files under ${result.dir}`);
      for (const s of result.skipped) ctx.err(`skipped ${s.format}: ${s.reason}`);
    }
    return 0;
  },
};
