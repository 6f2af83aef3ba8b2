/**
 * An image volume as every process sees it. Voxel (i, j, k) sits at data[i + j*nx + k*nx*ny]:
 * i = column, j = row (top to bottom on screen), k = slice. Geometry is in DICOM LPS patient space:
 * position = origin + direction * diag(spacing) * [i, j, k], `direction` row-major 3x3 whose columns are
 * the i, j and k axes.
 */
export type VoxelType = 'uint8' | 'int16' | 'int32' | 'float32';
export type VoxelArray = Uint8Array | Int16Array | Int32Array | Float32Array;

/** What the numbers mean: Hounsfield units, or already-windowed 0..255 (LIDC crops), or unknown. */
export type Intensity = 'HU' | 'windowed' | 'raw';

export interface Geometry {
  dims: [number, number, number];
  spacing: [number, number, number];
  origin: [number, number, number];
  direction: [number, number, number, number, number, number, number, number, number];
}

export interface Window {
  width: number;
  level: number;
}

export interface Volume extends Geometry {
  dtype: VoxelType;
  data: VoxelArray;
  intensity: Intensity;
  /** The window to open with: the file's own when it has one, else a default for its intensity. */
  window: Window;
}

export const IDENTITY_DIRECTION: Geometry['direction'] = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export const WINDOW_PRESETS = {
  lung: { width: 1500, level: -600 },
  mediastinum: { width: 350, level: 50 },
  bone: { width: 2000, level: 300 },
  brain: { width: 80, level: 40 },
  abdomen: { width: 400, level: 40 },
  full8bit: { width: 256, level: 127.5 },
} as const satisfies Record<string, Window>;

export function defaultWindow(intensity: Intensity): Window {
  return intensity === 'HU' ? WINDOW_PRESETS.lung : WINDOW_PRESETS.full8bit;
}

export function voxelArrayOf(dtype: VoxelType, length: number): VoxelArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'float32':
      return new Float32Array(length);
  }
}

export function sliceLength(g: Pick<Geometry, 'dims'>): number {
  return g.dims[0] * g.dims[1];
}
