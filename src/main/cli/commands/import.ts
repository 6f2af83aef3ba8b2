import type { Response } from '../../../shared/api';
import { ApiError } from '../../../shared/errors';
import type { Command } from '../command';

export const importCommand: Command = {
  name: 'import',
  summary: 'import NIfTI volumes, LIDC nodule/patient folders, PNG cases (all or nothing)',
  forms: ['PATH...'],
  options: { progress: { type: 'boolean', help: 'one line on stderr per study written (before the import commits)' } },
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new ApiError('validation', 'name at least one file or folder to import');
    // --progress: one line on stderr per study written into the (not yet committed) transaction.
    const progress = ctx.values.progress ? (line: string) => ctx.err(`progress: ${line}`) : undefined;
    const result = (await ctx.app().call('studies.import', { paths: ctx.positionals }, { transport: 'cli', progress })) as Response<'studies.import'>;
    if (ctx.json) {
      ctx.out(JSON.stringify(result, null, 2));
      return 0;
    }
    for (const s of result.studies) ctx.out(`imported study ${s.id}: ${s.name} (${s.dims.join('x')}, ${s.raterCount} raters)`);
    for (const s of result.skipped) ctx.err(`skipped ${s.path}: ${s.reason}`);
    ctx.out(`${result.studies.length} studies imported, ${result.skipped.length} paths skipped`);
    return 0;
  },
};
