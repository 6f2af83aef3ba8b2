import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './paths';

export const CALDIFF = path.join(REPO_ROOT, 'bin', 'caldiff.js');

/** Runs the real `caldiff` command to completion. */
export function caldiff(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CALDIFF, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `caldiff` without waiting, for tests that interrupt it. */
export function caldiffProcess(args: string[]) {
  return spawn(process.execPath, [CALDIFF, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}
