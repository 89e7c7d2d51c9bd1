import type { HqDb } from './db/database';
import type { RecordingStore } from './recordings/store';
import type { Rules } from './rules';

/** What every route and service of head office is given. */
export interface Hq {
  db: HqDb;
  /** Where verified recordings are kept (a directory by default; see recordings/store.ts). */
  recordings: RecordingStore;
  now: () => Date;
  /** The task rules: calendar (holidays, make-up days, opening hours), deadlines, the cap; defaults if unset. */
  rules?: Rules;
  /**
   * The scrypt cost of every hash head office makes (new passwords, re-hashes at login, the dummy an unknown
   * code is checked against): OWASP's by default (auth/password.ts). Tests and benches lower N to stay fast.
   */
  passwordCost?: import('./auth/password').PasswordCost;
  /** Open tasks a seat holds at most (default 200, sync/pull.ts). */
  seatQueue?: number;
}
