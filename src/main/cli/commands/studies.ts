import type { Command } from '../command';

export const studiesCommand: Command = {
  name: 'studies',
  summary: 'list the studies in the store',
  forms: [],
  options: {},
  async run(ctx) {
    const studies = await ctx.app().client()['studies.list']({});
    if (ctx.json) ctx.out(JSON.stringify(studies, null, 2));
    else if (studies.length === 0) ctx.out('no studies; import some with: caldiff import PATH');
    else
      for (const s of studies)
        ctx.out(`${String(s.id).padStart(4)}  ${s.name.padEnd(32)} ${s.source.padEnd(6)} ${s.dims.join('x').padEnd(12)} ${s.raterCount} raters`);
    return 0;
  },
};
