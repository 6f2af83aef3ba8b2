import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../app';
import { buildWorker, FIXTURES_DIR } from '../../engine/fixtures';
import { SHARED_DATA, tempDir } from '../../testing/paths';
import { commandValues, type Command, type CliContext } from '../command';
import { roiCommand } from './roi';
import { triageCommand } from './triage';

const CT = path.join(SHARED_DATA, 'lidc-ct', 'LIDC-IDRI-0002');

beforeAll(async () => {
  process.env.CALDIFF_SAMPLING_WORKER = await buildWorker();
});

const apps: App[] = [];
afterEach(() => apps.splice(0).forEach((a) => a.close()));

function newApp(): App {
  const modelsDir = tempDir('caldiff-models-');
  for (const ext of ['.onnx', '.json']) copyFileSync(path.join(FIXTURES_DIR, 'bayes' + ext), path.join(modelsDir, 'bayes' + ext));
  const app = createApp({ dataDir: tempDir(), modelsDir, settings: { forceCpu: true } });
  apps.push(app);
  return app;
}

async function run(app: App, command: Command, positionals: string[], values: CliContext['values'] = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command.run({ values: commandValues(command, values), positionals, json: Boolean(values.json), app: () => app, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('caldiff roi', { timeout: 300_000 }, () => {
  it('adds ROIs from the raters and by centre, lists, triages one ROI and deletes, on a real CT with its LIDC reads', async () => {
    const app = newApp();
    const [study] = (await app.client()['studies.import']({ paths: [CT] })).studies;
    const id = String(study.id);

    const fromRaters = JSON.parse((await run(app, roiCommand, ['add', id], { 'from-raters': true, json: true })).out);
    expect(fromRaters).toEqual([expect.objectContaining({ source: 'raters', slices: [0, 6] })]);
    const [byCentre] = JSON.parse((await run(app, roiCommand, ['add', id], { center: '345,360,3', slices: '3:5', json: true })).out);
    expect(byCentre).toMatchObject({ center: [345, 360, 3], slices: [2, 4], source: 'manual' });
    expect(JSON.parse((await run(app, roiCommand, ['list', id], { json: true })).out).map((r: { id: number }) => r.id)).toEqual([fromRaters[0].id, byCentre.id]);
    expect((await run(app, roiCommand, ['list', id])).out).toMatch(new RegExp(`^\\s+${byCentre.id}  study ${id}  nodule 2 .* slices 3-5  window 128x128  \\(manual\\)$`, 'm'));

    const triage = JSON.parse((await run(app, triageCommand, [id], { roi: String(byCentre.id), samples: '2', steps: '2', json: true })).out);
    expect(triage.items.map((i: { sliceIndex: number; roiId: number }) => [i.sliceIndex, i.roiId]).sort((a: number[], b: number[]) => a[0] - b[0])).toEqual([
      [2, byCentre.id],
      [3, byCentre.id],
      [4, byCentre.id],
    ]);

    expect((await run(app, roiCommand, ['delete', String(byCentre.id)])).out).toBe(`deleted ROI ${byCentre.id}`);
    expect(JSON.parse((await run(app, roiCommand, ['list', id], { json: true })).out)).toHaveLength(1);
  });

  it('imports a LUNA16 CSV onto a named study and reports lines it cannot place', async () => {
    const app = newApp();
    const [study] = (await app.client()['studies.import']({ paths: [CT] })).studies;
    const csv = path.join(tempDir(), 'nodules.csv');
    // LIDC-IDRI-0002's origin is (-175.5, -174.5, -94.5) mm at 0.6816 mm pixels and 1.25 mm slices
    writeFileSync(csv, 'seriesuid,coordX,coordY,coordZ,diameter_mm\nany,55.1,71.0,-90.75,6\nany,900,0,-90,6\nany,x,0,0,6\n');
    const { out, err } = await run(app, roiCommand, ['import', csv], { study: String(study.id) });
    expect(out).toMatch(/1 ROIs added, 2 lines skipped$/);
    // (55.1 + 175.5) / 0.6816 = 338.3, (71 + 174.5) / 0.6816 = 360.2, (-90.75 + 94.5) / 1.25 = 3; 6 mm = 4.8 slices, plus one each side
    expect(out).toMatch(/centre 338,360,3 +slices 1-7/);
    expect(err).toMatch(/skipped line 3: world position 900,0,-90 mm \(voxel 1578,256,4\) lies outside study/);
    expect(err).toMatch(/skipped line 4: coordX, coordY, coordZ and diameter_mm must be numbers/);
  });

  it('fails with one clear message for a bad action or option', async () => {
    const app = newApp();
    await expect(run(app, roiCommand, ['grow', '1'])).rejects.toThrow(/unknown roi action "grow"/);
    await expect(run(app, roiCommand, ['add', '1'], { center: '1,2' })).rejects.toThrow('--center takes 3 comma-separated whole numbers, got "1,2"');
    await expect(run(app, roiCommand, ['add', '1'], { center: '1,2,3', slices: '4-5' })).rejects.toThrow('--slices takes A:B');
    await expect(run(app, roiCommand, ['add', '1'], { center: '1,2,3', slices: '0:2' })).rejects.toThrow('first and last slice number, from 1');
  });
});
