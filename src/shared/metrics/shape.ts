/** Checks that all masks have one length and returns it (0 for an empty list). */
export function checkMasks(masks: readonly ArrayLike<number>[], what: string): number {
  const length = masks.length ? masks[0].length : 0;
  for (let i = 1; i < masks.length; i++) {
    if (masks[i].length !== length) throw new RangeError(`${what}[${i}] has ${masks[i].length} pixels, ${what}[0] has ${length}`);
  }
  return length;
}
