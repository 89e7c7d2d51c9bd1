import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Slow salted password hashes (scrypt, Node's own). The parameters travel in the hash so they can be raised
 * later without invalidating stored ones: `scrypt$N$r$p$salt(base64)$hash(base64)`.
 *
 * The same format as the seat's (electron/seat/auth/password.ts): an agent's hash made here is what the seat
 * checks when the agent logs in offline. The two cannot share a file (hq/ imports only shared/, which has no
 * Node), so test/hq/password.test.ts checks that each verifies the other's hashes.
 */
/** OWASP's scrypt parameters (Password Storage Cheat Sheet: N=2^17, r=8, p=1): ~0.3 s and 128 MiB here. */
export const DEFAULTS = { N: 2 ** 17, r: 8, p: 1, keyLength: 32 };
export type PasswordCost = Partial<typeof DEFAULTS>;

function derive(
  password: string,
  salt: Buffer,
  opts: ScryptOptions & { keyLength: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const { keyLength, ...options } = opts;
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      // 128·N·r bytes and some: room for OWASP's 128 MiB, and for a stored hash made at twice that.
      { ...options, maxmem: 512 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export async function hashPassword(password: string, params: Partial<typeof DEFAULTS> = {}): Promise<string> {
  const { N, r, p, keyLength } = { ...DEFAULTS, ...params };
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r, p, keyLength });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    keyLength: expected.length,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Whether a stored hash was made with weaker parameters than `cost` asks: re-made at the next right login. */
export function needsRehash(stored: string, cost: PasswordCost = {}): boolean {
  const want = { ...DEFAULTS, ...cost };
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) < want.N || Number(r) < want.r || Number(p) < want.p;
}

const dummies = new Map<number, Promise<string>>();
/**
 * A hash of nothing anyone knows, made with `cost`: what an unknown user code is checked against, so that it
 * costs the same time as a known one (no telling which codes exist from how long a refusal takes).
 */
export function dummyHash(cost: PasswordCost = {}): Promise<string> {
  const N = cost.N ?? DEFAULTS.N;
  let hash = dummies.get(N);
  if (!hash) {
    hash = hashPassword(randomBytes(18).toString('base64'), cost);
    dummies.set(N, hash);
  }
  return hash;
}
