import { useEffect, useState } from 'react';
import type { Rater } from '../../shared/api';
import { api } from '../api';
import { useErrors } from '../state/errors';

/** Who is reading: pick a named expert or add yourself. Every save carries this identity. */
export function RaterChooser({ current, onChoose, onCancel }: { current: Rater | null; onChoose(r: Rater): void; onCancel?(): void }) {
  const { report } = useErrors();
  const [raters, setRaters] = useState<Rater[] | null>(null);
  const [name, setName] = useState('');
  const [adjudicator, setAdjudicator] = useState(false);

  useEffect(() => {
    api['raters.list']({}).then(setRaters, report);
  }, [report]);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    try {
      onChoose(await api['raters.create']({ name: trimmed, role: adjudicator ? 'adjudicator' : 'reader' }));
    } catch (err) {
      report(err);
    }
  }

  return (
    <div className="modal-backdrop">
      <div className="modal rater-chooser" data-testid="rater-chooser" role="dialog" aria-label="Choose rater">
        <h2>Who is reading?</h2>
        <p className="muted">Your name is stamped on every mask and review you save.</p>
        <ul className="rater-list">
          {raters === null && <li className="muted">Loading raters…</li>}
          {raters?.map((r) => (
            <li key={r.id}>
              <button type="button" className={current?.id === r.id ? 'active' : ''} onClick={() => onChoose(r)}>
                {r.name}
                {r.role === 'adjudicator' && <span className="role-badge"> adjudicator</span>}
              </button>
            </li>
          ))}
        </ul>
        <form onSubmit={create} className="rater-create">
          <input aria-label="New rater name" placeholder="New rater name" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
          <label className="check" title="An adjudicator sees every reader's masks (never blinded) and marks the final mask">
            <input type="checkbox" checked={adjudicator} onChange={() => setAdjudicator((v) => !v)} data-testid="new-rater-adjudicator" /> Adjudicator
          </label>
          <button type="submit" disabled={!name.trim()}>
            Add and continue
          </button>
        </form>
        {onCancel && (
          <button type="button" className="link" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </div>
  );
}
