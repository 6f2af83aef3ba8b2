import { fillHoles, keepLargest, removeIslands } from '../../shared/editing/cleanup';
import type { NumberSetting } from './types';

/** "Remove islands" removes 4-connected pieces of the mask smaller than this. */
export const MIN_ISLAND: NumberSetting = { id: 'min-island', caption: (v) => `Islands under ${v} px`, min: 1, max: 500, step: 1, initial: 20 };

export type CleanUp = 'islands' | 'holes' | 'largest';

/** The clean-up commands on a whole mask (each one undo step and one save in the editor). */
export function cleanUp(which: CleanUp, mask: Uint8Array, width: number, height: number, values: Readonly<Record<string, number>>): Uint8Array {
  if (which === 'islands') return removeIslands(mask, width, height, values[MIN_ISLAND.id]);
  if (which === 'holes') return fillHoles(mask, width, height);
  return keepLargest(mask, width, height);
}
