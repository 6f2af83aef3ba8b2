import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ReviewStatus } from '../../shared/api';
import { api } from '../api';
import type { Engine } from '../components/EngineStatus';
import { useTriage } from './triage';

interface QueueInput {
  studyId: number;
  raterId: number;
  slice: number;
  depth: number;
  goTo(k: number): void;
  /** Another study's queue entry was chosen (all-studies queue). */
  onOpenStudy(studyId: number, slice: number): void;
  /** After a review change: blinding may now show other raters' masks. */
  reloadMasks(): Promise<void>;
  report(e: unknown): void;
}

/** The review queue: triage and its job, the reader's review statuses, the filters, and stepping through it. */
export function useReviewQueue({ studyId, raterId, slice, depth, goTo, onOpenStudy, reloadMasks, report }: QueueInput) {
  const [unreviewedOnly, setUnreviewedOnly] = useState(false);
  const [allStudies, setAllStudies] = useState(false);
  const [statuses, setStatuses] = useState<Map<number, ReviewStatus>>(new Map());
  const triage = useTriage(studyId, raterId, allStudies, report);

  // The model and its execution provider; the provider is known once a run has opened the model.
  const [engine, setEngine] = useState<Engine | null>(null);
  const jobState = triage.job?.state;
  useEffect(() => {
    api['models.list']({}).then(setEngine, report);
  }, [jobState, report]);

  const fetchStatuses = useCallback(
    () => api['review.list']({ studyId, raterId }).then((list) => new Map(list.map((r) => [r.sliceIndex, r.status]))),
    [studyId, raterId],
  );
  useEffect(() => {
    fetchStatuses().then(setStatuses, report);
  }, [fetchStatuses, report]);

  const { refreshQueue } = triage;
  const setReview = useCallback(
    async (s: ReviewStatus) => {
      try {
        await api['review.set']({ studyId, sliceIndex: slice, raterId, status: s });
        const [list] = await Promise.all([fetchStatuses(), refreshQueue(), reloadMasks()]);
        setStatuses(list);
      } catch (e) {
        report(e);
      }
    },
    [studyId, slice, raterId, fetchStatuses, refreshQueue, reloadMasks, report],
  );

  const order = useMemo(
    () => (unreviewedOnly ? triage.queue.items.filter((i) => i.status === 'unreviewed') : triage.queue.items),
    [triage.queue.items, unreviewedOnly],
  );
  const open = useCallback(
    (item: { studyId: number; sliceIndex: number }) => (item.studyId === studyId ? goTo(item.sliceIndex) : onOpenStudy(item.studyId, item.sliceIndex)),
    [studyId, goTo, onOpenStudy],
  );
  const step = useCallback(
    (delta: number) => {
      if (!order.length) return;
      const at = order.findIndex((i) => i.studyId === studyId && i.sliceIndex === slice);
      const next = at < 0 ? (delta > 0 ? 0 : order.length - 1) : Math.max(0, Math.min(order.length - 1, at + delta));
      open(order[next]);
    },
    [order, studyId, slice, open],
  );

  // Before any triage, the study's own count is its slices and the reader's own statuses.
  const counted = triage.queue.total > 0 || allStudies;
  return {
    triage,
    engine,
    status: statuses.get(slice) ?? ('unreviewed' as ReviewStatus),
    reviewed: counted ? triage.queue.reviewed : [...statuses.values()].filter((v) => v === 'reviewed').length,
    total: counted ? triage.queue.total : depth,
    unreviewedOnly,
    allStudies,
    toggleUnreviewed: () => setUnreviewedOnly((u) => !u),
    toggleAllStudies: () => setAllStudies((a) => !a),
    setReview,
    open,
    step,
  };
}
