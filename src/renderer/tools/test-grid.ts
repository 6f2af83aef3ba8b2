/** Masks drawn as text ('#' = 1) for readable tool tests. */
export function grid(rows: string[]) {
  const width = rows[0].length;
  return { width, height: rows.length, data: Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0)) };
}
export const show = (g: { width: number; data: Uint8Array }) => Array.from({ length: g.data.length / g.width }, (_, j) => Array.from(g.data.subarray(j * g.width, (j + 1) * g.width), (v) => (v ? '#' : '.')).join(''));
