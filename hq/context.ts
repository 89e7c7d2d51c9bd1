import type { HqDb } from './db/database';

/** What every route and service of head office is given. */
export interface Hq {
  db: HqDb;
  /** Where verified recordings are kept (the file store; S3-compatible later). */
  recordingsDir: string;
  now: () => Date;
}
