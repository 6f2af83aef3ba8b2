import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from './testing/paths';

const eslint = new ESLint({ cwd: REPO_ROOT });
const LAYER_RULES = new Set(['boundaries/dependencies', 'boundaries/no-unknown-dependencies', 'boundaries/no-unknown-files']);

async function layerErrors(text: string, asFile: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(REPO_ROOT, asFile) });
  return result.messages.filter((m) => m.ruleId !== null && LAYER_RULES.has(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layers inside the main process (eslint-plugin-boundaries in npm run lint)', () => {
  test('a store module importing the app fails the lint', async () => {
    const fixture = readFileSync(path.join(REPO_ROOT, 'src/main/testing/layering-fixture.ts'), 'utf8');
    expect(await layerErrors(fixture, 'src/main/store/layering-fixture.ts')).toEqual([
      'boundaries/dependencies: There is no policy allowing dependencies from elements of type "store" to elements of type "app"',
    ]);
    // The same text where it lives, in the test helpers, is allowed: the rule judges the importing layer.
    expect(await layerErrors(fixture, 'src/main/testing/layering-fixture.ts')).toEqual([]);
  });

  test('the cycles that domain.ts broke stay broken: io may not import the store, nor the store the engine', async () => {
    expect(await layerErrors("import type { NewStudy } from '../store';\nexport type S = NewStudy;\n", 'src/main/io/wrong.ts')).toEqual([
      'boundaries/dependencies: There is no policy allowing dependencies from elements of type "io" to elements of type "store"',
    ]);
    expect(await layerErrors("import { sliceOutputs } from '../engine/outputs';\nexport const f = sliceOutputs;\n", 'src/main/store/wrong.ts')).toEqual([
      'boundaries/dependencies: There is no policy allowing dependencies from elements of type "store" to elements of type "engine"',
    ]);
    expect(await layerErrors("import type { NewStudy } from '../domain';\nexport type S = NewStudy;\n", 'src/main/io/right.ts')).toEqual([]);
  });

  test('a new top-level file outside every layer fails the lint', async () => {
    expect(await layerErrors('export const x = 1;\n', 'src/main/unplaced.ts')).toEqual([
      expect.stringMatching(/^boundaries\/no-unknown-files: /),
    ]);
  });

  test('the real tree is clean', async () => {
    const results = await eslint.lintFiles(['src/main']);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.ruleId !== null && LAYER_RULES.has(m.ruleId)).map((m) => `${path.relative(REPO_ROOT, r.filePath)}:${m.line} ${m.message}`));
    expect(errors).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
  });
});
