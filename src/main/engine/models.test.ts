import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../testing/paths';
import { FIXTURES_DIR, fixtureModel } from './fixtures';
import { byPreference, compareVersions, discoverModels, resolveModel, sha256File } from './models';
import { loadModel } from './session';

/** A models folder holding one fixture, optionally with its card edited. */
function modelsDirWith(name: 'bayes' | 'wrong-input' | 'wrong-shape', editCard: (card: Record<string, unknown>) => void = () => undefined) {
  const dir = tempDir('caldiff-models-');
  copyFileSync(path.join(FIXTURES_DIR, `${name}.onnx`), path.join(dir, `${name}.onnx`));
  const card = JSON.parse(readFileSync(path.join(FIXTURES_DIR, `${name}.json`), 'utf8'));
  editCard(card);
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(card));
  return dir;
}

describe('model discovery', () => {
  test('finds every card in the fixtures folder, and the valid ones are usable', () => {
    const entries = discoverModels(FIXTURES_DIR);
    expect(entries.map((e) => e.id)).toEqual(['bayes', 'no-variance', 'wrong-input', 'wrong-shape']);
    expect(entries.every((e) => e.problem === null)).toBe(true); // sha and card fine; contract is checked on load
    expect(sha256File(fixtureModel('bayes').file)).toBe(fixtureModel('bayes').card.sha256);
  });

  test('a card whose file is missing is refused naming the file', () => {
    const dir = modelsDirWith('bayes', (c) => (c.file = 'gone.onnx'));
    const [entry] = discoverModels(dir);
    expect(entry.problem).toContain(path.join(dir, 'gone.onnx'));
    expect(entry.problem).toContain('does not exist');
    expect(() => resolveModel(dir, 'bayes')).toThrow(/gone\.onnx.*does not exist/);
    expect(() => resolveModel(dir, null)).toThrow(/no usable model/);
  });

  test('a file whose sha256 differs from its card is refused naming both', () => {
    const dir = modelsDirWith('bayes', (c) => (c.sha256 = '0'.repeat(64)));
    const [entry] = discoverModels(dir);
    expect(entry.problem).toMatch(/bayes\.onnx has sha256 [0-9a-f]{64}, but its card .*bayes\.json says 0{64}/);
  });

  test('a malformed card is reported, not thrown', () => {
    const dir = modelsDirWith('bayes', (c) => delete c.schedule);
    writeFileSync(path.join(dir, 'broken.json'), '{ not json');
    const entries = discoverModels(dir);
    expect(entries.find((e) => e.id === 'bayes')?.problem).toMatch(/bayes\.json does not match the card schema: schedule/);
    expect(entries.find((e) => e.id === 'broken')?.problem).toMatch(/broken\.json is not readable JSON/);
  });

  test('a card whose mask block cannot be sampled with is refused naming the block', () => {
    const dir = modelsDirWith('bayes', (c) => (c.mask = { scale: '-1/1', low: -1, high: 1, threshold: 1.5 }));
    expect(discoverModels(dir)[0].problem).toMatch(/bayes\.json does not match the card schema: mask.*threshold must lie strictly between/);
    const ok = modelsDirWith('bayes', (c) => (c.mask = { scale: '-1/1', low: -1, high: 1, threshold: 0 }));
    expect(discoverModels(ok)[0].problem).toBeNull();
  });

  test('without an id the highest card version is the default, whatever order the files were written in', () => {
    const dir = modelsDirWith('bayes', (c) => (c.version = '1.10.0'));
    const older = JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'bayes.json'), 'utf8'));
    writeFileSync(path.join(dir, 'bayes-old.json'), JSON.stringify({ ...older, id: 'bayes-old', version: '1.9.0' })); // written last
    expect(discoverModels(dir).map((e) => [e.id, e.problem])).toEqual([['bayes-old', null], ['bayes', null]]);
    expect(resolveModel(dir, null).card.id).toBe('bayes');
    expect(byPreference(discoverModels(dir)).map((e) => e.id)).toEqual(['bayes', 'bayes-old']); // models.list's order
    expect(compareVersions('2.0.0', '1.10.0')).toBeGreaterThan(0);
    expect(compareVersions('1.9.0', '1.10.0')).toBeLessThan(0);
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
  });

  test('an unknown model id is not found', () => {
    expect(() => resolveModel(FIXTURES_DIR, 'nope')).toThrow(/no model "nope"/);
  });
});

describe('contract check on load', () => {
  test('a model with a wrongly named input is refused naming the file and the input', async () => {
    const { file, card } = fixtureModel('wrong-input');
    await expect(loadModel(file, card, { forceCpu: true })).rejects.toThrow(
      `model file ${file} does not match the CalDiff ONNX contract: inputs are [img,x_t,t], missing "image"; unexpected inputs "img"`,
    );
  });

  test('a model with the wrong image size is refused naming the shape', async () => {
    const { file, card } = fixtureModel('wrong-shape');
    await expect(loadModel(file, card, { forceCpu: true })).rejects.toThrow(
      `model file ${file} does not match the CalDiff ONNX contract: input "image" has shape [B,1,64,64], the contract needs [batch,1,128,128] with a dynamic batch; input "x_t" has shape [B,1,64,64]`,
    );
  });

  test('a card that promises a learned variance the model lacks is refused', async () => {
    const { file, card } = fixtureModel('no-variance');
    await expect(loadModel(file, { ...card, learnedVariance: true }, { forceCpu: true })).rejects.toThrow(/outputs are \[eps\], missing "v"/);
  });

  test('a corrupt file is refused naming the file', async () => {
    const dir = tempDir('caldiff-corrupt-');
    const file = path.join(dir, 'corrupt.onnx');
    writeFileSync(file, readFileSync(fixtureModel('bayes').file).subarray(0, 700)); // truncated protobuf
    const card = { ...fixtureModel('bayes').card, sha256: sha256File(file) }; // a card that matches the broken file
    await expect(loadModel(file, card, { forceCpu: true })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining(`model file ${file} could not be loaded by onnxruntime`),
    });
  });

  test('a missing file is refused naming the file', async () => {
    const file = path.join(tempDir(), 'absent.onnx');
    await expect(loadModel(file, fixtureModel('bayes').card, { forceCpu: true })).rejects.toThrow(`model file ${file} could not be read (it does not exist)`);
  });

  test('a file replaced after discovery is refused when the session opens it', async () => {
    const { file, card } = fixtureModel('wrong-shape');
    await expect(loadModel(file, fixtureModel('bayes').card, { forceCpu: true })).rejects.toThrow(
      new RegExp(`model file ${file} has sha256 ${card.sha256}, but its card says ${fixtureModel('bayes').card.sha256}`),
    );
  });
});
