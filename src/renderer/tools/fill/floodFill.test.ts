import { describe, expect, it } from 'vitest';
import { floodFill } from './floodFill';
import { grid, show } from '../test-grid';

describe('flood fill', () => {
  it('fills the inside of a closed outline and nothing outside it', () => {
    const g = grid(['......', '.####.', '.#..#.', '.#..#.', '.####.', '......']);
    expect(floodFill(g, 2, 2)).toBe(4);
    expect(show(g)).toEqual(['......', '.####.', '.####.', '.####.', '.####.', '......']);
  });

  it('clears a painted blob when clicked on it, leaving a separate blob alone (4-connectivity)', () => {
    const g = grid(['##..', '##..', '..##', '..##']);
    expect(floodFill(g, 0, 0)).toBe(4);
    expect(show(g)).toEqual(['....', '....', '..##', '..##']);
  });

  it('ignores a seed outside the grid', () => {
    const g = grid(['..', '..']);
    expect(floodFill(g, 5, 0)).toBe(0);
    expect(show(g)).toEqual(['..', '..']);
  });
});
