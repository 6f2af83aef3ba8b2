/**
 * Model discovery: every `<id>.json` card in the models folder (reference outputs `<id>.reference.json` aside)
 * names its ONNX file and that file's sha256. A model is usable when its card parses, its file exists and the
 * file's hash matches; the ONNX contract itself is checked when a session opens it (see contract.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors';
import { formatIssues } from '../../shared/text';
import { ModelCardSchema, type ModelCard } from './card';

export interface ModelEntry {
  /** The card's id, or the card file's base name when the card does not parse. */
  id: string;
  cardPath: string;
  card: ModelCard | null;
  /** Absolute path of the ONNX file (null when the card does not parse). */
  file: string | null;
  /** Why the model cannot be used, in one sentence naming the file; null when it can. */
  problem: string | null;
}

export function discoverModels(dir: string): ModelEntry[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json') && !name.endsWith('.reference.json'))
    .sort()
    .map((name) => inspectCard(path.join(dir, name)));
}

export function inspectCard(cardPath: string): ModelEntry {
  const base = path.basename(cardPath, '.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cardPath, 'utf8'));
  } catch (e) {
    return { id: base, cardPath, card: null, file: null, problem: `model card ${cardPath} is not readable JSON: ${(e as Error).message}` };
  }
  const parsed = ModelCardSchema.safeParse(raw);
  if (!parsed.success) {
    return { id: base, cardPath, card: null, file: null, problem: `model card ${cardPath} does not match the card schema: ${formatIssues(parsed.error.issues, 'card')}` };
  }
  const card = parsed.data;
  const file = path.resolve(path.dirname(cardPath), card.file);
  return { id: card.id, cardPath, card, file, problem: fileProblem(file, card, cardPath) };
}

function fileProblem(file: string, card: ModelCard, cardPath: string): string | null {
  if (!existsSync(file)) return `model file ${file} named by card ${cardPath} does not exist`;
  const actual = sha256File(file);
  if (actual !== card.sha256)
    return `model file ${file} has sha256 ${actual}, but its card ${cardPath} says ${card.sha256}: the file was changed or replaced`;
  return null;
}

const hashCache = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** sha256 of a file, remembered while its size and modification time stay the same. */
export function sha256File(file: string): string {
  const st = statSync(file);
  const hit = hashCache.get(file);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  hashCache.set(file, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  return sha256;
}

export interface UsableModel {
  card: ModelCard;
  file: string;
  cardPath: string;
}

/** Card versions compared part by part as numbers ('2.0.0' > '1.10.0' > '1.9.0'); a part that is not a number counts 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Models in the order the app prefers them: the highest card version first (then the last id); unparsable cards
 * last. Not file times: a fresh clone or an installer writes the cards in no promised order.
 */
export function byPreference<T extends ModelEntry>(entries: T[]): T[] {
  const version = (e: ModelEntry) => e.card?.version ?? '';
  return [...entries].sort((a, b) => compareVersions(version(b), version(a)) || b.id.localeCompare(a.id));
}

/** The model to sample with: the one asked for, or else the first usable one in `byPreference` order. */
export function resolveModel(dir: string, id: string | null): UsableModel {
  const entries = discoverModels(dir);
  if (id !== null) {
    const entry = entries.find((e) => e.id === id);
    if (!entry) throw new ApiError('not_found', `no model "${id}" in ${dir} (found: ${entries.map((e) => e.id).join(', ') || 'none'})`);
    if (entry.problem || !entry.card || !entry.file) throw new ApiError('bad_input', entry.problem ?? `model ${id} is unusable`);
    return { card: entry.card, file: entry.file, cardPath: entry.cardPath };
  }
  const usable = byPreference(
    entries.filter((e): e is ModelEntry & { card: ModelCard; file: string } => e.problem === null && e.card !== null && e.file !== null),
  );
  if (usable.length === 0) {
    const why = entries.map((e) => e.problem).filter(Boolean).join('; ');
    throw new ApiError('unavailable', `no usable model in ${dir}${why ? `: ${why}` : ' (no model cards found)'}`);
  }
  return { card: usable[0].card, file: usable[0].file, cardPath: usable[0].cardPath };
}
