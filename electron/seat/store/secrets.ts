import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fsyncDir } from './private-files';

/**
 * Seals the seat's credentials (head office's token, the SIP password, TURN credentials) before they are
 * written to the database, and opens them again. A sealed value names the box that sealed it
 * (`<tag>:<payload>`), so a seat can read what another box sealed (see `SecretKeyring`) and a value that is
 * not sealed (written by an older build) is recognised and sealed at open. See docs/security-seat.md.
 */
export interface SecretBox {
  /** The prefix of every value this box seals, e.g. `fk1`. */
  readonly tag: string;
  seal(plain: string): string;
  /** Throws `SecretUnreadable` when the value was not sealed by this box's key, or was altered. */
  open(sealed: string): string;
}

/** A sealed value this seat cannot open: another key (a copied database, a lost key file) or altered bytes. */
export class SecretUnreadable extends Error {
  override readonly name = 'SecretUnreadable';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      `本地保存的凭据无法解密（${reason}）：数据库可能来自另一台电脑或另一个用户，或密钥文件已丢失。` +
        '请由主管重新登记坐席并重新设置 SIP 密码。',
      options,
    );
  }
}

const SEALED = /^[a-z]+\d+:/;

/** Whether a stored value is sealed (by any box) rather than a clear value from an older build. */
export const isSealed = (value: string): boolean => SEALED.test(value);

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random 32-byte key kept in its own file (0600) in the seat's data folder, outside the
 * database: a copy of `seat.db` alone (a backup, a stolen file) does not give the credentials away. It does
 * not protect them from someone who can read the user's files as that user: the key is beside the database.
 * For the browser seat and plain Node; the desktop app uses Electron's safeStorage (electron/binding).
 * The key file is made at the first seal, never at open, so opening a database copied from elsewhere does not
 * make a key that would then "work" for new values while the old ones stay unreadable silently.
 */
export class FileKeySecretBox implements SecretBox {
  readonly tag = 'fk1';
  #key: Buffer | null;

  private constructor(
    private readonly keyPath: string | null,
    key: Buffer | null,
  ) {
    this.#key = key;
  }

  /** A box whose key lives at `keyPath` (created with mode 0600 at the first seal). */
  static at(keyPath: string): FileKeySecretBox {
    if (existsSync(keyPath)) chmodSync(keyPath, 0o600);
    return new FileKeySecretBox(keyPath, null);
  }

  /** A key held in memory only: for an in-memory database, whose values die with it. */
  static ephemeral(): FileKeySecretBox {
    return new FileKeySecretBox(null, randomBytes(KEY_BYTES));
  }

  #readKey(): Buffer | null {
    if (this.#key || !this.keyPath || !existsSync(this.keyPath)) return this.#key;
    const key = readFileSync(this.keyPath);
    if (key.length !== KEY_BYTES) throw new SecretUnreadable(`密钥文件 ${this.keyPath} 已损坏`);
    this.#key = key;
    return key;
  }

  #keyForSeal(): Buffer {
    const existing = this.#readKey();
    if (existing) return existing;
    if (!this.keyPath) throw new Error('an ephemeral box always has its key');
    const key = randomBytes(KEY_BYTES);
    // 'wx': never replaces a key another process wrote meanwhile; 0600 from the first byte.
    const fd = openSync(this.keyPath, 'wx', 0o600);
    try {
      writeSync(fd, key);
    } finally {
      closeSync(fd);
    }
    fsyncDir(this.keyPath);
    this.#key = key;
    return key;
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keyForSeal(), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${this.tag}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith(`${this.tag}:`)) throw new SecretUnreadable('不是本密钥加密的内容');
    const key = this.#readKey();
    if (!key) throw new SecretUnreadable('缺少密钥文件');
    const raw = Buffer.from(sealed.slice(this.tag.length + 1), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadable('内容已损坏');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch (error) {
      throw new SecretUnreadable('密钥不匹配或内容被改动', { cause: error });
    }
  }
}

/**
 * Seals with `primary`; opens with whichever box's tag the value carries. The desktop app and `npm start`'s
 * browser seat share one data folder: what one sealed, the other can still read (and seals anew with its own).
 */
export class SecretKeyring implements SecretBox {
  readonly tag: string;
  constructor(
    private readonly primary: SecretBox,
    private readonly others: readonly SecretBox[] = [],
  ) {
    this.tag = primary.tag;
  }

  seal(plain: string): string {
    return this.primary.seal(plain);
  }

  open(sealed: string): string {
    const box = [this.primary, ...this.others].find((b) => sealed.startsWith(`${b.tag}:`));
    if (!box) throw new SecretUnreadable(`未知的加密方式 ${sealed.split(':')[0] ?? ''}`);
    return box.open(sealed);
  }
}

const boxes = new WeakMap<object, SecretBox>();

/** The box a store's connection seals with (set once at open): the store's modules find it by `db`. */
export function bindSecretBox(db: object, box: SecretBox): void {
  boxes.set(db, box);
}

export function secretBoxOf(db: object): SecretBox {
  const box = boxes.get(db);
  if (!box) throw new Error('no secret box bound to this database connection');
  return box;
}

/**
 * A stored credential as the store's modules read it: opened when sealed, as it is when an older build wrote
 * it in clear (sealed at open), null when this seat cannot open it (SeatStore.unreadableSecrets says which).
 */
export function openStored(db: object, stored: string): string | null {
  if (!isSealed(stored)) return stored;
  try {
    return secretBoxOf(db).open(stored);
  } catch (error) {
    if (error instanceof SecretUnreadable) return null;
    throw error;
  }
}
