/**
 * Archive passwords and tokens, sealed before they reach SQLite. Two ciphers:
 *  - `safeStorage`: Electron's, keyed by the OS keychain (macOS Keychain, Windows DPAPI, libsecret/kwallet);
 *  - `keyfile`: AES-256-GCM with a random key in `<data dir>/secrets.key` (mode 0600), for the CLI and browser
 *    mode, which run on plain Node without a keychain, and for Electron on a Linux desktop without a keyring
 *    (where safeStorage would fall back to a hard-coded key).
 * A secret sealed by one cannot be opened by the other: the error says to add the archive again.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors';

export interface SecretCipher {
  readonly scheme: 'safeStorage' | 'keyfile';
  seal(secret: string): Buffer;
  open(sealed: Buffer): string;
}

export const KEY_FILE = 'secrets.key';

function keyOf(dataDir: string): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    // 'wx': never overwrite a key another process just made (it would orphan what that key sealed).
    try {
      writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const key = readFileSync(file);
  if (key.length !== 32) throw new ApiError('unavailable', `${file} is not a CalDiff secrets key (expected 32 bytes); move it away and add the archives again`);
  return key;
}

/** AES-256-GCM: iv (12) | tag (16) | ciphertext. The key is read when needed, never kept in the context. */
export function keyFileCipher(dataDir: string): SecretCipher {
  return {
    scheme: 'keyfile',
    seal(secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keyOf(dataDir), iv);
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    open(sealed) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', keyOf(dataDir), sealed.subarray(0, 12));
        decipher.setAuthTag(sealed.subarray(12, 28));
        return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
      } catch (e) {
        if (e instanceof ApiError) throw e;
        throw new ApiError('unavailable', `a stored archive credential cannot be opened with ${path.join(dataDir, KEY_FILE)} (the key changed?); add the archive again`);
      }
    },
  };
}

/** What this module needs of Electron's safeStorage (kept structural so the CLI never loads Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/** The OS keychain when Electron has a real one; the key file otherwise. */
export function electronCipher(safeStorage: SafeStorageLike, dataDir: string): SecretCipher {
  const weak = process.platform === 'linux' && ['basic_text', 'unknown'].includes(safeStorage.getSelectedStorageBackend?.() ?? 'unknown');
  if (!safeStorage.isEncryptionAvailable() || weak) return keyFileCipher(dataDir);
  return { scheme: 'safeStorage', seal: (s) => safeStorage.encryptString(s), open: (b) => safeStorage.decryptString(b) };
}

/** Opens a sealed secret with the cipher that sealed it, or says which app can. */
export function openSecret(cipher: SecretCipher, scheme: string | null, sealed: Buffer, archive: string): string {
  if (scheme !== cipher.scheme)
    throw new ApiError(
      'unavailable',
      `the credentials of archive "${archive}" were sealed by ${scheme === 'safeStorage' ? "the desktop app's OS keychain" : 'a key file'} and cannot be opened here (${cipher.scheme}); add the archive again here`,
    );
  return cipher.open(sealed);
}
