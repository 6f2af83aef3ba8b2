import type { DisplayVolume } from '../views/vtkImage';

/** A 0/1 mask a tool edits in place. */
export interface MaskGrid {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A numeric tool setting with its limits, declared once by the tool that owns it (sliders, keys and clamping read it). */
export interface NumberSetting {
  /** Key in the tool store; also the slider's test id. */
  id: string;
  /** The slider's caption for a value ("Brush size 7 px"). */
  caption(value: number): string;
  min: number;
  max: number;
  step: number;
  initial: number;
}

/** One edit of the mask on screen, from pointer-down to pointer-up; see AnnotationEditor.beginEdit. */
export interface MaskEdit {
  grid: MaskGrid;
  /** Change the mask in place; return false when nothing changed. Ignored once the slice has changed under it. */
  apply(change: (grid: MaskGrid) => boolean | void): void;
  /** Finish: records undo and autosaves when anything changed. */
  end(): void;
}

/** What a tool can reach while it works: the mask editor, the image under it and the current setting values. */
export interface ToolContext {
  beginEdit(): MaskEdit | null;
  volume: DisplayVolume;
  slice: number;
  /** Current values of every setting in the tool store, by setting id. */
  values: Readonly<Record<string, number>>;
  /** Adds a region of interest centred on a voxel (column, row, slice); absent where ROIs cannot be made. */
  addRoi?(center: [number, number, number]): void;
}

/** A pointer gesture a tool started on pointer-down (image pixel coordinates). */
export interface Gesture {
  move(i: number, j: number): void;
  end(i: number, j: number): void;
}

export interface Tool {
  id: string;
  /** Button text. */
  label: string;
  /** What it does, for the help overlay and the tooltips. */
  description: string;
  /** Default key (one action of the action table activates the tool). */
  key: string;
  /** CSS cursor over the slice view (`none` when the tool draws its own). */
  cursor: string;
  settings: readonly NumberSetting[];
  /** Named sets of setting values, shown as buttons under the sliders (the threshold brush's HU ranges). */
  presets?: readonly { label: string; values: Readonly<Record<string, number>> }[];
  /** The tool reads image intensities: the panel says in which units (HU, or this study's pixel values). */
  usesIntensity?: boolean;
  /**
   * Left-button press without modifiers on image pixel (i, j). A tool without it leaves the left drag to
   * window/level; one with it owns the press, and may return the gesture that follows the drag.
   */
  pointerDown?(ctx: ToolContext, i: number, j: number): Gesture | void;
  /** Draws the tool's own cursor into the overlay canvas, in image pixel coordinates; `pixel` is one screen pixel in image units. */
  drawCursor?(g: CanvasRenderingContext2D, i: number, j: number, values: Readonly<Record<string, number>>, pixel: number): void;
}
