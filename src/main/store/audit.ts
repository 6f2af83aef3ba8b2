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

export function listAudit(db: Db, studyId: number | null, limit: number): AuditRow[] {
  const where = studyId === null ? '' : 'WHERE study_id = @studyId';
  return db
    .prepare(
      `SELECT id, at, actor, action, study_id AS studyId, slice_index AS sliceIndex, detail FROM audit_log ${where} ORDER BY id DESC LIMIT @limit`,
    )
    .all({ studyId, limit }) as AuditRow[];
}

export function auditRecorded(db: Db, action: string): boolean {
  return db.prepare('SELECT 1 FROM audit_log WHERE action = ? LIMIT 1').get(action) !== undefined;
}
