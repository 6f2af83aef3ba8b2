import { useCallback, useEffect, useState } from 'react';
import type { Response } from '../../shared/api';
import { api } from '../api';

type Revisions = Response<'annotations.history'>['revisions'];

export interface HistoryDialogProps {
  studyId: number;
  slice: number;
  /** Whose masks can be browsed: the viewer first, then the raters blinding lets them see on this slice. */
  raters: { raterId: number; raterName: string }[];
  viewerRaterId: number;
  blinded: boolean;
  /** The final mask's revisions on this slice (empty when none or hidden). */
  finalRevisions: Response<'final.get'>['revisions'];
  onRestored(): void;
  onClose(): void;
  report(e: unknown): void;
}

/** Every revision of a mask on this slice, newest first; restoring one saves its pixels as a new revision. */
export function HistoryDialog(p: HistoryDialogProps) {
  const { studyId, slice, viewerRaterId, blinded, report } = p;
  const [raterId, setRaterId] = useState(p.raters[0]?.raterId ?? viewerRaterId);
  const [revisions, setRevisions] = useState<Revisions | null>(null);

  const load = useCallback(() => {
    api['annotations.history']({ studyId, sliceIndex: slice, raterId, viewerRaterId, blinded }).then((r) => setRevisions(r.revisions), report);
  }, [studyId, slice, raterId, viewerRaterId, blinded, report]);
  useEffect(load, [load]);

  const name = p.raters.find((r) => r.raterId === raterId)?.raterName ?? '';
  async function restore(revision: number) {
    try {
      await api['annotations.restore']({ studyId, sliceIndex: slice, raterId, revision, baseRevision: revisions?.[0]?.revision ?? 0 });
      load();
      p.onRestored();
    } catch (e) {
      report(e);
    }
  }

  return (
    <div className="modal-backdrop">
      <div className="modal history-dialog" role="dialog" aria-label="Mask history" data-testid="history-dialog">
        <h2>History of slice {slice}</h2>
        <label>
          Mask of{' '}
          <select value={raterId} onChange={(e) => setRaterId(Number(e.target.value))} data-testid="history-rater">
            {p.raters.map((r) => (
              <option key={r.raterId} value={r.raterId}>
                {r.raterName}
              </option>
            ))}
          </select>
        </label>
        <table className="data-table" data-testid="history-revisions">
          <thead>
            <tr>
              <th>Revision</th>
              <th>Rater</th>
              <th>Saved (UTC)</th>
              <th>Source</th>
              <th>Area (px)</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {revisions?.map((r, i) => (
              <tr key={r.revision} data-testid={`history-revision-${r.revision}`}>
                <td>{r.revision}</td>
                <td>{name}</td>
                <td>{r.createdAt.replace('T', ' ').slice(0, 19)}</td>
                <td>{r.source}</td>
                <td>{r.area}</td>
                <td>
                  {i === 0 ? (
                    <span className="muted small">current</span>
                  ) : (
                    raterId === viewerRaterId && (
                      <button type="button" onClick={() => void restore(r.revision)} data-testid={`restore-${r.revision}`}>
                        Restore
                      </button>
                    )
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {revisions?.length === 0 && <p className="muted small">No mask saved on this slice.</p>}
        {p.finalRevisions.length > 0 && (
          <>
            <h3>Final mask</h3>
            <ul className="small" data-testid="history-final">
              {p.finalRevisions.map((f) => (
                <li key={f.revision}>
                  revision {f.revision} · {f.adjudicatorName} · {f.createdAt.replace('T', ' ').slice(0, 19)} · {f.basis} · {f.area} px
                </li>
              ))}
            </ul>
          </>
        )}
        <button type="button" onClick={p.onClose} data-testid="history-close">
          Close
        </button>
      </div>
    </div>
  );
}
