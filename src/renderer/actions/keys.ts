import { useLayoutEffect, useRef } from 'react';
import { ACTIONS, type ActionId, type ActionSpec } from './table';

/** A key event as the action table writes keys: `Ctrl+Shift+Z`, `G`, `Shift+G`, `ArrowUp`, `?`. */
export function comboOf(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): string {
  const letter = /^[a-z]$/i.test(e.key);
  const named = e.key.length > 1;
  const parts = [e.ctrlKey || e.metaKey ? 'Ctrl' : '', e.altKey ? 'Alt' : '', e.shiftKey && (letter || named) ? 'Shift' : ''];
  return [...parts.filter(Boolean), letter ? e.key.toUpperCase() : e.key].join('+');
}

/** Keys a slider uses for itself while it has the focus. */
const SLIDER_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'PageUp', 'PageDown', 'Home', 'End']);
const NOT_TEXT = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file']);

/**
 * Whether a focused control owns this key: text fields own every key, a slider (range input) only its own
 * arrow/page/home/end keys, so a letter shortcut still works after an opacity slider was touched.
 */
export function ownedByControl(target: EventTarget | null, combo: string): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (!(target instanceof HTMLInputElement)) return false;
  if (target.type === 'range') return SLIDER_KEYS.has(combo);
  return !NOT_TEXT.has(target.type);
}

/** Which action, and which of its keys, a combo runs among these ids. */
export function actionFor(ids: readonly ActionId[], combo: string): { id: ActionId; keyIndex: number } | null {
  for (const id of ids) {
    const keyIndex = (ACTIONS[id] as ActionSpec).keys.indexOf(combo);
    if (keyIndex >= 0) return { id, keyIndex };
  }
  return null;
}

export type ActionHandlers<Id extends ActionId> = Record<Id, (keyIndex: number) => void>;

/**
 * Runs the bound actions on their keys while `enabled`. The handlers object may change every render: the
 * window listener is installed once and reads the latest one. Both happen in the commit (layout effects), not
 * after the paint: a key pressed as soon as a view appears (a workspace remounted for another rater) must reach
 * that view's handlers, not the unmounted one's.
 */
export function useActionKeys<Id extends ActionId>(handlers: ActionHandlers<Id>, enabled = true): void {
  const latest = useRef({ handlers, enabled });
  useLayoutEffect(() => {
    latest.current = { handlers, enabled };
  });
  useLayoutEffect(() => {
    const listener = (e: KeyboardEvent) => {
      const { handlers: bound, enabled: on } = latest.current;
      if (!on) return;
      const combo = comboOf(e);
      if (ownedByControl(e.target, combo)) return;
      const hit = actionFor(Object.keys(bound) as Id[], combo);
      if (!hit) return;
      e.preventDefault();
      bound[hit.id as Id](hit.keyIndex);
    };
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);
}
