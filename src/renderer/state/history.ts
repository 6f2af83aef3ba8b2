import { packMask, unpackMask } from '../../shared/masks';

/** Unlimited undo/redo per slice. Snapshots are kept bit-packed (1/8 of the mask) so long sessions stay small. */
export class EditHistory {
  private readonly stacks = new Map<string, { past: Uint8Array[]; future: Uint8Array[] }>();

  private stack(key: string) {
    let s = this.stacks.get(key);
    if (!s) {
      s = { past: [], future: [] };
      this.stacks.set(key, s);
    }
    return s;
  }

  /** Record the state before an edit; a new edit drops what could have been redone. */
  record(key: string, before: Uint8Array): void {
    const s = this.stack(key);
    s.past.push(packMask(before));
    s.future = [];
  }

  undo(key: string, current: Uint8Array): Uint8Array | null {
    const s = this.stack(key);
    const previous = s.past.pop();
    if (!previous) return null;
    s.future.push(packMask(current));
    return unpackMask(previous, current.length);
  }

  redo(key: string, current: Uint8Array): Uint8Array | null {
    const s = this.stack(key);
    const next = s.future.pop();
    if (!next) return null;
    s.past.push(packMask(current));
    return unpackMask(next, current.length);
  }

  counts(key: string): { undo: number; redo: number } {
    const s = this.stacks.get(key);
    return { undo: s?.past.length ?? 0, redo: s?.future.length ?? 0 };
  }
}
