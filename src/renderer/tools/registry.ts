import { brush } from './brush';
import { eraser } from './eraser';
import { fill } from './fill';
import { navigate } from './navigate';
import { roi } from './roi';
import { threshold } from './threshold';
import { MIN_ISLAND } from './cleanup';
import type { NumberSetting, Tool } from './types';

/** Every tool, in toolbar order. Adding a tool: a folder exporting a `Tool`, and one line here. */
export const TOOLS: readonly Tool[] = [navigate, brush, threshold, eraser, fill, roi];

export const DEFAULT_TOOL = navigate.id;

export function toolById(id: string): Tool {
  return TOOLS.find((t) => t.id === id) ?? navigate;
}

/**
 * Every setting of every tool once (tools may share one, as the brush and the eraser share the size), and those
 * of the clean-up commands, which act on the whole mask without a tool.
 */
export const SETTINGS: readonly NumberSetting[] = [...new Map([...TOOLS.flatMap((t) => t.settings), MIN_ISLAND].map((s) => [s.id, s])).values()];
