import { createHash, randomBytes } from 'node:crypto';

/**
 * How long after its page went away (the connection closed: F5, a crash of the tab, a network blip) a
 * session may still be resumed by the page that comes back. Two minutes covers a reload on a slow machine;
 * a seat left behind is then an ordinary logged-out seat.
 */
export const RESUME_GRACE_MS = 2 * 60_000;

/** What `session.resume` takes: 32 random bytes, base64url, no padding (43 characters). */
export const RESUME_TOKEN = /^[A-Za-z0-9_-]{43}$/;

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

interface Entry<C> {
  conn: C;
  /** When the connection closed (the seat's clock, ms); null while it is open. */
  closedAt: number | null;
}

/** Why a token was not taken: not one the seat holds now (unknown, used, revoked) or its page's time passed. */
export type ResumeRefusal = 'unknown' | 'expired';

/**
 * The resume tokens of a seat's connections (`session.resumeToken`, `session.resume`): the F5 of a browser
 * seat opens a new connection, and its page re-attaches the session it had with the token it kept in
 * sessionStorage (which dies with the tab and survives a reload; never localStorage).
 *
 * - A token is 256 random bits; the seat keeps only its SHA-256 (a heap dump or a log of this map opens
 *   nothing), in memory: it is bound to this seat process and dies with it (a restarted seat asks for a
 *   password again), and to the connection whose session it resumes (so to that session's agent).
 * - One live token per connection: issuing another revokes the one before. Taking a token uses it up, right or
 *   not (single use): the seat hands a fresh one to the resumed connection.
 * - Valid while its connection is open and for RESUME_GRACE_MS after it closed; revoked by a logout, an
 *   expired session and a new login on the connection.
 *
 * The lookup is by the token's digest, so what is compared is a hash an attacker does not choose bit by bit.
 */
export class ResumeTokens<C extends object> {
  readonly #byDigest = new Map<string, Entry<C>>();
  readonly #digestOf = new Map<C, string>();

  /** A fresh token for this connection's session; the connection's earlier one no longer works. */
  issue(conn: C): string {
    this.revoke(conn);
    const token = randomBytes(32).toString('base64url');
    const hash = digest(token);
    this.#byDigest.set(hash, { conn, closedAt: null });
    this.#digestOf.set(conn, hash);
    return token;
  }

  /** The connection's token no longer works (logout, expiry, a new login). */
  revoke(conn: C): void {
    const hash = this.#digestOf.get(conn);
    if (hash === undefined) return;
    this.#byDigest.delete(hash);
    this.#digestOf.delete(conn);
  }

  /** The connection closed at `at`: its token works RESUME_GRACE_MS longer. Expired ones are dropped here. */
  closed(conn: C, at: number): void {
    const hash = this.#digestOf.get(conn);
    const entry = hash === undefined ? undefined : this.#byDigest.get(hash);
    if (entry) entry.closedAt = at;
    this.#sweep(at);
  }

  /**
   * The connection whose session the token resumes, the token used up; or why not. A token whose page
   * closed more than RESUME_GRACE_MS ago is `expired` (and gone, as an unknown one).
   */
  take(token: string, at: number): { conn: C } | { refused: ResumeRefusal; conn?: C } {
    if (!RESUME_TOKEN.test(token)) return { refused: 'unknown' };
    const hash = digest(token);
    const entry = this.#byDigest.get(hash);
    if (!entry) return { refused: 'unknown' };
    this.#byDigest.delete(hash);
    this.#digestOf.delete(entry.conn);
    if (entry.closedAt !== null && at - entry.closedAt > RESUME_GRACE_MS) {
      return { refused: 'expired', conn: entry.conn };
    }
    return { conn: entry.conn };
  }

  /** How many tokens the seat holds (tests: a logout or an expiry leaves none behind). */
  get size(): number {
    return this.#byDigest.size;
  }

  #sweep(at: number): void {
    for (const [hash, entry] of this.#byDigest) {
      if (entry.closedAt !== null && at - entry.closedAt > RESUME_GRACE_MS) {
        this.#byDigest.delete(hash);
        this.#digestOf.delete(entry.conn);
      }
    }
  }
}
