/**
 * vitest global setup: tests that spawn the real `caldiff` need the main bundle; build it if it is missing.
 * In-process tests import through the import worker: bundle it from source on every run (it must not be stale)
 * and point CALDIFF_IMPORT_WORKER at it; the test processes inherit the variable.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './paths';

export default async function setup(): Promise<() => void> {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'main', 'cli.js'))) execFileSync(process.execPath, ['scripts/build.mjs', 'main'], { cwd: REPO_ROOT, stdio: 'inherit' });
  // Inside the repository, so that the bundle's require('better-sqlite3') resolves as it does from dist/.
  const outfile = path.join(REPO_ROOT, 'node_modules', '.cache', 'caldiff-test', `import-worker.${process.pid}.js`);
  await build({
    entryPoints: [path.join(REPO_ROOT, 'src', 'main', 'services', 'import-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['better-sqlite3', 'electron', 'onnxruntime-node'],
    logLevel: 'warning',
  });
  process.env.CALDIFF_IMPORT_WORKER = outfile;
  return () => rmSync(outfile, { force: true });
}
