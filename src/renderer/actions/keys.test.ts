import { describe, expect, it } from 'vitest';
import { actionFor, comboOf } from './keys';
import { ACTIONS, type ActionId } from './table';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) =>
  comboOf({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('action keys', () => {
  it('writes key events the way the action table writes keys', () => {
    expect(key('b')).toBe('B');
    expect(key('G', { shiftKey: true })).toBe('Shift+G');
    expect(key('Z', { ctrlKey: true, shiftKey: true })).toBe('Ctrl+Shift+Z');
    expect(key('z', { metaKey: true })).toBe('Ctrl+Z');
    expect(key('?', { shiftKey: true })).toBe('?');
    expect(key('ArrowDown')).toBe('ArrowDown');
  });

  it('finds the action of a key, arrows and tools included, and no key runs two actions', () => {
    const ids = Object.keys(ACTIONS) as ActionId[];
    expect(actionFor(ids, 'ArrowRight')).toEqual({ id: 'slice.next', keyIndex: 1 });
    expect(actionFor(ids, 'B')?.id).toBe('tool.brush');
    expect(actionFor(ids, '4')).toEqual({ id: 'window.preset', keyIndex: 3 });
    expect(actionFor(ids, 'Alt+B')).toBeNull();
    const keys = ids.flatMap((id) => ACTIONS[id].keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
