/**
 * Clean-up of a 0/1 mask after painting: 4-connected components of the foreground, 8-connected background for hole
 * filling (so a diagonal gap in an outline does not leak), as ITK's and scikit-image's 2-D defaults pair them.
 */

/** Label of each pixel's 4-connected foreground component (0: background) and each label's size (index = label). */
export function components(mask: ArrayLike<number>, width: number, height: number): { labels: Int32Array; sizes: number[] } {
  const labels = new Int32Array(width * height);
  const sizes = [0];
  const stack: number[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = sizes.length;
    let size = 0;
    labels[start] = label;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      size++;
      const x = p % width;
      const visit = (q: number) => {
        if (mask[q] && !labels[q]) {
          labels[q] = label;
          stack.push(q);
        }
      };
      if (x > 0) visit(p - 1);
      if (x < width - 1) visit(p + 1);
      if (p >= width) visit(p - width);
      if (p < labels.length - width) visit(p + width);
    }
    sizes.push(size);
  }
  return { labels, sizes };
}

/** Removes foreground components smaller than `minPixels`; returns a new mask. */
export function removeIslands(mask: Uint8Array, width: number, height: number, minPixels: number): Uint8Array {
  const { labels, sizes } = components(mask, width, height);
  return Uint8Array.from(labels, (l) => (l && sizes[l] >= minPixels ? 1 : 0));
}

/** Keeps only the largest foreground component (the first found on a tie); an empty mask stays empty. */
export function keepLargest(mask: Uint8Array, width: number, height: number): Uint8Array {
  const { labels, sizes } = components(mask, width, height);
  let best = 0;
  for (let l = 1; l < sizes.length; l++) if (sizes[l] > sizes[best]) best = l;
  return Uint8Array.from(labels, (l) => (best && l === best ? 1 : 0));
}

/** Fills every background region that does not reach the image border (8-connected background). */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const outside = new Uint8Array(width * height);
  const stack: number[] = [];
  const seed = (p: number) => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      stack.push(p);
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed(x + (height - 1) * width);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(width - 1 + y * width);
  }
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % width;
    const y = (p - x) / width;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if ((dx || dy) && nx >= 0 && nx < width && ny >= 0 && ny < height) seed(nx + ny * width);
      }
  }
  return Uint8Array.from(outside, (o) => (o ? 0 : 1));
}
