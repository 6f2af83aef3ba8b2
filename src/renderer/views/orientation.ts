import type { Geometry } from '../../shared/volume';

export interface OrientationLabels {
  left: string;
  right: string;
  top: string;
  bottom: string;
}

export type Vec3 = [number, number, number];

/** The patient-direction letters of an LPS vector, strongest axis first (e.g. "L", "LP"). */
export function directionLetters(v: Vec3): string {
  const letters: [string, string][] = [
    ['L', 'R'],
    ['P', 'A'],
    ['S', 'I'],
  ];
  return [0, 1, 2]
    .filter((a) => Math.abs(v[a]) > 0.25)
    .sort((a, b) => Math.abs(v[b]) - Math.abs(v[a]))
    .map((a) => (v[a] > 0 ? letters[a][0] : letters[a][1]))
    .join('');
}

export const neg = (v: Vec3): Vec3 => [-v[0], -v[1], -v[2]];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** The LPS direction of index axis 0 (i), 1 (j) or 2 (k). */
export function axisLps(direction: Geometry['direction'], axis: 0 | 1 | 2): Vec3 {
  return [direction[axis], direction[3 + axis], direction[6 + axis]];
}

/** An index-space vector in LPS. */
export function indexToLps(direction: Geometry['direction'], v: Vec3): Vec3 {
  return [0, 1, 2].map((r) => direction[r * 3] * v[0] + direction[r * 3 + 1] * v[1] + direction[r * 3 + 2] * v[2]) as Vec3;
}

/**
 * Which way each index axis must run on screen for the radiological convention: patient left on screen right,
 * posterior down in axial, superior up in coronal and sagittal, anterior on the left in sagittal.
 * Returns +1 when the axis runs along the wanted LPS direction, -1 when it runs against it.
 */
export function axisSigns(direction: Geometry['direction']): { i: 1 | -1; j: 1 | -1; k: 1 | -1 } {
  const s = (v: number) => (v < 0 ? -1 : 1);
  return { i: s(direction[0]), j: s(direction[4]), k: s(direction[8]) };
}

export function labelsFor(direction: Geometry['direction'], rightIdx: Vec3, downIdx: Vec3): OrientationLabels {
  const r = indexToLps(direction, rightIdx);
  const d = indexToLps(direction, downIdx);
  return { right: directionLetters(r), left: directionLetters(neg(r)), bottom: directionLetters(d), top: directionLetters(neg(d)) };
}
