import { countMask, packMask } from '../../shared/masks';
import { appendAudit } from './audit';
import { deflateArray, inflateBytes } from './codec';
import type { Db } from './database';

/** The adjudicated mask of one slice, at its latest revision. */
export interface FinalMask {
  sliceIndex: number;
  revision: number;
  /** Bit-packed. */
  packed: Uint8Array;
  area: number;
  adjudicatorId: number;
  adjudicatorName: string;
  fromRevision: number;
  basis: string;
  createdAt: string;
}

export interface FinalRevision {
  revision: number;
  area: number;
  adjudicatorName: string;
  basis: string;
  createdAt: string;
}

type FinalRow = { slice_index: number; revision: number; mask: Buffer; area: number; adjudicator_id: number; name: string; from_revision: number; basis: string; created_at: string };

const toFinal = (r: FinalRow): FinalMask => ({
  sliceIndex: r.slice_index,
  revision: r.revision,
  packed: inflateBytes(r.mask),
  area: r.area,
  adjudicatorId: r.adjudicator_id,
  adjudicatorName: r.name,
  fromRevision: r.from_revision,
  basis: r.basis,
  createdAt: r.created_at,
});

const SELECT_CURRENT = `SELECT f.slice_index, f.revision, f.mask, f.area, f.adjudicator_id, r.name, f.from_revision, f.basis, f.created_at
  FROM final_masks f JOIN raters r ON r.id = f.adjudicator_id
  WHERE f.study_id = @studyId AND f.revision = (SELECT MAX(revision) FROM final_masks g WHERE g.study_id = f.study_id AND g.slice_index = f.slice_index)`;

export function currentFinal(db: Db, studyId: number, sliceIndex: number): FinalMask | null {
  const row = db.prepare(`${SELECT_CURRENT} AND f.slice_index = @sliceIndex`).get({ studyId, sliceIndex }) as FinalRow | undefined;
  return row ? toFinal(row) : null;
}

/** Every final slice of a study, by slice index. */
export function currentFinals(db: Db, studyId: number): Map<number, FinalMask> {
  const rows = db.prepare(`${SELECT_CURRENT} ORDER BY f.slice_index`).all({ studyId }) as FinalRow[];
  return new Map(rows.map((r) => [r.slice_index, toFinal(r)]));
}

export function finalRevisions(db: Db, studyId: number, sliceIndex: number): FinalRevision[] {
  return db
    .prepare(
      `SELECT f.revision, f.area, r.name AS adjudicatorName, f.basis, f.created_at AS createdAt FROM final_masks f JOIN raters r ON r.id = f.adjudicator_id
       WHERE f.study_id = ? AND f.slice_index = ? ORDER BY f.revision DESC`,
    )
    .all(studyId, sliceIndex) as FinalRevision[];
}

/** Appends a final revision of a slice, with its audit entry, in one transaction. */
export function saveFinal(
  db: Db,
  f: { studyId: number; sliceIndex: number; mask: Uint8Array; adjudicatorId: number; fromRevision: number; basis: string },
  actor: string,
): { revision: number } {
  return db.transaction(() => {
    const row = db.prepare('SELECT MAX(revision) AS rev FROM final_masks WHERE study_id = ? AND slice_index = ?').get(f.studyId, f.sliceIndex) as { rev: number | null };
    const revision = (row.rev ?? 0) + 1;
    const area = countMask(f.mask);
    db.prepare(
      'INSERT INTO final_masks (study_id, slice_index, revision, mask, area, adjudicator_id, from_revision, basis, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(f.studyId, f.sliceIndex, revision, deflateArray(packMask(f.mask)), area, f.adjudicatorId, f.fromRevision, f.basis, new Date().toISOString());
    appendAudit(db, { actor, action: 'final.mark', studyId: f.studyId, sliceIndex: f.sliceIndex, detail: `final revision ${revision}, ${area} px, ${f.basis} (from revision ${f.fromRevision})` });
    return { revision };
  }).immediate();
}
