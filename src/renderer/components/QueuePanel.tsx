import { tooltip } from '../actions/table';
import { useEffect, useMemo, useRef } from 'react';
import type { Job, QueueItem } from '../../shared/api';
import type { Window } from '../../shared/volume';
import type { DisplayVolume } from '../views/vtkImage';
import { scorePercentiles, stillToReview } from '../state/queue-order';
import { EngineStatus, type Engine } from './EngineStatus';
import { Thumbnail } from './Thumbnail';

export interface QueuePanelProps {
  items: QueueItem[];
  counts: { reviewed: number; secondLook: number; unreviewed: number; total: number };
  /** Share of the study's summed uncertainty on slices nobody has settled; null before triage. */
  unsettledShare: number | null;
  /** Warnings of the runs behind the items, shown above the list. */
  warnings: string[];
  currentSlice: number;
  unreviewedOnly: boolean;
  allStudies: boolean;
  studyId: number;
  volume: DisplayVolume;
  window: Window;
  flipX: boolean;
  flipY: boolean;
  job: Job | null;
  engine: Engine | null;
  onToggleUnreviewed(): void;
  onToggleAllStudies(): void;
  onOpen(item: QueueItem): void;
  onTriage(): void;
  onCancel(): void;
}

const STATUS_LABEL = { unreviewed: 'To review', reviewed: 'Reviewed', 'second-look': 'Second look' } as const;

function formatEta(seconds: number | null): string {
  if (seconds === null) return 'estimating…';
  if (seconds < 60) return `${Math.round(seconds)} s left`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s left`;
}

export function TriageProgress({ job, onCancel }: { job: Job; onCancel(): void }) {
  const fraction = job.total ? (job.done + (job.steps ? job.step / job.steps : 0)) / job.total : 0;
  return (
    <div className="triage-progress" data-testid="triage-progress" data-state={job.state}>
      <div className="progress-bar">
        <div className="progress-fill" style={{ width: `${Math.min(100, fraction * 100).toFixed(1)}%` }} />
      </div>
      <div className="progress-text">
        <span data-testid="triage-done">
          {job.done} of {job.total} slices
        </span>
        <span>{job.state === 'running' || job.state === 'queued' ? formatEta(job.etaSeconds) : job.state}</span>
        {(job.state === 'running' || job.state === 'queued') && (
          <button type="button" onClick={onCancel} data-testid="triage-cancel">
            Cancel
          </button>
        )}
      </div>
      {job.message && <div className="muted small">{job.message}</div>}
      {job.error && <div className="error-text">{job.error}</div>}
    </div>
  );
}

const ordinal = (n: number) => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
};

/** Slices ranked by the model's uncertainty score, most uncertain first: the order a reader should work in. */
export function QueuePanel(p: QueuePanelProps) {
  const maxScore = Math.max(1e-12, ...p.items.map((i) => i.score));
  const shown = p.unreviewedOnly ? p.items.filter((i) => stillToReview(i.status)) : p.items;
  const percentile = useMemo(() => scorePercentiles(p.items), [p.items]);
  // Each item keeps its place in the whole queue when a filter hides others.
  const position = useMemo(() => new Map(p.items.map((item, k) => [item, k + 1])), [p.items]);
  const c = p.counts;
  const running = p.job && (p.job.state === 'running' || p.job.state === 'queued');
  const listRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    listRef.current?.querySelector('.current')?.scrollIntoView({ block: 'nearest' });
  }, [p.currentSlice]);

  return (
    <section className="panel queue" data-testid="queue-panel">
      <div className="panel-head">
        <h2>Review queue</h2>
        <span className="queue-count" data-testid="queue-count">
          {c.reviewed} of {c.total} reviewed
        </span>
      </div>
      <div className="queue-counts">
        <span className="status-second-look" data-testid="queue-second-look">{c.secondLook} second look</span>
        {' · '}
        <span data-testid="queue-unreviewed">{c.unreviewed} unreviewed</span>
      </div>
      {p.unsettledShare !== null && (
        <p
          className="small done-rule"
          data-testid="done-rule"
          title="The summed uncertainty scores of the slices no rater has marked reviewed (or someone asked a second look at), as a share of the whole queue's. Near 0% the model has little doubt left where nobody looked."
        >
          <b>{Math.round(p.unsettledShare * 100)}%</b> of the uncertainty is in unreviewed slices
        </p>
      )}
      <div className="queue-actions">
        <button type="button" onClick={p.onTriage} disabled={!!running} data-testid="triage-start" title={tooltip('triage.start')}>
          Run triage
        </button>
        <label className="check">
          <input type="checkbox" checked={p.unreviewedOnly} onChange={p.onToggleUnreviewed} data-testid="filter-unreviewed" /> Unreviewed only
        </label>
        <label className="check" title="Rank the triaged slices of every study together">
          <input type="checkbox" checked={p.allStudies} onChange={p.onToggleAllStudies} data-testid="queue-all-studies" /> All studies
        </label>
      </div>
      <EngineStatus engine={p.engine} />
      {p.job && <TriageProgress job={p.job} onCancel={p.onCancel} />}
      {p.warnings.length > 0 && (
        <ul className="small warnings" data-testid="queue-warnings">
          {p.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {p.items.length === 0 && !running && <p className="muted">No scores yet: run triage to rank this study's slices by model uncertainty.</p>}
      <ol ref={listRef} className="queue-list" data-testid="queue-list">
        {shown.map((item) => (
          <li key={`${item.studyId}:${item.sliceIndex}`} className={item.studyId === p.studyId && item.sliceIndex === p.currentSlice ? 'current' : ''}>
            <button
              type="button"
              data-testid="queue-item"
              data-slice={item.sliceIndex}
              data-score={item.score}
              data-status={item.status}
              onClick={() => p.onOpen(item)}
            >
              {item.studyId === p.studyId ? (
                <Thumbnail volume={p.volume} slice={item.sliceIndex} window={p.window} flipX={p.flipX} flipY={p.flipY} />
              ) : (
                <span className="thumb thumb-other">{item.studyName.slice(0, 12)}</span>
              )}
              <span className="queue-info">
                <span className="queue-title">
                  #{position.get(item)} · {p.allStudies ? `${item.studyName}, ` : ''}
                  {item.roiId !== null && <span data-testid="queue-roi">ROI {item.roiId}, </span>}slice {item.sliceIndex + 1}
                </span>
                <span className="score-bar">
                  <span style={{ width: `${((item.score / maxScore) * 100).toFixed(1)}%` }} />
                </span>
                <span className="small">
                  <span
                    data-testid="queue-percentile"
                    title={`More uncertain than ${percentile.get(item)}% of the queue's slices. Raw score ${item.score.toFixed(3)}: the model's uncertainty summed over the pixels at the lesion, in nats.`}
                  >
                    {ordinal(percentile.get(item) ?? 0)} percentile
                  </span>{' '}
                  · <span className={`status status-${item.status}`}>{STATUS_LABEL[item.status]}</span>
                </span>
              </span>
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
