import { describe, expect, it } from 'vitest';
import { EditHistory } from './history';

describe('per-slice undo/redo', () => {
  it('undoes and redoes any number of steps, separately for each slice', () => {
    const h = new EditHistory();
    let mask: Uint8Array = new Uint8Array(20);
    const states: Uint8Array[] = [mask.slice()];
    for (let step = 0; step < 12; step++) {
      h.record('1:0', mask);
      mask = mask.slice();
      mask[step] = 1;
      states.push(mask.slice());
    }
    h.record('1:5', new Uint8Array(20).fill(1));
    for (let step = 11; step >= 0; step--) {
      mask = h.undo('1:0', mask)!;
      expect(Array.from(mask)).toEqual(Array.from(states[step]));
    }
    expect(h.undo('1:0', mask)).toBeNull();
    for (let step = 1; step <= 12; step++) {
      mask = h.redo('1:0', mask)!;
      expect(Array.from(mask)).toEqual(Array.from(states[step]));
    }
    expect(h.counts('1:0')).toEqual({ undo: 12, redo: 0 });
    expect(h.counts('1:5')).toEqual({ undo: 1, redo: 0 });
  });

  it('drops the redo branch when a new edit is made after an undo', () => {
    const h = new EditHistory();
    const a = new Uint8Array([0, 0, 0]);
    const b = new Uint8Array([1, 0, 0]);
    h.record('k', a);
    const back = h.undo('k', b)!;
    expect(h.counts('k')).toEqual({ undo: 0, redo: 1 });
    h.record('k', back);
    expect(h.counts('k')).toEqual({ undo: 1, redo: 0 });
    expect(h.redo('k', new Uint8Array([0, 0, 1]))).toBeNull();
  });
});

describe('ordering against multi-slice steps', () => {
  it('tells the seq of the edit an undo would revert, following undo and redo', () => {
    const h = new EditHistory();
    const mask = new Uint8Array(8);
    expect(h.lastSeq('1:0')).toBe(-1);
    h.record('1:0', mask, 3);
    h.record('1:0', mask, 7);
    expect(h.lastSeq('1:0')).toBe(7);
    h.undo('1:0', mask);
    expect(h.lastSeq('1:0')).toBe(3);
    h.redo('1:0', mask);
    expect(h.lastSeq('1:0')).toBe(7);
  });
});
