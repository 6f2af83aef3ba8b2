import type { Rater } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { appendAudit } from './audit';
import type { Db } from './database';

const columns = 'id, name, created_at AS createdAt';

export function listRaters(db: Db): Rater[] {
  return db.prepare(`SELECT ${columns} FROM raters ORDER BY name`).all() as Rater[];
}

export function getRater(db: Db, id: number): Rater {
  const r = db.prepare(`SELECT ${columns} FROM raters WHERE id = ?`).get(id) as Rater | undefined;
  if (!r) throw new ApiError('not_found', `rater ${id} does not exist`);
  return r;
}

/** Returns the rater of that name (names are unique regardless of case), creating it if needed. */
export function ensureRater(db: Db, name: string, actor = name): Rater {
  const clean = name.trim();
  const found = db.prepare(`SELECT ${columns} FROM raters WHERE name = ?`).get(clean) as Rater | undefined;
  if (found) return found;
  const at = new Date().toISOString();
  const { lastInsertRowid } = db.prepare('INSERT INTO raters (name, created_at) VALUES (?, ?)').run(clean, at);
  appendAudit(db, { actor, action: 'rater.create', detail: clean });
  return { id: Number(lastInsertRowid), name: clean, createdAt: at };
}
