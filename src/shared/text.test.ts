import { describe, expect, it } from 'vitest';
import { csvCell, formatIssues, safeName } from './text';

describe('text helpers', () => {
  it('makes names safe for files without losing what they say', () => {
    expect(safeName('LIDC-IDRI-0001 / nodule 2')).toBe('LIDC-IDRI-0001_nodule_2');
    expect(safeName('///')).toBe('unnamed');
  });

  it('quotes CSV cells that need it and rounds numbers only when asked', () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(0.123456789)).toBe('0.123456789');
    expect(csvCell(0.123456789, 6)).toBe('0.123457');
  });

  it('formats schema issues on one line', () => {
    expect(formatIssues([{ path: ['a', 0], message: 'bad' }, { path: [], message: 'worse' }], 'body')).toBe('a.0: bad; body: worse');
  });
});
