import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../app';
import { buildWorker, FIXTURES_DIR } from '../../engine/fixtures';
import { SHARED_DATA, tempDir } from '../../testing/paths';
import { commandValues, type CliContext } from '../command';
import { triageCommand } from './triage';

const PATIENT = path.join(SHARED_DATA, 'lidc-idri', 'LIDC-IDRI-0001');

beforeAll(async () => {
  process.env.CALDIFF_SAMPLING_WORKER = await buildWorker();
});

const apps: App[] = [];
afterEach(() => apps.splice(0).forEach((a) => a.close()));

/** Runs `caldiff triage` on an app over a fresh data dir with the Bayes fixture as its only model. */
async function cli(positionals: string[], values: CliContext['values'] = {}) {
  const modelsDir = tempDir('caldiff-models-');
  for (const ext of ['.onnx', '.json']) copyFileSync(path.join(FIXTURES_DIR, 'bayes' + ext), path.join(modelsDir, 'bayes' + ext));
  const app = createApp({ dataDir: tempDir(), modelsDir, settings: { forceCpu: true } });
  apps.push(app);
  const out: string[] = [];
  const err: string[] = [];
  const code = await triageCommand.run({
    values: commandValues(triageCommand, values),
    positionals,
    json: Boolean(values.json),
    app: () => app,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join('\n'), err: err.join('\n'), app };
}

describe('caldiff triage', () => {
  it('imports a patient folder and prints every slice ranked by score as JSON', async () => {
    const { code, out } = await cli([PATIENT], { json: true, samples: '2', steps: '2' });
    expect(code).toBe(0);
    const result = JSON.parse(out) as { provider: string; items: { rank: number; sliceIndex: number; score: number; studyName: string }[] };
    expect(result.provider).toBe('cpu');
    expect(result.items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result.items.map((i) => i.sliceIndex).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(result.items.every((i) => i.studyName === 'LIDC-IDRI-0001 nodule-0')).toBe(true);
    for (let i = 1; i < result.items.length; i++) expect(result.items[i - 1].score).toBeGreaterThanOrEqual(result.items[i].score);
  });

  it('prints CSV with a header row', async () => {
    const { out } = await cli([PATIENT], { csv: true, samples: '2', steps: '2' });
    const lines = out.split('\n');
    expect(lines[0]).toBe('rank,studyId,studyName,roiId,sliceIndex,score,lesionUncertainty,totalUncertainty,meanArea,status,runId');
    expect(lines).toHaveLength(10);
    expect(lines[1]).toMatch(/^1,1,LIDC-IDRI-0001 nodule-0,,\d,/); // a crop is one whole-image region: no ROI id
  });

  it('fails with one clear message for a path that does not exist or a bad option', async () => {
    await expect(cli(['/no/such/folder'])).rejects.toThrow('/no/such/folder: no such file or folder, and not a study id');
    await expect(cli([PATIENT], { sampler: 'euler' })).rejects.toThrow('--sampler must be ddim or ddpm, got "euler"');
  });
});
