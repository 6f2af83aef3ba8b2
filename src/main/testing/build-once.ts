/** vitest global setup: tests that spawn the real `caldiff` need the main bundle; build it if it is missing. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths';

export default function setup(): void {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'main', 'cli.js'))) execFileSync(process.execPath, ['scripts/build.mjs', 'main'], { cwd: REPO_ROOT, stdio: 'inherit' });
}
