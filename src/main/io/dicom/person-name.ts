/**
 * Display names ("Ada Lovelace", "Dr. Ada Lovelace") and DICOM Person Name values (PS3.5 6.2:
 * `Family^Given^Middle^Prefix^Suffix`). A name with spaces and no `^` is the retired free-text form that
 * validators warn about, so a rater's display name is split into components when it is written.
 */

const PREFIXES = new Set(['dr', 'dr.', 'prof', 'prof.', 'mr', 'mr.', 'mrs', 'mrs.', 'ms', 'ms.']);

/**
 * "Ada Lovelace" -> "Lovelace^Ada"; "Dr. Ada Lovelace" -> "Lovelace^Ada^^Dr."; one word (a model's id) is the
 * family name alone, "reader1^" (without the `^` validators take even one word for the retired form); a value
 * already in PN form stays as is.
 */
export function toPersonName(display: string): string {
  const name = display.trim();
  if (!name || name.includes('^')) return name;
  const words = name.split(/\s+/).filter(Boolean);
  const prefix = words.length > 1 && PREFIXES.has(words[0].toLowerCase()) ? words.shift()! : '';
  const family = words.pop() ?? '';
  const components = [family, words.join(' '), '', prefix];
  while (components.length > 2 && components[components.length - 1] === '') components.pop();
  return components.join('^');
}

/** The inverse for display: "Lovelace^Ada^^Dr." -> "Dr. Ada Lovelace". */
export function fromPersonName(value: string): string {
  if (!value.includes('^')) return value.trim();
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = value.split('^');
  return [prefix, given, middle, family, suffix].map((s) => s.trim()).filter(Boolean).join(' ');
}
