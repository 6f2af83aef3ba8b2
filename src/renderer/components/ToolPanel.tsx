import type { ReviewStatus } from '../../shared/api';
import type { ToolName } from '../views/SliceView';

export interface ToolPanelProps {
  tool: ToolName;
  brushRadius: number;
  canUseModel: boolean;
  sampleIndex: number;
  sampleCount: number;
  undo: number;
  redo: number;
  saving: boolean;
  revision: number;
  /** The slice whose mask is loaded and editable, or null while one loads (strokes wait for it). */
  maskSlice: number | null;
  status: ReviewStatus;
  onTool(t: ToolName): void;
  onBrushRadius(r: number): void;
  onFromMean(): void;
  onFromSample(): void;
  onClear(): void;
  onUndo(): void;
  onRedo(): void;
  onReview(s: ReviewStatus): void;
}

const TOOLS: [ToolName, string, string][] = [
  ['navigate', 'Navigate', 'V'],
  ['brush', 'Brush', 'B'],
  ['eraser', 'Eraser', 'E'],
  ['fill', 'Fill', 'F'],
];

export function ToolPanel(p: ToolPanelProps) {
  return (
    <section className="panel tools" data-testid="tool-panel">
      <h2>Annotate</h2>
      <div className="button-row">
        {TOOLS.map(([t, label, key]) => (
          <button key={t} type="button" className={p.tool === t ? 'active' : ''} onClick={() => p.onTool(t)} data-testid={`tool-${t}`} title={`${label} (${key})`}>
            {label}
          </button>
        ))}
      </div>
      <label className="slider">
        Brush size {p.brushRadius * 2 + 1} px
        <input type="range" min={0} max={30} value={p.brushRadius} onChange={(e) => p.onBrushRadius(Number(e.target.value))} data-testid="brush-size" />
      </label>
      <div className="button-row">
        <button type="button" onClick={p.onFromMean} disabled={!p.canUseModel} data-testid="from-mean" title="Start from the model's mean mask (M)">
          From mean mask
        </button>
        <button type="button" onClick={p.onFromSample} disabled={!p.canUseModel} data-testid="from-sample" title="Start from the sample shown (S)">
          From sample {p.sampleCount ? p.sampleIndex + 1 : ''}
        </button>
        <button type="button" onClick={p.onClear} data-testid="clear-mask" title="Clear (Delete)">
          Clear
        </button>
      </div>
      <div className="button-row">
        <button type="button" onClick={p.onUndo} disabled={!p.undo} data-testid="undo" title="Undo (Ctrl+Z)">
          Undo ({p.undo})
        </button>
        <button type="button" onClick={p.onRedo} disabled={!p.redo} data-testid="redo" title="Redo (Ctrl+Shift+Z)">
          Redo ({p.redo})
        </button>
        <span className="muted small save-state" data-testid="save-state" data-saving={p.saving ? 'yes' : 'no'} data-revision={p.revision} data-mask-slice={p.maskSlice ?? ''}>
          {p.maskSlice === null ? 'Loading mask…' : p.saving ? 'Saving…' : p.revision ? `Saved · rev ${p.revision}` : 'No mask saved'}
        </span>
      </div>
      <h3>Review</h3>
      <div className="button-row">
        <button type="button" className={p.status === 'reviewed' ? 'active ok' : ''} onClick={() => p.onReview('reviewed')} data-testid="mark-reviewed" title="Mark reviewed (R)">
          Reviewed
        </button>
        <button type="button" className={p.status === 'second-look' ? 'active warn' : ''} onClick={() => p.onReview('second-look')} data-testid="mark-second-look" title="Needs a second look (L)">
          Second look
        </button>
        <button type="button" className={p.status === 'unreviewed' ? 'active' : ''} onClick={() => p.onReview('unreviewed')} title="Unreviewed (U)">
          Unreviewed
        </button>
      </div>
    </section>
  );
}
