import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { QueueItem, ReviewStatus } from '../../shared/api';
import { api } from '../api';
import type { Engine } from '../components/EngineStatus';
import { queueStep, stillToReview } from './queue-order';
import { useTriage } from './triage';

interface QueueInput {
  studyId: number;
  raterId: number;
  slice: number;
  depth: number;
  /** Land on the head of the queue once it is known (the study was opened from the list, not at a chosen slice). */
  openOnQueueHead: boolean;
  goTo(k: number): void;
  /** Another study's queue entry was chosen (all-studies queue). */
  onOpenStudy(studyId: number, slice: number): void;
  /** After a review change: blinding may now show other raters' masks. */
  reloadMasks(): Promise<void>;
  report(e: unknown): void;
}

/** The review queue: triage and its job, the reader's review statuses, the filters, and stepping through it. */
export function useReviewQueue({ studyId, raterId, slice, depth, openOnQueueHead, goTo, onOpenStudy, reloadMasks, report }: QueueInput) {
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

  const order = useMemo(() => (unreviewedOnly ? triage.queue.items.filter((i) => stillToReview(i.status)) : triage.queue.items), [triage.queue.items, unreviewedOnly]);
  // The queue position last opened: a slice with two ROIs is in the list twice, and stepping goes on from the one chosen.
  const cursor = useRef<QueueItem | null>(null);
  const open = useCallback(
    (item: QueueItem) => {
      cursor.current = item;
      if (item.studyId === studyId) goTo(item.sliceIndex);
      else onOpenStudy(item.studyId, item.sliceIndex);
    },
    [studyId, goTo, onOpenStudy],
  );
  const step = useCallback(
    (delta: number) => {
      const here = (i: QueueItem) => i.studyId === studyId && i.sliceIndex === slice;
      const c = cursor.current;
      const fromCursor = c && here(c) ? order.findIndex((i) => here(i) && i.roiId === c.roiId) : -1;
      const next = queueStep(order.length, fromCursor >= 0 ? fromCursor : order.findIndex(here), delta);
      if (next !== null) open(order[next]);
    },
    [order, studyId, slice, open],
  );

  // Opening a study lands on the head of its queue, once: a queue that fills later (a triage started now) does not move
  // the reader, nor does a queue answer that arrives after the reader has already moved to another slice.
  const landed = useRef(false);
  const openedAt = useRef(slice);
  useEffect(() => {
    if (landed.current || !triage.queue.loaded) return;
    landed.current = true;
    const head = triage.queue.items.find((i) => i.studyId === studyId);
    if (openOnQueueHead && head && slice === openedAt.current) open(head);
  }, [triage.queue, studyId, openOnQueueHead, open, slice]);

  // Before any triage, the study's own count is its slices and the reader's own statuses.
  const q = triage.queue;
  const counted = q.total > 0 || allStudies;
  const own = [...statuses.values()];
  const reviewed = counted ? q.reviewed : own.filter((v) => v === 'reviewed').length;
  const secondLook = counted ? q.secondLook : own.filter((v) => v === 'second-look').length;
  const total = counted ? q.total : depth;
  return {
    triage,
    engine,
    status: statuses.get(slice) ?? ('unreviewed' as ReviewStatus),
    counts: { reviewed, secondLook, unreviewed: total - reviewed - secondLook, total },
    /** Share of the summed slice scores on slices nobody has settled; null before triage. */
    unsettledShare: q.scoreTotal > 0 ? q.scoreUnsettled / q.scoreTotal : null,
    unreviewedOnly,
    allStudies,
    toggleUnreviewed: () => setUnreviewedOnly((u) => !u),
    toggleAllStudies: () => setAllStudies((a) => !a),
    setReview,
    open,
    step,
  };
}
