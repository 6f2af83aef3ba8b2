import type { Db } from './database';

export interface AuditEntry {
  actor: string;
  action: string;
  studyId?: number | null;
  sliceIndex?: number | null;
  detail?: string;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  studyId: number | null;
  sliceIndex: number | null;
  detail: string;
}

/** Called inside the transaction of the change it records, so the log and the data never disagree. */
export function appendAudit(db: Db, e: AuditEntry): void {
  db.prepare('INSERT INTO audit_log (at, actor, action, study_id, slice_index, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    new Date().toISOString(),
    e.actor,
    e.action,
    e.studyId ?? null,
    e.sliceIndex ?? null,
    e.detail ?? '',
  );
}

export interface AuditFilter {
  studyId: number | null;
  /** The rater (or process) that acted, by exact name. */
  actor: string | null;
  /** An action ('annotation.save') or an action family ('annotation' matches every 'annotation.*'). */
  action: string | null;
  limit: number;
}

/** Newest first; every filter that is set must hold. */
export function listAudit(db: Db, f: AuditFilter): AuditRow[] {
  const where: string[] = [];
  if (f.studyId !== null) where.push('study_id = @studyId');
  if (f.actor !== null) where.push('actor = @actor');
  if (f.action !== null) where.push("(action = @action OR substr(action, 1, length(@action) + 1) = @action || '.')");
  return db
    .prepare(
      `SELECT id, at, actor, action, study_id AS studyId, slice_index AS sliceIndex, detail FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`,
    )
    .all(f) as AuditRow[];
}

/** The actions and actors the log holds, for the viewer's filter choices. */
export function auditVocabulary(db: Db): { actions: string[]; actors: string[] } {
  const actions = (db.prepare('SELECT DISTINCT action FROM audit_log ORDER BY action').all() as { action: string }[]).map((r) => r.action);
  const actors = (db.prepare('SELECT DISTINCT actor FROM audit_log ORDER BY actor').all() as { actor: string }[]).map((r) => r.actor);
  return { actions, actors };
}

export function auditRecorded(db: Db, action: string): boolean {
  return db.prepare('SELECT 1 FROM audit_log WHERE action = ? LIMIT 1').get(action) !== undefined;
}
