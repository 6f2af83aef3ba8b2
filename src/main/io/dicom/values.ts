/** Typed access to naturalized dcmjs datasets, whose values may be scalars, arrays or absent. */
import type { Dataset } from './parse';

export function str(ds: Dataset, key: string): string {
  const v = ds[key];
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined || first === null) return '';
  if (typeof first === 'object') return personName(first);
  return String(first).trim();
}

export function num(ds: Dataset, key: string): number | undefined {
  const v = ds[key];
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined || first === null || first === '') return undefined;
  const n = Number(first);
  return Number.isFinite(n) ? n : undefined;
}

export function nums(ds: Dataset, key: string): number[] {
  const v = ds[key];
  const list = Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v];
  return list.map(Number);
}

/** A sequence's items; dcmjs gives a one-item sequence sometimes as the item itself. */
export function seq(ds: Dataset, key: string): Dataset[] {
  const v = ds[key];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as Dataset[];
}

/** dcmjs writes person names as { Alphabetic: 'Family^Given' } (or a plain string in older files). */
function personName(v: object): string {
  const alphabetic = (v as { Alphabetic?: unknown }).Alphabetic;
  return typeof alphabetic === 'string' ? alphabetic.trim() : '';
}
