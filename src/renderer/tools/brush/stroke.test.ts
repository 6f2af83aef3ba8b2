import { describe, expect, it } from 'vitest';
import { paintDisc, paintSegment } from './stroke';
import { grid, show } from '../test-grid';

describe('brush', () => {
  it('paints a disc of the given radius, clipped at the border', () => {
    const g = grid(['.....', '.....', '.....', '.....', '.....']);
    paintDisc(g, 0, 0, 1, 1);
    expect(show(g)).toEqual(['##...', '#....', '.....', '.....', '.....']);
    paintDisc(g, 2, 2, 0, 1);
    expect(g.data[2 + 2 * 5]).toBe(1);
  });

  it('leaves no gap along a fast stroke and erases with value 0', () => {
    const g = grid(['..........', '..........', '..........']);
    paintSegment(g, [0, 1], [9, 1], 0, 1);
    expect(show(g)[1]).toBe('##########');
    paintSegment(g, [3, 1], [6, 1], 0, 0);
    expect(show(g)[1]).toBe('###....###');
  });
});
