/** A file-system-safe name that still reads as the original (study and rater names become file and folder names). */
export const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'unnamed';

/** One CSV cell (RFC 4180 quoting); null and undefined are empty, numbers optionally rounded to significant digits. */
export function csvCell(v: unknown, significantDigits?: number): string {
  const s = v === null || v === undefined ? '' : typeof v === 'number' && significantDigits ? String(Number(v.toPrecision(significantDigits))) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A schema failure (zod's issues) as one line: `path: message; …`, `whole` naming an issue about the whole value. */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], whole: string): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : whole}: ${i.message}`).join('; ');
}
