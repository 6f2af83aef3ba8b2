/** DICOM UIDs under the UUID-derived root 2.25 (ITU-T X.667): no registered org root needed. */
import { createHash, randomUUID } from 'node:crypto';

function uidFromHex(hex128: string): string {
  return `2.25.${BigInt(`0x${hex128}`).toString(10)}`;
}

export function newUid(): string {
  return uidFromHex(randomUUID().replace(/-/g, ''));
}

/** The same inputs always give the same UID: used where anonymized files lost theirs. */
export function derivedUid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
  // Set the version (8: custom, RFC 9562) and variant bits so the value is a well-formed UUID, as 2.25 requires.
  return uidFromHex(hex.slice(0, 12) + '8' + hex.slice(13, 16) + ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16) + hex.slice(17));
}
