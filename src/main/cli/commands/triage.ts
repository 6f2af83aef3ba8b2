import { existsSync } from 'node:fs';
import path from 'node:path';
import { SamplerNameSchema, type ApiClient, type Job, type QueueItem, type StudySummary } from '../../../shared/api';
import { ApiError } from '../../../shared/errors';
import { csvCell } from '../../../shared/text';
import { intOption, type CliContext, type Command } from '../command';

/** The studies PATH stands for: imported now, or already imported earlier from it or from below it. */
async function studiesOf(api: ApiClient, target: string): Promise<StudySummary[]> {
  const resolved = path.resolve(target);
  if (!existsSync(resolved)) {
    const id = Number(target);
    if (!Number.isInteger(id) || id <= 0) throw new ApiError('not_found', `${target}: no such file or folder, and not a study id`);
    const study = (await api['studies.list']({})).find((s) => s.id === id);
    if (!study) throw new ApiError('not_found', `study ${id} does not exist`);
    return [study];
  }
  const { studies, skipped } = await api['studies.import']({ paths: [resolved] });
  const imported = new Set(studies.map((s) => s.id));
  const all = await api['studies.list']({});
  const under = all.filter((s) => imported.has(s.id) || s.sourcePath === resolved || s.sourcePath.startsWith(resolved + path.sep));
  if (under.length === 0) throw new ApiError('bad_input', `${target}: nothing to triage (${skipped.map((s) => `${s.path}: ${s.reason}`).join('; ') || 'no studies found'})`);
  return under;
}

/** Polls a job to its end, showing its progress on a terminal. */
export async function waitFor(api: ApiClient, job: Job, ctx: CliContext): Promise<Job> {
  let last = '';
  for (;;) {
    const now = await api['jobs.get']({ jobId: job.id });
    if (now.state !== 'running' && now.state !== 'queued') return now;
    const line = `  ${now.message}${now.etaSeconds !== null ? ` (about ${Math.ceil(now.etaSeconds)} s left)` : ''}`;
    if (line !== last && process.stderr.isTTY) ctx.err(line);
    last = line;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const CSV_COLUMNS = ['rank', 'studyId', 'studyName', 'roiId', 'sliceIndex', 'score', 'lesionUncertainty', 'totalUncertainty', 'meanArea', 'status', 'runId'] as const;

/** --roi ID[,ID...] or all (the default): which regions of interest to score. */
function roiOption(ctx: CliContext): number[] | null {
  const raw = ctx.values.roi;
  if (raw === undefined || raw === 'all') return null;
  const ids = String(raw).split(',').map((x) => Number(x.trim()));
  if (ids.some((id) => !Number.isInteger(id) || id < 1)) throw new ApiError('validation', `--roi takes ROI ids (comma-separated) or all, got "${String(raw)}"`);
  return ids;
}

export const triageCommand: Command = {
  name: 'triage',
  summary: 'sample every slice with the CalDiff model and print slices ranked by uncertainty (imports PATH first)',
  forms: ['PATH|STUDY...'],
  options: {
    roi: { type: 'string', value: 'ID,...|all', help: 'the regions of interest to sample (default: every ROI of the study)' },
    samples: { type: 'string', value: 'N', help: 'samples per slice', default: '16' },
    steps: { type: 'string', value: 'K', help: "sampler steps (default: the model card's)" },
    seed: { type: 'string', value: 'S', help: 'random seed', default: '0' },
    sampler: { type: 'string', value: SamplerNameSchema.options.join('|'), help: "the sampler (default: the model card's)" },
    model: { type: 'string', value: 'ID', help: 'the model (default: the first usable one)' },
    csv: { type: 'boolean', help: 'print the ranked slices as CSV' },
  },
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new ApiError('validation', 'name a file, folder or study id to triage');
    const rawSampler = ctx.values.sampler as string | undefined;
    const parsedSampler = rawSampler === undefined ? null : SamplerNameSchema.safeParse(rawSampler);
    if (parsedSampler && !parsedSampler.success) throw new ApiError('validation', `--sampler must be ${SamplerNameSchema.options.join(' or ')}, got "${rawSampler}"`);
    const sampler = parsedSampler ? parsedSampler.data! : null;
    const roiIds = roiOption(ctx);
    const api = ctx.app().client();
    const studies: StudySummary[] = [];
    for (const target of ctx.positionals) for (const s of await studiesOf(api, target)) if (!studies.some((x) => x.id === s.id)) studies.push(s);

    const jobs: Job[] = [];
    for (const study of studies) {
      if (!ctx.json) ctx.err(`triage ${study.name} (${study.dims[2]} slices)`);
      // ROI ids name one study's regions: each study takes those of its own
      const mine = roiIds && (await api['roi.list']({ studyId: study.id })).filter((r) => roiIds.includes(r.id)).map((r) => r.id);
      if (mine && mine.length === 0) throw new ApiError('bad_input', `none of ROI ${roiIds!.join(', ')} lies on ${study.name} (study ${study.id}); see caldiff roi list ${study.id}`);
      const started = await api['triage.start']({
        studyId: study.id,
        modelId: (ctx.values.model as string | undefined) ?? null,
        samples: intOption(ctx, 'samples')!,
        steps: intOption(ctx, 'steps', null),
        sampler,
        seed: intOption(ctx, 'seed')!,
        roiIds: mine,
      });
      const job = await waitFor(api, started, ctx);
      if (job.state !== 'done') throw new ApiError(job.state === 'cancelled' ? 'cancelled' : 'internal', `triage of ${study.name} ${job.state}: ${job.error ?? job.message}`);
      for (const w of job.warnings) ctx.err(`warning: ${w}`);
      jobs.push(job);
    }

    const ids = new Set(studies.map((s) => s.id));
    const items: QueueItem[] = (await api['triage.queue']({ studyId: null, raterId: null })).items.filter((i) => ids.has(i.studyId));
    const ranked = items.map((item, i) => ({ rank: i + 1, ...item }));
    const { provider } = await api['models.list']({});
    if (ctx.json) {
      ctx.out(JSON.stringify({ provider: provider?.active ?? null, jobs: jobs.map((j) => ({ studyId: j.studyId, message: j.message, warnings: j.warnings })), items: ranked }, null, 2));
    } else if (ctx.values.csv) {
      ctx.out(CSV_COLUMNS.join(','));
      for (const r of ranked) ctx.out(CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
    } else {
      for (const j of jobs) ctx.err(j.message);
      ctx.out(`${'rank'.padStart(4)}  ${'score'.padStart(9)}  ${'area'.padStart(7)}  status       slice`);
      for (const r of ranked)
        ctx.out(`${String(r.rank).padStart(4)}  ${r.score.toFixed(3).padStart(9)}  ${r.meanArea.toFixed(1).padStart(7)}  ${r.status.padEnd(11)}  ${r.studyName}${r.roiId === null ? '' : ` ROI ${r.roiId}`} slice ${r.sliceIndex + 1}`);
    }
    return 0;
  },
};
