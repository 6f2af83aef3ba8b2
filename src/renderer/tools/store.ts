import { useState, useSyncExternalStore } from 'react';
import { DEFAULT_TOOL, SETTINGS, toolById } from './registry';
import type { NumberSetting, Tool } from './types';

export interface ToolState {
  active: Tool;
  /** Every tool setting's value, by setting id. */
  values: Readonly<Record<string, number>>;
}

const clamp = (s: NumberSetting, v: number) => Math.min(s.max, Math.max(s.min, v));

/** The active tool and the value of every tool setting, clamped to the limits the owning tool declares. */
export class ToolStore {
  private state: ToolState = { active: toolById(DEFAULT_TOOL), values: Object.fromEntries(SETTINGS.map((s) => [s.id, s.initial])) };
  private readonly listeners = new Set<() => void>();

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = () => this.state;

  activate(id: string): void {
    this.update({ active: toolById(id) });
  }

  set(setting: NumberSetting, value: number): void {
    this.update({ values: { ...this.state.values, [setting.id]: clamp(setting, value) } });
  }

  /** Move a setting by `steps` of its step size (the [ and ] keys on the brush size). */
  step(setting: NumberSetting, steps: number): void {
    this.set(setting, this.state.values[setting.id] + steps * setting.step);
  }

  private update(patch: Partial<ToolState>) {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
}

export function useToolStore(): [ToolStore, ToolState] {
  const [store] = useState(() => new ToolStore());
  return [store, useSyncExternalStore(store.subscribe, store.snapshot)];
}
