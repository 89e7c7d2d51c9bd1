import { randomBytes } from 'node:crypto';
import { cpSync } from 'node:fs';
import pg from 'pg';
import { type HqDb, openHqDb } from '../../hq/db/database';

/** The PostgreSQL server head office's tests use besides PGlite (CI starts it: scripts/test-deps.sh). */
export const POSTGRES_ADMIN_URL =
  process.env.HQ_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  kind: 'pglite' | 'postgres';
  /** Opens (and migrates) the database; may be called again after close() to reopen the same one. */
  open(): Promise<HqDb>;
  /** The options an HQ process is started with for this database. */
  options(): { databaseUrl?: string; dataDir?: string };
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database on the test server, dropped afterwards. */
async function freshPostgres(): Promise<TestDatabase> {
  const name = `hq_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    open: () => openHqDb({ databaseUrl: url.toString() }),
    options: () => ({ databaseUrl: url.toString() }),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * PGlite in a temporary data directory: a copy of the run's migrated template (test/support/global-setup.ts)
 * when there is one and `empty` is not asked for, else a new cluster that the first open creates and migrates.
 */
function freshPglite(dataDir: string, empty: boolean): TestDatabase {
  const template = process.env.HQ_TEST_PGLITE_TEMPLATE;
  if (template && !empty) cpSync(template, dataDir, { recursive: true });
  return {
    kind: 'pglite',
    open: () => openHqDb({ dataDir }),
    options: () => ({ dataDir }),
    drop: async () => {},
  };
}

/** Both databases head office runs on; every HQ test runs on each. */
export const DB_KINDS = ['pglite', 'postgres'] as const;

/** A fresh database of `kind`; `empty`: not even migrated (for the migrations' own tests). */
export async function freshDatabase(
  kind: (typeof DB_KINDS)[number],
  dir: string,
  { empty = false }: { empty?: boolean } = {},
): Promise<TestDatabase> {
  return kind === 'pglite' ? freshPglite(`${dir}/pgdata`, empty) : freshPostgres();
}
