import type { FinalState, Basis } from '../state/adjudication';
import type { OtherMask } from '../state/editor';

export interface AdjudicationPanelProps {
  others: Pick<OtherMask, 'raterId' | 'raterName' | 'raterRole'>[];
  hasModel: boolean;
  final: FinalState | null;
  revision: number;
  saving: boolean;
  onStart(from: Basis): void;
  onMarkFinal(): void;
  onExportFinal(): void;
}

/** The adjudicator's slice: start the working mask from a reader, a consensus or the model, edit it, mark it final. */
export function AdjudicationPanel(p: AdjudicationPanelProps) {
  const current = p.final?.final;
  const readers = p.others.filter((o) => o.raterRole === 'reader');
  return (
    <section className="panel adjudication-panel" data-testid="adjudication-panel">
      <h3>Adjudication</h3>
      <p className="muted small">Start your working mask from one of these, edit it with the tools, then mark it final.</p>
      <div className="button-row wrap">
        {readers.map((r) => (
          <button key={r.raterId} type="button" onClick={() => p.onStart({ kind: 'reader', raterId: r.raterId })} data-testid={`start-from-reader-${r.raterName}`}>
            {r.raterName}
          </button>
        ))}
        <button type="button" disabled={!readers.length} onClick={() => p.onStart({ kind: 'consensus-majority' })} data-testid="start-from-majority">
          Majority
        </button>
        <button type="button" disabled={!readers.length} onClick={() => p.onStart({ kind: 'consensus-staple' })} data-testid="start-from-staple">
          STAPLE
        </button>
        <button type="button" disabled={!p.hasModel} onClick={() => p.onStart({ kind: 'model-mean' })} data-testid="start-from-model">
          Model mean
        </button>
      </div>
      <button type="button" className="primary" disabled={p.revision === 0 || p.saving} onClick={p.onMarkFinal} data-testid="mark-final">
        Mark final
      </button>
      <p className="small" data-testid="final-status">
        {current
          ? `Final: revision ${current.revision}, ${current.area} px, ${current.basis} (${current.adjudicatorName})`
          : 'Not final yet.'}
      </p>
      <button type="button" disabled={!current} onClick={p.onExportFinal} data-testid="export-final">
        Export final mask (NIfTI; DICOM SEG for DICOM studies)
      </button>
    </section>
  );
}
