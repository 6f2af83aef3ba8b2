import { describe, expect, it } from 'vitest';
import { fromPersonName, toPersonName } from './person-name';

describe('DICOM person names', () => {
  it('writes display names as Family^Given, with a title as the prefix, and reads them back', () => {
    const cases: [string, string][] = [
      ['Ada Lovelace', 'Lovelace^Ada'],
      ['Dr. Ada Lovelace', 'Lovelace^Ada^^Dr.'],
      ['Dr Test', 'Test^^^Dr'],
      ['Ada King Lovelace', 'Lovelace^Ada King'],
      ['reader1', 'reader1^'],
      ['Doe^John', 'Doe^John'],
      ['', ''],
    ];
    for (const [display, pn] of cases) expect(toPersonName(display), display).toBe(pn);
    for (const [display] of cases.filter(([d]) => !d.includes('^'))) expect(fromPersonName(toPersonName(display))).toBe(display);
    expect(fromPersonName('Doe^John')).toBe('John Doe');
  });
});
