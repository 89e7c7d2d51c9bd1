import type { Kysely } from 'kysely';
import type { HqSchema } from '../db/schema';

/**
 * How many wrong passwords head office hears, per user code and per client (OWASP ASVS 6.3: anti-automation).
 * Counted in the database, so every head-office process shares the counts, and counted *before* the password
 * is checked: a burst of parallel guesses cannot slip in between a check and its count, and a blocked key
 * costs no scrypt at all (a guess is ~0.3 s of CPU).
 *
 * - A user code: the first CODE_FREE wrong passwords answer at once; after each further one the code waits
 *   a minute, then two, four, … (at most an hour); at CODE_LOCK the code is locked until an administrator
 *   lifts it. A right password clears the count; a day without a wrong one lapses it.
 * - A client (an enrolled seat by its token, anything else by address): CLIENT_FREE wrong passwords in
 *   CLIENT_WINDOW, whatever the codes, then the same doubling wait. A branch's agents share their seat's key,
 *   not the branch's NAT address.
 * Against one code from one client that is 5 guesses in the first minute and 10 ever (bench: security).
 */
export const CODE_FREE = 5;
export const CODE_LOCK = 10;
export const CLIENT_FREE = 30;
const CLIENT_WINDOW_MS = 15 * 60_000;
const CODE_LAPSE_MS = 24 * 3600_000;
const FIRST_WAIT_MS = 60_000;
const MAX_WAIT_MS = 3600_000;

export type ThrottleKey = `code:${string}` | `seat:${string}` | `ip:${string}`;

export type Admission =
  | { ok: true }
  | { ok: false; reason: 'locked' }
  | { ok: false; reason: 'wait'; retryAfterSeconds: number };

/** What a key's count became after one more wrong password. */
export interface Counted {
  key: ThrottleKey;
  failures: number;
  /** This count locked the code (audited once, when it happens). */
  lockedNow: boolean;
  /** This count started a wait. */
  waitFrom: boolean;
}

const wait = (failures: number, free: number) =>
  failures < free ? 0 : Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (failures - free));

const isCode = (key: ThrottleKey) => key.startsWith('code:');

/**
 * Admits one attempt for every key, or says why not; an admitted attempt is counted as a wrong password on
 * every key at once (undone by `cleared` when the password was right). One transaction with the keys' rows
 * locked: two processes or two requests count one after the other.
 */
export async function admit(
  db: Kysely<HqSchema>,
  keys: readonly ThrottleKey[],
  now: Date,
): Promise<{ admission: Admission; counted: Counted[] }> {
  const at = now.toISOString();
  return db.transaction().execute(async (tx) => {
    await tx
      .insertInto('login_throttle')
      .values(keys.map((key) => ({ key, failures: 0, first_failure_at: at, last_failure_at: at })))
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const rows = await tx
      .selectFrom('login_throttle')
      .selectAll()
      .where('key', 'in', [...keys])
      .orderBy('key')
      .forUpdate()
      .execute();
    // A lapsed count starts again.
    const current = rows.map((row) => {
      const key = row.key as ThrottleKey;
      const lapse = isCode(key) ? CODE_LAPSE_MS : CLIENT_WINDOW_MS;
      const lapsed =
        !row.locked_at &&
        (isCode(key) ? new Date(row.last_failure_at) : new Date(row.first_failure_at)).getTime() + lapse <=
          now.getTime();
      return lapsed
        ? { ...row, key, failures: 0, first_failure_at: at, blocked_until: null }
        : { ...row, key };
    });
    if (current.some((row) => row.locked_at))
      return { admission: { ok: false, reason: 'locked' }, counted: [] };
    const until = Math.max(
      0,
      ...current.map((row) => (row.blocked_until ? new Date(row.blocked_until).getTime() : 0)),
    );
    if (until > now.getTime()) {
      const retryAfterSeconds = Math.max(1, Math.ceil((until - now.getTime()) / 1000));
      return { admission: { ok: false, reason: 'wait', retryAfterSeconds }, counted: [] };
    }
    const counted: Counted[] = [];
    for (const row of current) {
      const failures = row.failures + 1;
      const free = isCode(row.key) ? CODE_FREE : CLIENT_FREE;
      const lockedNow = isCode(row.key) && failures >= CODE_LOCK;
      const waitMs = wait(failures, free);
      await tx
        .updateTable('login_throttle')
        .set({
          failures,
          first_failure_at: row.first_failure_at,
          last_failure_at: at,
          blocked_until: waitMs > 0 ? new Date(now.getTime() + waitMs).toISOString() : null,
          locked_at: lockedNow ? at : null,
        })
        .where('key', '=', row.key)
        .execute();
      counted.push({ key: row.key, failures, lockedNow, waitFrom: waitMs > 0 });
    }
    return { admission: { ok: true }, counted };
  });
}

/**
 * The password was right: the code's count is cleared, the client's loses the attempt `admit` counted (a
 * right password is no guess, but it does not wipe what the client guessed at other codes).
 */
export async function cleared(db: Kysely<HqSchema>, code: ThrottleKey, client: ThrottleKey): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('login_throttle').where('key', '=', code).execute();
    await tx
      .updateTable('login_throttle')
      .set((eb) => ({ failures: eb('failures', '-', 1) }))
      .where('key', '=', client)
      .where('failures', '>', 0)
      .execute();
  });
}

export interface LockRow {
  key: string;
  failures: number;
  lastFailureAt: string;
  blockedUntil: string | null;
  lockedAt: string | null;
}

/** Keys locked or waiting now: what an administrator sees and may lift. */
export async function currentLocks(db: Kysely<HqSchema>, now: Date): Promise<LockRow[]> {
  const rows = await db
    .selectFrom('login_throttle')
    .selectAll()
    .where((eb) => eb.or([eb('locked_at', 'is not', null), eb('blocked_until', '>', now.toISOString())]))
    .orderBy('last_failure_at', 'desc')
    .limit(1000)
    .execute();
  return rows.map((r) => ({
    key: r.key,
    failures: r.failures,
    lastFailureAt: r.last_failure_at,
    blockedUntil: r.blocked_until,
    lockedAt: r.locked_at,
  }));
}

/** Lifts a lock or a wait; false when the key had none. */
export async function lift(db: Kysely<HqSchema>, key: string): Promise<boolean> {
  const gone = await db.deleteFrom('login_throttle').where('key', '=', key).executeTakeFirst();
  return Number(gone.numDeletedRows) > 0;
}
