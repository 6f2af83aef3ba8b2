import { useState } from 'react';
import type { StudySummary } from '../../shared/api';

export interface StudyListProps {
  studies: StudySummary[] | null;
  currentId: number | null;
  onOpen(id: number): void;
  /** Import files or folders by path (paths on the machine running the app's main process). */
  onImport(path: string): Promise<void>;
}

export function StudyList({ studies, currentId, onOpen, onImport }: StudyListProps) {
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <section className="panel study-list" data-testid="study-list">
      <h2>Studies</h2>
      <form
        className="import-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!path.trim()) return;
          setBusy(true);
          onImport(path.trim())
            .then(() => setPath(''))
            .finally(() => setBusy(false));
        }}
      >
        <input aria-label="Path to import" placeholder="Import path (NIfTI, PNG, LIDC, DICOM)" value={path} onChange={(e) => setPath(e.target.value)} data-testid="import-path" />
        <button type="submit" disabled={busy || !path.trim()} data-testid="import-submit">
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      {studies === null && <p className="muted">Loading…</p>}
      {studies?.length === 0 && <p className="muted">No studies yet. Import with “caldiff import PATH”.</p>}
      <ul>
        {studies?.map((s) => (
          <li key={s.id}>
            <button type="button" className={s.id === currentId ? 'active' : ''} data-testid="study-item" data-study-id={s.id} onClick={() => onOpen(s.id)}>
              <span className="study-name">{s.name}</span>
              <span className="muted small">
                {s.dims.join('×')} · {s.raterCount} rater{s.raterCount === 1 ? '' : 's'} · {s.source}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
