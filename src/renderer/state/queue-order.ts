/** The queue's order and filters, apart from React and the API so that they can be tested on their own. */
import type { QueueItem, ReviewStatus } from '../../shared/api';

/**
 * What "Unreviewed only" keeps: slices still to review, and those someone asked to look at again. Any other status
 * (reviewed, and statuses added later such as final) is done for this reader.
 */
export const stillToReview = (status: ReviewStatus) => status === 'unreviewed' || status === 'second-look';

/**
 * Where N / P go from `at` (the queue position the reader is on, -1 when the slice shown is not in the list):
 * one step along the list from a queue slice; from any other slice N goes to the head and P to the tail,
 * so that N never skips the items the reader has not seen.
 */
export function queueStep(length: number, at: number, delta: number): number | null {
  if (length === 0) return null;
  if (at < 0) return delta > 0 ? 0 : length - 1;
  return Math.max(0, Math.min(length - 1, at + delta));
}

/**
 * Each score as a percentile of the queue: the share of its items that score lower. A raw score (uncertainty
 * summed over the lesion's pixels, in nats) depends on lesion size and sampling, a percentile reads the same anywhere.
 */
export function scorePercentiles(items: QueueItem[]): Map<QueueItem, number> {
  const sorted = items.map((i) => i.score).sort((a, b) => a - b);
  const below = (score: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < score) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return new Map(items.map((i) => [i, Math.round((100 * below(i.score)) / Math.max(1, items.length))]));
}
