import type { Rater, RaterRole } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { appendAudit } from './audit';
import type { Db } from './database';

const columns = 'id, name, role, created_at AS createdAt';

export function listRaters(db: Db): Rater[] {
  return db.prepare(`SELECT ${columns} FROM raters ORDER BY name`).all() as Rater[];
}

export function getRater(db: Db, id: number): Rater {
  const r = db.prepare(`SELECT ${columns} FROM raters WHERE id = ?`).get(id) as Rater | undefined;
  if (!r) throw new ApiError('not_found', `rater ${id} does not exist`);
  return r;
}

/**
 * Returns the rater of that name (names are unique regardless of case), creating it if needed. A role, when given,
 * must match an existing rater's: a reader does not become an adjudicator by typing their name again.
 */
export function ensureRater(db: Db, name: string, actor = name, role?: RaterRole): Rater {
  const clean = name.trim();
  const found = db.prepare(`SELECT ${columns} FROM raters WHERE name = ?`).get(clean) as Rater | undefined;
  if (found) {
    if (role && found.role !== role) throw new ApiError('conflict', `${found.name} already exists as ${found.role === 'adjudicator' ? 'an adjudicator' : 'a reader'}`);
    return found;
  }
  const at = new Date().toISOString();
  const chosen = role ?? 'reader';
  const { lastInsertRowid } = db.prepare('INSERT INTO raters (name, role, created_at) VALUES (?, ?, ?)').run(clean, chosen, at);
  appendAudit(db, { actor, action: 'rater.create', detail: chosen === 'reader' ? clean : `${clean} (${chosen})` });
  return { id: Number(lastInsertRowid), name: clean, role: chosen, createdAt: at };
}
