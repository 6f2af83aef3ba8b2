/**
 * Overlap of binary masks. Masks arrive unpacked (one byte per pixel, nonzero = lesion); for the many pairwise
 * comparisons the metrics need, each mask is packed once into 32-bit words so that an intersection costs one
 * AND and a popcount per 32 pixels.
 */
import { checkMasks } from './shape';

/** A mask packed 32 pixels per word (bit i & 31 of word i >> 5), with its area. */
export interface WordMask {
  words: Uint32Array;
  area: number;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function toWords(mask: Uint8Array): WordMask {
  const n = mask.length;
  const words = new Uint32Array((n + 31) >>> 5);
  let area = 0;
  for (let w = 0, base = 0; base < n; w++, base += 32) {
    const end = Math.min(base + 32, n);
    let word = 0;
    for (let i = base; i < end; i++) if (mask[i] !== 0) word |= 1 << (i - base);
    words[w] = word;
    area += popcount32(word);
  }
  return { words, area };
}

export function intersectionArea(a: WordMask, b: WordMask): number {
  const x = a.words;
  const y = b.words;
  let n = 0;
  for (let i = 0; i < x.length; i++) n += popcount32(x[i] & y[i]);
  return n;
}

export function unionOf(masks: readonly WordMask[], words: number): WordMask {
  const out = new Uint32Array(words);
  for (const m of masks) for (let i = 0; i < words; i++) out[i] |= m.words[i];
  let area = 0;
  for (let i = 0; i < words; i++) area += popcount32(out[i]);
  return { words: out, area };
}

/** Dice from areas and intersection; two empty masks agree perfectly (1). */
export function diceOf(areaA: number, areaB: number, intersection: number): number {
  const total = areaA + areaB;
  return total === 0 ? 1 : (2 * intersection) / total;
}

/** IoU from areas and intersection; two empty masks agree perfectly (1). */
export function iouOf(areaA: number, areaB: number, intersection: number): number {
  const union = areaA + areaB - intersection;
  return union === 0 ? 1 : intersection / union;
}

export function dice(a: Uint8Array, b: Uint8Array): number {
  checkMasks([a, b], 'masks');
  const wa = toWords(a);
  const wb = toWords(b);
  return diceOf(wa.area, wb.area, intersectionArea(wa, wb));
}

export function iou(a: Uint8Array, b: Uint8Array): number {
  checkMasks([a, b], 'masks');
  const wa = toWords(a);
  const wb = toWords(b);
  return iouOf(wa.area, wb.area, intersectionArea(wa, wb));
}

/**
 * Symmetric matrix of Dice between every pair of masks; the diagonal is null (a mask against itself says
 * nothing about agreement).
 */
export function pairwiseDice(masks: readonly Uint8Array[]): (number | null)[][] {
  checkMasks(masks, 'masks');
  const packed = masks.map(toWords);
  const out = packed.map(() => packed.map((): number | null => null));
  for (let i = 0; i < packed.length; i++) {
    for (let j = i + 1; j < packed.length; j++) {
      const d = diceOf(packed[i].area, packed[j].area, intersectionArea(packed[i], packed[j]));
      out[i][j] = d;
      out[j][i] = d;
    }
  }
  return out;
}

/** Mean of the off-diagonal entries of a pairwise matrix; null with fewer than two masks. */
export function meanOffDiagonal(matrix: readonly (readonly (number | null)[])[]): number | null {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < matrix.length; i++) {
    for (let j = i + 1; j < matrix.length; j++) {
      const v = matrix[i][j];
      if (v !== null) {
        sum += v;
        n++;
      }
    }
  }
  return n === 0 ? null : sum / n;
}
