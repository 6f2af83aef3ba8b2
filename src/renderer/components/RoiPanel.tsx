import type { Roi, StudyDetail } from '../../shared/api';

export interface RoiPanelProps {
  rois: Roi[];
  slices: number;
  currentSlice: number;
  notes: StudyDetail['notes'];
  /** The ROI tool is the active tool. */
  adding: boolean;
  onAddTool(): void;
  onFromRaters(): void;
  onSlices(roi: Roi, slices: [number, number]): void;
  onDelete(roi: Roi): void;
  onGo(slice: number): void;
}

/**
 * The study's nodule regions of interest: triage samples only these on a study that is not model-sized. Each
 * row's first and last slice are number fields (arrow keys step them), so the range is set by keyboard. Slices are
 * numbered from 1 as the slice counter does; the centre is a voxel index (i, j, k), from 0 as the pixel readout.
 */
export function RoiPanel(p: RoiPanelProps) {
  const clamp = (v: number) => Math.min(p.slices - 1, Math.max(0, Math.round(v)));
  return (
    <section className="panel rois" data-testid="roi-panel">
      <div className="panel-head">
        <h2>Nodule ROIs</h2>
        <span className="small muted">{p.rois.length}</span>
      </div>
      <div className="queue-actions">
        <button type="button" className={p.adding ? 'active' : ''} onClick={p.onAddTool} data-testid="roi-add-tool" title="Add nodule ROI (I), then click the nodule">
          Add nodule ROI
        </button>
        <button type="button" onClick={p.onFromRaters} data-testid="roi-from-raters" title="One ROI per nodule the raters' masks outline">
          From raters
        </button>
      </div>
      {p.adding && <p className="small muted">Click the nodule on the slice.</p>}
      <ul className="roi-list" data-testid="roi-list">
        {p.rois.map((r) => (
          <li key={r.id} data-testid="roi-item" data-roi={r.id} className={p.currentSlice >= r.slices[0] && p.currentSlice <= r.slices[1] ? 'current' : ''}>
            <button type="button" className="link" onClick={() => p.onGo(r.center[2])} title="Go to the ROI's centre slice">
              ROI {r.id} · {r.label}
            </button>
            <span className="small">
              slices{' '}
              <input
                type="number"
                aria-label={`ROI ${r.id} first slice`}
                data-testid="roi-first"
                min={1}
                max={r.center[2] + 1}
                value={r.slices[0] + 1}
                onChange={(e) => p.onSlices(r, [Math.min(clamp(Number(e.target.value) - 1), r.center[2]), r.slices[1]])}
              />
              –
              <input
                type="number"
                aria-label={`ROI ${r.id} last slice`}
                data-testid="roi-last"
                min={r.center[2] + 1}
                max={p.slices}
                value={r.slices[1] + 1}
                onChange={(e) => p.onSlices(r, [r.slices[0], Math.max(clamp(Number(e.target.value) - 1), r.center[2])])}
              />{' '}
              · centre ({r.center.join(', ')}) · {r.window.join('×')} px
            </span>
            <button type="button" className="link" onClick={() => p.onDelete(r)} aria-label={`Delete ROI ${r.id}`}>
              ✕
            </button>
          </li>
        ))}
      </ul>
      {p.notes.length > 0 && (
        <ul className="small muted study-notes" data-testid="study-notes">
          {p.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
