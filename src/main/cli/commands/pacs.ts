import { ApiError } from '../../../shared/errors';
import { StoreWhatSchema, type ApiClient, type Request } from '../../../shared/api';
import type { CliContext, Command } from '../command';
import { intOption, usageOf } from '../command';
import { waitFor } from './triage';

/** What a store can send, as the contract has it (the adjudicated final mask included). */
const WHAT = StoreWhatSchema.options;
type What = (typeof WHAT)[number];

/** A password or token comes on standard input only, so it never shows in the process list or shell history. */
async function readSecret(what: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`${what}: `);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (!secret) throw new ApiError('validation', `no ${what} on standard input`);
  return secret;
}

function need(ctx: CliContext, index: number, what: string): string {
  const v = ctx.positionals[index];
  if (!v) throw new ApiError('validation', `name the ${what}; usage: ${usageOf(pacsCommand).split('\n')[0].replace(/^usage: /, '')}`);
  return v;
}

const str = (ctx: CliContext, name: string) => (ctx.values[name] as string | undefined) || undefined;

async function raterNamed(api: ApiClient, name: string | undefined): Promise<number | null> {
  return name ? (await api['raters.create']({ name })).id : null;
}

const subcommands: Record<string, (ctx: CliContext) => Promise<number>> = {
  async add(ctx) {
    const name = need(ctx, 1, 'archive');
    const url = need(ctx, 2, 'archive URL');
    const user = str(ctx, 'user');
    if (ctx.values['password-stdin'] && ctx.values['token-stdin']) throw new ApiError('validation', 'give --password-stdin or --token-stdin, not both');
    if (user && !ctx.values['password-stdin']) throw new ApiError('validation', '--user needs --password-stdin (the password is read from standard input)');
    if (ctx.values['password-stdin'] && !user) throw new ApiError('validation', '--password-stdin needs --user');
    const credentials: Request<'pacs.archives.add'>['credentials'] = user
      ? { auth: 'basic', user, password: await readSecret('password') }
      : ctx.values['token-stdin']
        ? { auth: 'bearer', token: await readSecret('token') }
        : { auth: 'none' };
    const archive = await ctx.app().client()['pacs.archives.add']({ name, url, credentials });
    ctx.out(ctx.json ? JSON.stringify(archive, null, 2) : `added archive ${archive.name}: ${archive.url} (auth ${archive.auth})`);
    return 0;
  },

  async list(ctx) {
    const archives = await ctx.app().client()['pacs.archives.list']({});
    if (ctx.json) ctx.out(JSON.stringify(archives, null, 2));
    else if (archives.length === 0) ctx.out('no archives; add one with: caldiff pacs add NAME URL');
    else for (const a of archives) ctx.out(`${a.name.padEnd(16)} ${a.url}  (auth ${a.auth}${a.user ? `, user ${a.user}` : ''})`);
    return 0;
  },

  async remove(ctx) {
    const name = need(ctx, 1, 'archive');
    await ctx.app().client()['pacs.archives.remove']({ name });
    ctx.out(`removed archive ${name}`);
    return 0;
  },

  async search(ctx) {
    const archive = need(ctx, 1, 'archive');
    const studies = await ctx.app().client()['pacs.search']({
      archive,
      patientId: str(ctx, 'patient'),
      patientName: str(ctx, 'patient-name'),
      dateFrom: str(ctx, 'date-from'),
      dateTo: str(ctx, 'date-to'),
      modality: str(ctx, 'modality'),
      accession: str(ctx, 'accession'),
      limit: intOption(ctx, 'limit')!,
    });
    if (ctx.json) {
      ctx.out(JSON.stringify(studies, null, 2));
      return 0;
    }
    if (studies.length === 0) ctx.out('no studies match');
    for (const s of studies) {
      ctx.out(`${s.studyInstanceUID}  ${s.patientId || '(no patient id)'} ${s.patientName} ${s.studyDate} ${s.accession} ${s.description}`.trimEnd());
      for (const x of s.series) ctx.out(`    ${x.seriesInstanceUID}  ${x.modality.padEnd(4)} ${String(x.instances ?? '?').padStart(4)} instances  ${x.description}`.trimEnd());
    }
    return 0;
  },

  async retrieve(ctx) {
    const archive = need(ctx, 1, 'archive');
    const studyInstanceUID = need(ctx, 2, 'study (its StudyInstanceUID, see caldiff pacs search)');
    const api = ctx.app().client();
    const reader = await raterNamed(api, str(ctx, 'reader'));
    const job = await api['pacs.retrieve']({ archive, studyInstanceUID, seriesInstanceUID: str(ctx, 'series') ?? null, viewerRaterId: reader, blinded: reader !== null });
    const done = await waitFor(api, job, ctx);
    if (done.state !== 'done') throw new ApiError(done.state === 'cancelled' ? 'cancelled' : 'unavailable', done.error ?? done.message);
    for (const w of done.warnings) ctx.err(`warning: ${w}`);
    ctx.out(ctx.json ? JSON.stringify({ message: done.message, warnings: done.warnings, instances: done.total }, null, 2) : done.message);
    return 0;
  },

  async store(ctx) {
    const studyId = Number(need(ctx, 1, 'study (its id, see caldiff studies)'));
    if (!Number.isInteger(studyId) || studyId < 1) throw new ApiError('validation', 'name the study to store by its id (see caldiff studies)');
    const archive = str(ctx, 'to');
    if (!archive) throw new ApiError('validation', '--to ARCHIVE is required');
    const what = (str(ctx, 'what') ?? WHAT.join(',')).split(',').map((w) => w.trim()) as What[];
    const unknown = what.filter((w) => !WHAT.includes(w));
    if (unknown.length) throw new ApiError('validation', `unknown --what ${unknown.join(', ')} (choose from ${WHAT.join(', ')})`);
    const api = ctx.app().client();
    const { results } = await api['pacs.store']({ studyId, archive, what, raterId: await raterNamed(api, str(ctx, 'reader')) });
    if (ctx.json) ctx.out(JSON.stringify({ results }, null, 2));
    else {
      for (const r of results) ctx.out(`${r.status.padEnd(9)} ${r.item}  ${r.sopInstanceUID}${r.message ? `  ${r.message}` : ''}`);
      if (results.length === 0) ctx.out('nothing to store (no masks of the kinds asked for)');
    }
    const failed = results.filter((r) => r.status === 'failed').length;
    if (failed) ctx.err(`${failed} of ${results.length} failed; run the same command again to retry them`);
    return failed ? 1 : 0;
  },
};

