/** A file-system-safe name that still reads as the original (study and rater names become file names). */
export const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'unnamed';
