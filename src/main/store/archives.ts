import { ApiError } from '../../shared/errors';
import { appendAudit } from './audit';
import type { Db } from './database';

export type ArchiveAuth = 'none' | 'basic' | 'bearer';

/** An archive as the store holds it: the secret stays sealed until a request needs it. */
export interface ArchiveRecord {
  id: number;
  name: string;
  url: string;
  auth: ArchiveAuth;
  username: string | null;
  secret: Buffer | null;
  secretScheme: string | null;
  createdAt: string;
}

const columns = 'id, name, url, auth, username, secret, secret_scheme AS secretScheme, created_at AS createdAt';

export function listArchives(db: Db): ArchiveRecord[] {
  return db.prepare(`SELECT ${columns} FROM archives ORDER BY name`).all() as ArchiveRecord[];
}

export function getArchive(db: Db, name: string): ArchiveRecord {
  const row = db.prepare(`SELECT ${columns} FROM archives WHERE name = ?`).get(name) as ArchiveRecord | undefined;
  if (!row) throw new ApiError('not_found', `no archive named "${name}" (see caldiff pacs list)`);
  return row;
}

export function insertArchive(db: Db, a: Omit<ArchiveRecord, 'id' | 'createdAt'>, actor: string): ArchiveRecord {
  return db.transaction(() => {
    if (db.prepare('SELECT 1 FROM archives WHERE name = ?').get(a.name)) throw new ApiError('conflict', `an archive named "${a.name}" exists already; remove it first`);
    const createdAt = new Date().toISOString();
    const { lastInsertRowid } = db
      .prepare('INSERT INTO archives (name, url, auth, username, secret, secret_scheme, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.name, a.url, a.auth, a.username, a.secret, a.secretScheme, createdAt);
    appendAudit(db, { actor, action: 'archive.add', detail: `${a.name} ${a.url} (auth ${a.auth}${a.username ? ` as ${a.username}` : ''})` });
    return { ...a, id: Number(lastInsertRowid), createdAt };
  }).immediate();
}

export function deleteArchive(db: Db, name: string, actor: string): void {
  db.transaction(() => {
    const a = getArchive(db, name);
    db.prepare('DELETE FROM archives WHERE id = ?').run(a.id);
    appendAudit(db, { actor, action: 'archive.remove', detail: `${a.name} ${a.url}` });
  }).immediate();
}

export interface StudyOrigin {
  archiveName: string;
  archiveUrl: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  sopInstanceUIDs: string[];
  retrievedAt: string;
}

/** Inside the import's transaction, so a study never exists without the record of where it came from. */
export function setStudyOrigin(db: Db, studyId: number, o: StudyOrigin): void {
  db.prepare(
    `INSERT OR REPLACE INTO study_origins (study_id, archive_name, archive_url, study_instance_uid, series_instance_uid, sop_instance_uids, retrieved_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(studyId, o.archiveName, o.archiveUrl, o.studyInstanceUID, o.seriesInstanceUID, JSON.stringify(o.sopInstanceUIDs), o.retrievedAt);
}

export function studyOrigin(db: Db, studyId: number): StudyOrigin | null {
  const row = db
    .prepare(
      `SELECT archive_name AS archiveName, archive_url AS archiveUrl, study_instance_uid AS studyInstanceUID, series_instance_uid AS seriesInstanceUID,
        sop_instance_uids AS uids, retrieved_at AS retrievedAt FROM study_origins WHERE study_id = ?`,
    )
    .get(studyId) as (Omit<StudyOrigin, 'sopInstanceUIDs'> & { uids: string }) | undefined;
  if (!row) return null;
  const { uids, ...rest } = row;
  return { ...rest, sopInstanceUIDs: JSON.parse(uids) as string[] };
}

export interface StoreAttempt {
  studyId: number;
  archiveName: string;
  item: string;
  contentSha256: string;
  sopInstanceUID: string;
  status: 'stored' | 'failed';
  message: string;
  actor: string;
}

/** One attempt to store one SEG, with its audit entry, in one transaction. */
export function recordStoreAttempt(db: Db, a: StoreAttempt): void {
  db.transaction(() => {
    db.prepare(
      `INSERT INTO archive_stores (study_id, archive_name, item, content_sha256, sop_instance_uid, status, message, actor, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(a.studyId, a.archiveName, a.item, a.contentSha256, a.sopInstanceUID, a.status, a.message, a.actor, new Date().toISOString());
    appendAudit(db, {
      actor: a.actor,
      action: a.status === 'stored' ? 'archive.store' : 'archive.store-failed',
      studyId: a.studyId,
      detail: `${a.item} → ${a.archiveName}: SEG ${a.sopInstanceUID}${a.message ? ` (${a.message})` : ''}`,
    });
  }).immediate();
}

/** The instance an identical item was last stored as on that archive, if it was. */
export function storedAlready(db: Db, studyId: number, archiveName: string, item: string, contentSha256: string): string | null {
  const row = db
    .prepare(
      `SELECT sop_instance_uid AS uid, status, content_sha256 AS sha FROM archive_stores WHERE study_id = ? AND archive_name = ? AND item = ? ORDER BY id DESC LIMIT 1`,
    )
    .get(studyId, archiveName, item) as { uid: string; status: string; sha: string } | undefined;
  return row && row.status === 'stored' && row.sha === contentSha256 ? row.uid : null;
}
