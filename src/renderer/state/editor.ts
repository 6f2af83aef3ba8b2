import { useEffect, useState, useSyncExternalStore } from 'react';
import type { MaskSource, Response } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { masksEqual, packMask, unpackMask } from '../../shared/masks';
import { api } from '../api';
import type { MaskEdit } from '../tools/types';
import { EditHistory } from './history';

export type OtherMask = Response<'annotations.get'>['masks'][number] & { pixels: Uint8Array };

/** One interpolation as annotations.interpolate answered it, for its undo. */
interface Interpolation {
  seq: number;
  studyId: number;
  raterId: number;
  slices: Response<'annotations.interpolate'>['slices'];
}

export interface SliceRef {
  studyId: number;
  sliceIndex: number;
  raterId: number;
  blinded: boolean;
}

export interface EditorState {
  ref: SliceRef | null;
  width: number;
  height: number;
  /** The current rater's mask, 0/1 per pixel (edited in place; `version` changes on every edit). */
  mask: Uint8Array | null;
  revision: number;
  source: MaskSource;
  /** The mask on screen was filled in by slice interpolation and not edited since. */
  interpolated: boolean;
  /** Changes when an edit changed slices other than the one on screen (an interpolation or its undo). */
  studyVersion: number;
  others: OtherMask[];
  hidden: number;
  saving: boolean;
  version: number;
  undo: number;
  redo: number;
  /** Whether `mask` belongs to `ref`: false while another slice's mask loads, and tools then do nothing. */
  editable: boolean;
}

const keyOf = (r: SliceRef) => `${r.studyId}:${r.sliceIndex}`;
const ownerOf = (r: SliceRef) => `${keyOf(r)}:${r.raterId}`;

/**
 * The current rater's mask on the current slice: loads it (blinded or not), applies tools, keeps per-slice
 * undo/redo and autosaves every finished edit through annotations.save with the revision it edited, one save
 * at a time so each carries the revision the previous one produced.
 */
export class AnnotationEditor {
  private state: EditorState = { ref: null, width: 0, height: 0, mask: null, revision: 0, source: 'manual', interpolated: false, studyVersion: 0, others: [], hidden: 0, saving: false, version: 0, undo: 0, redo: 0, editable: false };
  private readonly listeners = new Set<() => void>();
  private readonly history = new EditHistory();
  /** The edit in progress (a stroke being dragged); a slice change cuts it off. */
  private edit: MaskEdit | null = null;
  private saves: Promise<void> = Promise.resolve();
  private pending = 0;
  private loadToken = 0;
  /** Which slice and rater `state.mask` holds; while another slice loads, the old mask must not be edited. */
  private maskOwner = '';
  /** Orders per-slice edits against interpolations (which change many slices at once and are undone together). */
  private seq = 0;
  private interpolations: Interpolation[] = [];

  constructor(private readonly report: (e: unknown) => void) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = () => this.state;

  private set(patch: Partial<EditorState>) {
    const next = { ...this.state, ...patch };
    const counts = next.ref ? this.history.counts(keyOf(next.ref)) : { undo: 0, redo: 0 };
    if (next.ref && this.lastInterpolation(next.ref)) counts.undo++;
    const editable = next.ref !== null && next.mask !== null && ownerOf(next.ref) === this.maskOwner;
    this.state = { ...next, undo: counts.undo, redo: counts.redo, editable };
    for (const l of this.listeners) l();
  }

  async load(ref: SliceRef): Promise<void> {
    const token = ++this.loadToken;
    if (ownerOf(ref) !== this.maskOwner) this.edit = null;
    this.set({ ref });
    try {
      await this.saves; // never read a slice while our own save of it is still in flight
      const res = await api['annotations.get']({ studyId: ref.studyId, sliceIndex: ref.sliceIndex, viewerRaterId: ref.raterId, blinded: ref.blinded });
      if (token !== this.loadToken) return;
      const n = res.width * res.height;
      const own = res.masks.find((m) => m.raterId === ref.raterId);
      const others = res.masks.filter((m) => m.raterId !== ref.raterId).map((m) => ({ ...m, pixels: unpackMask(m.mask, n) }));
      const revision = own?.revision ?? 0;
      // A reload of the slice being edited (after marking it reviewed, say) must not wipe a stroke in progress:
      // when the store holds the revision we already have, our mask is as new or newer.
      if (ownerOf(ref) === this.maskOwner && revision === this.state.revision) {
        this.set({ others, hidden: res.hidden, version: this.state.version + 1 });
        return;
      }
      this.edit = null;
      this.maskOwner = ownerOf(ref);
      this.set({
        width: res.width,
        height: res.height,
        mask: own ? unpackMask(own.mask, n) : new Uint8Array(n),
        revision,
        source: own?.source ?? 'manual',
        interpolated: own?.interpolated ?? false,
        others,
        hidden: res.hidden,
        version: this.state.version + 1,
      });
    } catch (e) {
      this.report(e);
    }
  }

  reload(): Promise<void> {
    return this.state.ref ? this.load(this.state.ref) : Promise.resolve();
  }

  /** The mask, when it belongs to the slice on screen (not the previous one while the next loads). */
  private editable(): Uint8Array | null {
    return this.state.editable ? this.state.mask : null;
  }

