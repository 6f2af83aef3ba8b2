import type { Code, SegmentDescription } from '../domain';
import type { Db } from './database';

export type { SegmentDescription } from '../domain';

export function setSegmentDescription(db: Db, studyId: number, raterId: number, d: SegmentDescription): void {
  db.prepare('INSERT OR REPLACE INTO segment_descriptions (study_id, rater_id, label, category, type) VALUES (?, ?, ?, ?, ?)').run(
    studyId,
    raterId,
    d.label,
    d.category ? JSON.stringify(d.category) : null,
    d.type ? JSON.stringify(d.type) : null,
  );
}

export function segmentDescriptions(db: Db, studyId: number): Map<number, SegmentDescription> {
  const rows = db.prepare('SELECT rater_id, label, category, type FROM segment_descriptions WHERE study_id = ?').all(studyId) as {
    rater_id: number;
    label: string;
    category: string | null;
    type: string | null;
  }[];
  const parse = (json: string | null) => (json === null ? null : (JSON.parse(json) as Code));
  return new Map(rows.map((r) => [r.rater_id, { label: r.label, category: parse(r.category), type: parse(r.type) }]));
}
