/** Paths that tests use: the repository root and the read-only shared data beside the checkout. */
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SHARED_DATA = process.env.CALDIFF_SHARED_DATA ?? path.resolve(REPO_ROOT, '..', 'shared', 'data');
export const MODELS_DIR = path.join(REPO_ROOT, 'models');

export function tempDir(prefix = 'caldiff-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
