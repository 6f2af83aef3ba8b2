import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandValues, type CliContext, type Command } from '../cli/command';
import { REPO_ROOT } from './paths';

export const CALDIFF = path.join(REPO_ROOT, 'bin', 'caldiff.js');

/** Runs the real `caldiff` command to completion. */
export function caldiff(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CALDIFF, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the real `caldiff` to completion and reports its peak resident memory (bytes): the child reads its own
 * getrusage maximum as it exits (all its threads together, the import worker included).
 */
export function caldiffMeasured(args: string[]): { status: number | null; stdout: string; stderr: string; peakRssBytes: number } {
  const report = path.join(mkdtempSync(path.join(os.tmpdir(), 'caldiff-rss-')), 'peak-rss');
  const reporter = `import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(reporter)}`, CALDIFF, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, peakRssBytes: Number(readFileSync(report, 'utf8')) * 1024 };
}

/** Starts `caldiff` without waiting, for tests that interrupt it. */
export function caldiffProcess(args: string[]) {
  return spawn(process.execPath, [CALDIFF, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command in-process, capturing what it prints; one that reaches for the store fails the test. */
export async function runWithoutStore(command: Command, values: CliContext['values'], json: boolean): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command.run({
    values: commandValues(command, values),
    positionals: [],
    json,
    app: () => {
      throw new Error(`caldiff ${command.name} must not need the store`);
    },
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
