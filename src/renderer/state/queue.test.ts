import { describe, expect, it } from 'vitest';
import type { QueueItem } from '../../shared/api';
import { queueStep, scorePercentiles, stillToReview } from './queue-order';

describe('the review queue', () => {
  it('steps one item along the list from a queue slice, and from any other slice N goes to the head, P to the tail', () => {
    expect(queueStep(5, 0, 1)).toBe(1);
    expect(queueStep(5, 4, 1)).toBe(4);
    expect(queueStep(5, 0, -1)).toBe(0);
    expect(queueStep(5, 3, -1)).toBe(2);
    expect(queueStep(5, -1, 1)).toBe(0);
    expect(queueStep(5, -1, -1)).toBe(4);
    expect(queueStep(0, -1, 1)).toBeNull();
  });

  it('"Unreviewed only" keeps slices to review and those flagged for a second look', () => {
    expect(stillToReview('unreviewed')).toBe(true);
    expect(stillToReview('second-look')).toBe(true);
    expect(stillToReview('reviewed')).toBe(false);
  });

  it('gives each score the share of the queue that scores lower, ties alike', () => {
    const item = (score: number) => ({ score }) as QueueItem;
    const items = [item(9), item(5), item(5), item(1)];
    const p = scorePercentiles(items);
    expect(items.map((i) => p.get(i))).toEqual([75, 25, 25, 0]);
  });
});
