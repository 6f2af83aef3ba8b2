import { TOOLS } from '../tools/registry';

export type ActionGroup = 'Navigate' | 'Review queue' | 'Annotate' | 'Overlays';

/**
 * A command of the app: its label (help overlay and tooltips) and default keys, in the form `comboOf` produces:
 * letters upper case, modifiers `Ctrl+` (Cmd on macOS), `Alt+`, `Shift+` (the latter only for letters and named
 * keys; a symbol such as `?` already says its shift). The handler is bound where the state lives (App or
 * Workspace), by id, and the binding types make a missing handler a compile error.
 */
export interface ActionSpec {
  label: string;
  group: ActionGroup;
  keys: readonly string[];
  /** The keys as the help shows them, when not simply the list. */
  shown?: string;
  /** `app` actions work with no study open and while the help is shown. */
  scope: 'app' | 'workspace';
}

const STATIC_ACTIONS = {
  'slice.previous': { label: 'Previous slice', group: 'Navigate', keys: ['ArrowUp', 'ArrowLeft'], shown: '↑ / ←', scope: 'workspace' },
  'slice.next': { label: 'Next slice', group: 'Navigate', keys: ['ArrowDown', 'ArrowRight'], shown: '↓ / →', scope: 'workspace' },
  'slice.back10': { label: '10 slices back', group: 'Navigate', keys: ['PageUp'], scope: 'workspace' },
  'slice.forward10': { label: '10 slices forward', group: 'Navigate', keys: ['PageDown'], scope: 'workspace' },
  'slice.first': { label: 'First slice', group: 'Navigate', keys: ['Home'], scope: 'workspace' },
  'slice.last': { label: 'Last slice', group: 'Navigate', keys: ['End'], scope: 'workspace' },
  'window.preset': { label: 'Window presets', group: 'Navigate', keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], shown: '1 – 9', scope: 'workspace' },
  'view.reset': { label: 'Reset zoom and pan', group: 'Navigate', keys: ['0'], scope: 'workspace' },

  'queue.next': { label: 'Next slice in the queue', group: 'Review queue', keys: ['J', 'N'], scope: 'workspace' },
  'queue.previous': { label: 'Previous slice in the queue', group: 'Review queue', keys: ['K', 'P'], scope: 'workspace' },
  'review.reviewed': { label: 'Mark slice reviewed', group: 'Review queue', keys: ['R'], scope: 'workspace' },
  'review.second-look': { label: 'Mark slice for a second look', group: 'Review queue', keys: ['L'], scope: 'workspace' },
  'review.unreviewed': { label: 'Mark slice unreviewed', group: 'Review queue', keys: ['U'], scope: 'workspace' },
  'triage.start': { label: 'Run triage on this study', group: 'Review queue', keys: ['T'], scope: 'workspace' },
  'jump.disagreement': { label: 'Jump to the slice where raters disagree most', group: 'Review queue', keys: ['D'], scope: 'workspace' },

  'brush.smaller': { label: 'Smaller brush', group: 'Annotate', keys: ['['], scope: 'workspace' },
  'brush.larger': { label: 'Larger brush', group: 'Annotate', keys: [']'], scope: 'workspace' },
  'mask.from-mean': { label: "Start from the model's mean mask", group: 'Annotate', keys: ['M'], scope: 'workspace' },
  'mask.from-sample': { label: 'Start from the sample shown', group: 'Annotate', keys: ['S'], scope: 'workspace' },
  'mask.from-closest': { label: 'Start from the sample closest to your mask (by Dice)', group: 'Annotate', keys: ['C'], scope: 'workspace' },
  'mask.interpolate': { label: 'Interpolate the slices between your drawings', group: 'Annotate', keys: ['Shift+I'], shown: 'Shift + I', scope: 'workspace' },
  'mask.remove-islands': { label: 'Remove islands smaller than the size set', group: 'Annotate', keys: ['Shift+R'], shown: 'Shift + R', scope: 'workspace' },
  'mask.fill-holes': { label: 'Fill holes in the mask', group: 'Annotate', keys: ['Shift+F'], shown: 'Shift + F', scope: 'workspace' },
  'mask.keep-largest': { label: 'Keep only the largest piece of the mask', group: 'Annotate', keys: ['Shift+L'], shown: 'Shift + L', scope: 'workspace' },
  'mask.clear': { label: 'Clear the mask', group: 'Annotate', keys: ['Delete'], scope: 'workspace' },
  'edit.undo': { label: 'Undo', group: 'Annotate', keys: ['Ctrl+Z'], shown: 'Ctrl + Z', scope: 'workspace' },
  'edit.redo': { label: 'Redo', group: 'Annotate', keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], shown: 'Ctrl + Shift + Z, Ctrl + Y', scope: 'workspace' },

  'overlay.mean': { label: 'Mean-mask contour on / off', group: 'Overlays', keys: ['O'], scope: 'workspace' },
  'overlay.heat': { label: 'Uncertainty heat map on / off', group: 'Overlays', keys: ['H'], scope: 'workspace' },
  'overlay.raters': { label: "Other raters' masks on / off", group: 'Overlays', keys: ['A'], scope: 'workspace' },
  'overlay.outline': { label: 'Masks as outlines / filled', group: 'Overlays', keys: ['W'], scope: 'workspace' },
  'sample.next': { label: 'Next model sample', group: 'Overlays', keys: ['G'], scope: 'workspace' },
  'sample.previous': { label: 'Previous model sample', group: 'Overlays', keys: ['Shift+G'], shown: 'Shift + G', scope: 'workspace' },
  'overlay.error': { label: 'Error map on / off', group: 'Overlays', keys: ['X'], scope: 'workspace' },
  'help.toggle': { label: 'This help', group: 'Overlays', keys: ['?'], scope: 'app' },
  'dialog.close': { label: 'Close dialogs', group: 'Overlays', keys: ['Escape'], shown: 'Esc', scope: 'app' },
} as const satisfies Record<string, ActionSpec>;

/** Tools are activated by `tool.<id>` actions, one per tool of the registry, with the tool's own key. */
const TOOL_ACTIONS = Object.fromEntries(
  TOOLS.map((t) => [`tool.${t.id}`, { label: t.description, group: 'Annotate', keys: [t.key], scope: 'workspace' } satisfies ActionSpec]),
) as Record<`tool.${string}`, ActionSpec>;

type StaticId = keyof typeof STATIC_ACTIONS;
export type ActionId = StaticId | `tool.${string}`;
export type ScopedId<S extends ActionSpec['scope']> = { [K in StaticId]: (typeof STATIC_ACTIONS)[K]['scope'] extends S ? K : never }[StaticId];

/** The action table: every command once, in help order (tool actions right after the Annotate heading). */
export const ACTIONS: Record<ActionId, ActionSpec> = { ...TOOL_ACTIONS, ...STATIC_ACTIONS };

/** "Brush (B)": a button's tooltip from the action it runs. */
export function tooltip(id: ActionId): string {
  const a = ACTIONS[id];
  return `${a.label} (${a.shown ?? a.keys.join(' / ')})`;
}

/** Mouse gestures of the slice view: not actions (no key), listed in the help beside them. */
export const GESTURES: readonly [gesture: string, what: string][] = [
  ['Wheel', 'Previous / next slice'],
  ['Ctrl + wheel, right drag', 'Zoom'],
  ['Shift + drag, middle drag', 'Pan'],
  ['Left drag (navigate tool), Alt + drag', 'Window / level'],
];
