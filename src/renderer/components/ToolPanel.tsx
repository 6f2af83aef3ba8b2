import type { ReviewStatus } from '../../shared/api';
import { tooltip } from '../actions/table';
import { TOOLS } from '../tools/registry';
import type { ToolState } from '../tools/store';
import { MIN_ISLAND, type CleanUp } from '../tools/cleanup';
import type { NumberSetting } from '../tools/types';

export interface ToolPanelProps {
  tools: ToolState;
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
  onTool(id: string): void;
  onSetting(setting: NumberSetting, value: number): void;
  onFromMean(): void;
  onFromSample(): void;
  onFromClosest(): void;
  onInterpolate(): void;
  onCleanUp(which: CleanUp): void;
  /** The study's intensity unit for tools that read intensities; null: not Hounsfield units. */
  units: 'HU' | null;
  onClear(): void;
  onUndo(): void;
  onRedo(): void;
  onReview(s: ReviewStatus): void;
}

export function ToolPanel(p: ToolPanelProps) {
  return (
    <section className="panel tools" data-testid="tool-panel">
      <h2>Annotate</h2>
      <div className="button-row">
        {TOOLS.map((t) => (
          <button key={t.id} type="button" className={p.tools.active === t ? 'active' : ''} onClick={() => p.onTool(t.id)} data-testid={`tool-${t.id}`} title={tooltip(`tool.${t.id}`)}>
            {t.label}
          </button>
        ))}
      </div>
      {p.tools.active.settings.map((s) => (
        <label key={s.id} className="slider">
          {s.caption(p.tools.values[s.id])}
          <input type="range" min={s.min} max={s.max} step={s.step} value={p.tools.values[s.id]} onChange={(e) => p.onSetting(s, Number(e.target.value))} data-testid={s.id} />
        </label>
      ))}
      {p.tools.active.presets && (
        <div className="button-row">
          {p.tools.active.presets.map((preset) => (
            <button
              key={preset.label}
              type="button"
              data-testid={`preset-${preset.label.toLowerCase().replace(/\s+/g, '-')}`}
              onClick={() => p.tools.active.settings.forEach((s) => s.id in preset.values && p.onSetting(s, preset.values[s.id]))}
            >
              {preset.label}
            </button>
          ))}
        </div>
      )}
      {p.tools.active.usesIntensity && (
        <p className="muted small" data-testid="tool-units">
          {p.units ? 'Range in Hounsfield units' : 'This study is not in Hounsfield units: the range is in its pixel values and the presets do not apply'}
        </p>
      )}
      <div className="button-row">
        <button type="button" onClick={p.onInterpolate} data-testid="interpolate" title={tooltip('mask.interpolate')}>
          Interpolate slices
        </button>
      </div>
      <label className="slider">
        {MIN_ISLAND.caption(p.tools.values[MIN_ISLAND.id])}
        <input type="range" min={MIN_ISLAND.min} max={MIN_ISLAND.max} step={MIN_ISLAND.step} value={p.tools.values[MIN_ISLAND.id]} onChange={(e) => p.onSetting(MIN_ISLAND, Number(e.target.value))} data-testid={MIN_ISLAND.id} />
      </label>
      <div className="button-row">
        <button type="button" onClick={() => p.onCleanUp('islands')} data-testid="remove-islands" title={tooltip('mask.remove-islands')}>
          Remove islands
        </button>
        <button type="button" onClick={() => p.onCleanUp('holes')} data-testid="fill-holes" title={tooltip('mask.fill-holes')}>
          Fill holes
        </button>
        <button type="button" onClick={() => p.onCleanUp('largest')} data-testid="keep-largest" title={tooltip('mask.keep-largest')}>
          Keep largest
        </button>
      </div>
      <div className="button-row">
        <button type="button" onClick={p.onFromMean} disabled={!p.canUseModel} data-testid="from-mean" title={tooltip('mask.from-mean')}>
          From mean mask
        </button>
        <button type="button" onClick={p.onFromSample} disabled={!p.canUseModel} data-testid="from-sample" title={tooltip('mask.from-sample')}>
          From sample {p.sampleCount ? p.sampleIndex + 1 : ''}
        </button>
        <button type="button" onClick={p.onFromClosest} disabled={!p.canUseModel} data-testid="from-closest" title={tooltip('mask.from-closest')}>
          From closest sample
        </button>
        <button type="button" onClick={p.onClear} data-testid="clear-mask" title={tooltip('mask.clear')}>
          Clear
        </button>
      </div>
      <div className="button-row">
        <button type="button" onClick={p.onUndo} disabled={!p.undo} data-testid="undo" title={tooltip('edit.undo')}>
          Undo ({p.undo})
        </button>
        <button type="button" onClick={p.onRedo} disabled={!p.redo} data-testid="redo" title={tooltip('edit.redo')}>
          Redo ({p.redo})
        </button>
        <span className="muted small save-state" data-testid="save-state" data-saving={p.saving ? 'yes' : 'no'} data-revision={p.revision} data-mask-slice={p.maskSlice ?? ''}>
          {p.maskSlice === null ? 'Loading mask…' : p.saving ? 'Saving…' : p.revision ? `Saved · rev ${p.revision}` : 'No mask saved'}
        </span>
      </div>
      <h3>Review</h3>
      <div className="button-row">
        <button type="button" className={p.status === 'reviewed' ? 'active ok' : ''} onClick={() => p.onReview('reviewed')} data-testid="mark-reviewed" title={tooltip('review.reviewed')}>
          Reviewed
        </button>
        <button type="button" className={p.status === 'second-look' ? 'active warn' : ''} onClick={() => p.onReview('second-look')} data-testid="mark-second-look" title={tooltip('review.second-look')}>
          Second look
        </button>
        <button type="button" className={p.status === 'unreviewed' ? 'active' : ''} onClick={() => p.onReview('unreviewed')} title={tooltip('review.unreviewed')}>
          Unreviewed
        </button>
      </div>
    </section>
  );
}