  /** Start an edit of the mask on screen (a tool's gesture); null while the slice's mask is still loading. */
  beginEdit(): MaskEdit | null {
    const { width, height } = this.state;
    const mask = this.editable();
    if (!mask) return null;
    const before = mask.slice();
    let changed = false;
    const edit: MaskEdit = {
      grid: { width, height, data: mask },
      apply: (change) => {
        if (this.edit !== edit) return;
        if (change(edit.grid) === false) return;
        changed = true;
        this.bump();
      },
      end: () => {
        if (this.edit !== edit) return;
        this.edit = null;
        if (changed) this.commit(before);
      },
    };
    this.edit = edit;
    return edit;
  }

  /** Replace the whole mask (model mean, a sample, clear). */
  replace(pixels: Uint8Array, source: MaskSource): void {
    const mask = this.editable();
    if (!mask || pixels.length !== mask.length) return;
    if (source === this.state.source && masksEqual(mask, pixels)) return; // a clean-up that found nothing: no empty undo step
    const before = mask.slice();
    mask.set(pixels);
    this.state.source = source;
    this.commit(before);
  }

  undo(): void {
    const { ref } = this.state;
    const last = ref && this.lastInterpolation(ref);
    if (ref && last && last.seq > this.history.lastSeq(keyOf(ref))) void this.undoInterpolation(last);
    else this.step('undo');
  }

  /**
   * Interpolates the rater's slices between their drawings (annotations.interpolate: one transaction in main) and
   * keeps what each filled slice held before, so that one undo takes the whole interpolation back.
   */
  async interpolate(): Promise<number[]> {
    const { ref } = this.state;
    if (!ref) return [];
    await this.saves;
    try {
      const res = await api['annotations.interpolate']({ studyId: ref.studyId, raterId: ref.raterId });
      if (res.slices.length) this.interpolations.push({ seq: ++this.seq, studyId: ref.studyId, raterId: ref.raterId, slices: res.slices });
      this.set({ studyVersion: this.state.studyVersion + 1 });
      await this.reload();
      return res.slices.map((s) => s.sliceIndex);
    } catch (e) {
      this.report(e);
      return [];
    }
  }

  private lastInterpolation(ref: SliceRef): Interpolation | undefined {
    const last = this.interpolations[this.interpolations.length - 1];
    return last && last.studyId === ref.studyId && last.raterId === ref.raterId ? last : undefined;
  }

  /** Puts back what each slice held before; a slice the rater has edited since (its revision moved on) keeps the edit. */
  private async undoInterpolation(step: Interpolation) {
    this.interpolations.pop();
    this.set({});
    this.saves = this.saves.then(async () => {
      for (const s of step.slices) {
        try {
          await api['annotations.save']({ studyId: step.studyId, sliceIndex: s.sliceIndex, raterId: step.raterId, mask: s.previous, source: 'manual', baseRevision: s.revision });
        } catch (e) {
          if (ApiError.from(e).code !== 'conflict') this.report(e);
        }
      }
    });
    await this.saves;
    this.maskOwner = ''; // the slice on screen may be one of them: read it again even at an unchanged revision
    this.set({ studyVersion: this.state.studyVersion + 1 });
    await this.reload();
  }

  redo(): void {
    this.step('redo');
  }

  private step(direction: 'undo' | 'redo') {
    const { ref } = this.state;
    const mask = this.editable();
    if (!ref || !mask) return;
    const next = direction === 'undo' ? this.history.undo(keyOf(ref), mask) : this.history.redo(keyOf(ref), mask);
    if (!next) return;
    mask.set(next);
    this.state.interpolated = false;
    this.bump();
    this.save();
  }

  private bump() {
    this.set({ version: this.state.version + 1 });
  }

  private commit(before: Uint8Array) {
    const { ref } = this.state;
    if (!ref) return;
    this.history.record(keyOf(ref), before, ++this.seq);
    this.state.interpolated = false; // the rater's own edit: the save below is theirs, not the interpolation's
    this.bump();
    this.save();
  }

  /** Queue a save of the mask as it is now; the snapshot is taken immediately so later strokes do not leak in. */
  private save() {
    const { ref, mask, source } = this.state;
    if (!ref || !mask) return;
    const packed = packMask(mask);
    this.pending++;
    this.set({ saving: true });
    this.saves = this.saves.then(async () => {
      try {
        const sameSlice = () => this.state.ref && keyOf(this.state.ref) === keyOf(ref) && this.state.ref.raterId === ref.raterId;
        const res = await api['annotations.save']({ studyId: ref.studyId, sliceIndex: ref.sliceIndex, raterId: ref.raterId, mask: packed, source, baseRevision: this.state.revision });
        if (sameSlice()) this.state.revision = res.revision;
      } catch (e) {
        this.report(e);
        if (ApiError.from(e).code === 'conflict') void this.reload();
      } finally {
        this.pending--;
        this.set({ saving: this.pending > 0 });
      }
    });
  }

  /** Resolves when every queued save has been answered. */
  flushed(): Promise<void> {
    return this.saves;
  }
}

/** The editor of one workspace, loading the mask of `ref` whenever it changes. */
export function useAnnotationEditor(ref: SliceRef, report: (e: unknown) => void): [AnnotationEditor, EditorState] {
  const [editor] = useState(() => new AnnotationEditor(report));
  const state = useSyncExternalStore(editor.subscribe, editor.snapshot);
  const { studyId, sliceIndex, raterId, blinded } = ref;
  useEffect(() => {
    void editor.load({ studyId, sliceIndex, raterId, blinded });
  }, [editor, studyId, sliceIndex, raterId, blinded]);
  return [editor, state];
}
