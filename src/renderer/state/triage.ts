import { useCallback, useEffect, useRef, useState } from 'react';
import type { Job, QueueItem } from '../../shared/api';
import { api } from '../api';

export interface QueueState {
  /** False until the first answer of triage.queue for this study has come. */
  loaded: boolean;
  items: QueueItem[];
  reviewed: number;
  secondLook: number;
  unreviewed: number;
  total: number;
  /** The done rule: the summed scores, and those on slices nobody has settled (see triage.queue). */
  scoreTotal: number;
  scoreUnsettled: number;
  /** What the runs behind the items warned about (resampling, spacing outside the model's range, none known). */
  warnings: string[];
}

const EMPTY: QueueState = { loaded: false, items: [], reviewed: 0, secondLook: 0, unreviewed: 0, total: 0, scoreTotal: 0, scoreUnsettled: 0, warnings: [] };
const terminal = (j: Job) => j.state === 'done' || j.state === 'failed' || j.state === 'cancelled';

/**
 * The review queue of one study for one rater, and the triage job that fills it. While a job runs the queue is
 * re-read with every progress poll, so the head of the queue is usable before the study is done.
 */
/** `allStudies` ranks every triaged slice of every study together; triage itself always runs on `studyId`. */
export function useTriage(studyId: number, raterId: number, allStudies: boolean, report: (e: unknown) => void) {
  const [queue, setQueue] = useState<QueueState>(EMPTY);
  const [job, setJob] = useState<Job | null>(null);
  const [resultsVersion, setResultsVersion] = useState(0);
  const timer = useRef<number | null>(null);

  const fetchQueue = useCallback(
    () =>
      api['triage.queue']({ studyId: allStudies ? null : studyId, raterId }).then(
        (q): QueueState => ({ ...q, loaded: true, items: [...q.items].sort((a, b) => b.score - a.score), warnings: [...new Set(q.warnings.map((w) => w.message))] }),
      ),
    [studyId, raterId, allStudies],
  );
  const refreshQueue = useCallback(() => fetchQueue().then(setQueue, report), [fetchQueue, report]);

  const stopPolling = () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
  };

  const poll = useCallback(
    (jobId: string) => {
      stopPolling();
      const tick = async () => {
        try {
          const j = await api['jobs.get']({ jobId });
          setJob(j);
          await refreshQueue();
          setResultsVersion((v) => v + 1);
          if (j.state === 'failed' && j.error) report(new Error(`Triage failed: ${j.error}`));
          if (!terminal(j)) timer.current = window.setTimeout(tick, 700);
        } catch (e) {
          report(e);
        }
      };
      timer.current = window.setTimeout(tick, 300);
    },
    [refreshQueue, report],
  );

  useEffect(() => {
    fetchQueue().then(setQueue, report);
    // Pick up a triage that is already running on this study (started elsewhere or before a reload).
    api['jobs.list']({}).then((jobs) => {
      const running = jobs.find((j) => j.studyId === studyId && !terminal(j));
      if (running) {
        setJob(running);
        poll(running.id);
      }
    }, report);
    return stopPolling;
  }, [studyId, fetchQueue, poll, report]);

  const start = useCallback(async () => {
    try {
      const j = await api['triage.start']({ studyId });
      setJob(j);
      poll(j.id);
    } catch (e) {
      report(e);
    }
  }, [studyId, poll, report]);

  const cancel = useCallback(async () => {
    if (!job) return;
    try {
      setJob(await api['jobs.cancel']({ jobId: job.id }));
    } catch (e) {
      report(e);
    }
  }, [job, report]);

  return { queue, job, start, cancel, refreshQueue, resultsVersion };
}
