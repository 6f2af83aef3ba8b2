import { describe, expect, it } from 'vitest';
import { BRUSH_RADIUS } from './brush';
import { TOOLS } from './registry';
import { ToolStore } from './store';

describe('tool store', () => {
  it('switches the active tool and keeps a setting inside the limits its tool declares', () => {
    const store = new ToolStore();
    expect(store.snapshot().active.id).toBe('navigate');
    store.activate('eraser');
    expect(store.snapshot().active.id).toBe('eraser');
    expect(store.snapshot().values[BRUSH_RADIUS.id]).toBe(BRUSH_RADIUS.initial);
    store.step(BRUSH_RADIUS, 100);
    expect(store.snapshot().values[BRUSH_RADIUS.id]).toBe(BRUSH_RADIUS.max);
    store.set(BRUSH_RADIUS, -4);
    expect(store.snapshot().values[BRUSH_RADIUS.id]).toBe(BRUSH_RADIUS.min);
  });

  it('has one id and one key per tool', () => {
    expect(new Set(TOOLS.map((t) => t.id)).size).toBe(TOOLS.length);
    expect(new Set(TOOLS.map((t) => t.key)).size).toBe(TOOLS.length);
  });
});
