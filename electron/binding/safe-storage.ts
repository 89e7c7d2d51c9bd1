import { dirname, join } from 'node:path';
import { FileKeySecretBox, type SecretBox, SecretKeyring, SecretUnreadable } from '../seat/store/secrets';

/**
 * Electron's `safeStorage` as the seat uses it: a structural slice, so main.ts passes the real one and a test
 * a fake. The key is the operating system's, tied to the logged-in user: DPAPI on Windows, the Keychain on
 * macOS, libsecret/kwallet on Linux (docs/security-seat.md).
 */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means no keyring, the "encryption" a fixed key in Chromium's source. */
  getSelectedStorageBackend?(): string;
}

/** Values sealed by safeStorage: `ss1:<base64 of what encryptString returned>`. */
export class SafeStorageSecretBox implements SecretBox {
  readonly tag = 'ss1';
  constructor(private readonly storage: SafeStorageLike) {}

  seal(plain: string): string {
    return `${this.tag}:${this.storage.encryptString(plain).toString('base64')}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith(`${this.tag}:`)) throw new SecretUnreadable('不是本机系统密钥加密的内容');
    try {
      return this.storage.decryptString(Buffer.from(sealed.slice(this.tag.length + 1), 'base64'));
    } catch (error) {
      throw new SecretUnreadable('系统密钥无法解密（可能换了电脑、用户或系统钥匙串）', { cause: error });
    }
  }
}

/** Whether safeStorage really protects anything here (Linux without a keyring falls back to a fixed key). */
export function safeStorageUsable(storage: SafeStorageLike): boolean {
  return storage.isEncryptionAvailable() && storage.getSelectedStorageBackend?.() !== 'basic_text';
}

/**
 * The desktop seat's box: safeStorage when it is usable, else the key file beside the database; either way
 * values the other sealed (`npm start`'s browser seat shares the data folder) can still be opened.
 */
export function desktopSecretBox(storage: SafeStorageLike, dbPath: string): SecretBox {
  const file = FileKeySecretBox.at(join(dirname(dbPath), 'seat.key'));
  if (!safeStorageUsable(storage)) return file;
  return new SecretKeyring(new SafeStorageSecretBox(storage), [file]);
}
