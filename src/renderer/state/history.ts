import { packMask, unpackMask } from '../../shared/masks';

interface Snapshot {
  mask: Uint8Array;
  /** When the edit it undoes was made (a counter of the editor), to order it against multi-slice steps. */
  seq: number;
}

/** Unlimited undo/redo per slice. Snapshots are kept bit-packed (1/8 of the mask) so long sessions stay small. */
export class EditHistory {
  private readonly stacks = new Map<string, { past: Snapshot[]; future: Snapshot[] }>();

  private stack(key: string) {
    let s = this.stacks.get(key);
    if (!s) {
      s = { past: [], future: [] };
      this.stacks.set(key, s);
    }
    return s;
  }

  /** Record the state before an edit; a new edit drops what could have been redone. */
  record(key: string, before: Uint8Array, seq = 0): void {
    const s = this.stack(key);
    s.past.push({ mask: packMask(before), seq });
    s.future = [];
  }

  undo(key: string, current: Uint8Array): Uint8Array | null {
    const s = this.stack(key);
    const previous = s.past.pop();
    if (!previous) return null;
    s.future.push({ mask: packMask(current), seq: previous.seq });
    return unpackMask(previous.mask, current.length);
  }

  redo(key: string, current: Uint8Array): Uint8Array | null {
    const s = this.stack(key);
    const next = s.future.pop();
    if (!next) return null;
    s.past.push({ mask: packMask(current), seq: next.seq });
    return unpackMask(next.mask, current.length);
  }

  /** The `seq` of the edit an undo on this slice would revert (-1: none). */
  lastSeq(key: string): number {
    const past = this.stacks.get(key)?.past;
    return past?.length ? past[past.length - 1].seq : -1;
  }

  counts(key: string): { undo: number; redo: number } {
    const s = this.stacks.get(key);
    return { undo: s?.past.length ?? 0, redo: s?.future.length ?? 0 };
  }
}
