import { useEffect, useState } from 'react';
import type { Response } from '../../shared/api';
import { api } from '../api';

type AuditRows = Response<'audit.list'>;

/** The append-only audit log, newest first, filtered by rater, study and action. */
export function AuditDialog({ studyId, onClose, report }: { studyId: number; onClose(): void; report(e: unknown): void }) {
  const [choices, setChoices] = useState<Response<'audit.filters'> | null>(null);
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [thisStudy, setThisStudy] = useState(true);
  const [rows, setRows] = useState<AuditRows | null>(null);

  useEffect(() => {
    api['audit.filters']({}).then(setChoices, report);
  }, [report]);
  useEffect(() => {
    let live = true;
    api['audit.list']({ studyId: thisStudy ? studyId : null, actor: actor || null, action: action || null, limit: 500 }).then((r) => live && setRows(r), report);
    return () => {
      live = false;
    };
  }, [studyId, thisStudy, actor, action, report]);
  // Families first ('annotation' = every annotation.* action), then each action.
  const families = [...new Set((choices?.actions ?? []).filter((a) => a.includes('.')).map((a) => a.split('.')[0]))];

  return (
    <div className="modal-backdrop">
      <div className="modal audit-dialog" role="dialog" aria-label="Audit log" data-testid="audit-dialog">
        <h2>Audit log</h2>
        <div className="filters">
          <label>
            Rater{' '}
            <select value={actor} onChange={(e) => setActor(e.target.value)} data-testid="audit-actor">
              <option value="">anyone</option>
              {choices?.actors.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label>
            Action{' '}
            <select value={action} onChange={(e) => setAction(e.target.value)} data-testid="audit-action">
              <option value="">any</option>
              {families.map((f) => (
                <option key={`family-${f}`} value={f}>
                  {f}.*
                </option>
              ))}
              {choices?.actions.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={thisStudy} onChange={() => setThisStudy((v) => !v)} data-testid="audit-this-study" /> This study only
          </label>
        </div>
        <div className="table-scroll">
          <table className="data-table" data-testid="audit-rows">
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Rater</th>
                <th>Action</th>
                <th>Study</th>
                <th>Slice</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {rows?.map((r) => (
                <tr key={r.id} data-testid="audit-row" data-actor={r.actor}>
                  <td>{r.at.replace('T', ' ').slice(0, 19)}</td>
                  <td>{r.actor}</td>
                  <td>{r.action}</td>
                  <td>{r.studyId ?? ''}</td>
                  <td>{r.sliceIndex ?? ''}</td>
                  <td>{r.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted small">{rows ? `${rows.length} entries${rows.length === 500 ? ' (the newest 500)' : ''}` : 'Loading…'}</p>
        <button type="button" onClick={onClose} data-testid="audit-close">
          Close
        </button>
      </div>
    </div>
  );
}