export const pacsCommand: Command = {
  name: 'pacs',
  summary: 'DICOMweb archives (PACS): add, list, remove, search, retrieve studies, store the review back',
  forms: ['add NAME URL [--user U --password-stdin | --token-stdin]', 'list', 'remove NAME', 'search NAME', 'retrieve NAME STUDY_UID', 'store STUDY --to NAME'],
  options: {
    user: { type: 'string', value: 'U', help: 'add: the user for HTTP basic auth (with --password-stdin)' },
    'password-stdin': { type: 'boolean', help: 'add: read the password from standard input' },
    'token-stdin': { type: 'boolean', help: 'add: read a bearer token from standard input' },
    patient: { type: 'string', value: 'ID', help: 'search: PatientID' },
    'patient-name': { type: 'string', value: 'N', help: 'search: PatientName' },
    'date-from': { type: 'string', value: 'YYYYMMDD', help: 'search: first StudyDate' },
    'date-to': { type: 'string', value: 'YYYYMMDD', help: 'search: last StudyDate' },
    modality: { type: 'string', value: 'M', help: 'search: ModalitiesInStudy' },
    accession: { type: 'string', value: 'A', help: 'search: AccessionNumber' },
    limit: { type: 'string', value: 'N', help: 'search: at most N studies', default: '50' },
    series: { type: 'string', value: 'SERIES_UID', help: 'retrieve: only this series' },
    reader: { type: 'string', value: 'NAME', help: "retrieve: blinded as that reader; store: only that reader's SEG" },
    to: { type: 'string', value: 'NAME', help: 'store: the archive' },
    what: { type: 'string', value: WHAT.join(','), help: 'store: what to send (default: all of them; final only where an adjudicator marked slices final)' },
  },
  async run(ctx) {
    const sub = ctx.positionals[0];
    const run = sub ? subcommands[sub] : undefined;
    if (!run) throw new ApiError('validation', `${sub ? `unknown pacs command "${sub}"` : 'name a pacs command'}: ${Object.keys(subcommands).join(', ')}`);
    return run(ctx);
  },
};
