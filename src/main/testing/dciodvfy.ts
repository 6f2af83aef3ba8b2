/**
 * The DICOM validator of Debian's dicom3tools on a file: every "Error" line fails the check. Warnings are returned
 * so tests can assert that none of them are about what we wrote.
 */
import { spawnSync } from 'node:child_process';

export interface DciodvfyReport {
  errors: string[];
  warnings: string[];
}

/** dciodvfy reports on stderr, and exits non-zero when it found errors. */
export function dciodvfy(file: string): DciodvfyReport {
  const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  if (run.error) throw new Error(`dciodvfy (Debian package dicom3tools) cannot be run: ${run.error.message}`);
  const lines = `${run.stdout}${run.stderr}`.split('\n').map((l) => l.trim());
  return { errors: lines.filter((l) => /^Error/.test(l)), warnings: lines.filter((l) => /^Warning/.test(l)) };
}

/** Throws with every error line when the file is not a valid DICOM object; returns the warnings otherwise. */
export function expectValidDicom(file: string): string[] {
  const { errors, warnings } = dciodvfy(file);
  if (errors.length) throw new Error(`dciodvfy found ${errors.length} error(s) in ${file}:\n${errors.join('\n')}`);
  return warnings;
}
