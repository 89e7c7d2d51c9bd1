import { readdirSync, readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { HqSchema } from './schema';

export type DbKind = 'pglite' | 'postgres';

export interface HqDb {
  readonly db: Kysely<HqSchema>;
  readonly kind: DbKind;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A PostgreSQL server (`postgres://…`); without it, embedded PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** PGlite's data directory; `memory://` keeps it in memory. */
  dataDir?: string | undefined;
  /**
   * Told when PostgreSQL ends a connection, idle or under a query (a restart, a failover, an administrator, a
   * dropped network): the query fails (503), the pool discards the connection and opens another for the next
   * query. Warns on the console by default.
   */
  onConnectionLost?: (error: Error) => void;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** Numbered SQL files, `0001-core.sql`, …: the same SQL on PGlite and on PostgreSQL. */
export function migrationFiles(): { version: number; name: string; sql: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}-.+\.sql$/.test(f))
    .sort()
    .map((f, i) => {
      const version = Number(f.slice(0, 4));
      if (version !== i + 1) throw new Error(`migration ${f} is out of sequence (expected ${i + 1})`);
      return { version, name: f, sql: readFileSync(new URL(f, MIGRATIONS_DIR), 'utf8') };
    });
}

// Both drivers give the same JavaScript values: instants as ISO strings in UTC, 64-bit integers as numbers
// (sequence numbers and sizes stay far below 2^53).
const TIMESTAMPTZ = 1184;
const INT8 = 20;
const isoInstant = (value: string) =>
  new Date(value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')).toISOString();

/** Runs one migration's SQL (several statements) in a transaction, once: on both drivers the same steps. */
type RunMigration = (file: { version: number; name: string; sql: string }) => Promise<void>;

const MIGRATION_LOCK = 7_310_001;
const CREATE_LOG = `CREATE TABLE IF NOT EXISTS hq_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`;

async function openPglite(dataDir: string): Promise<HqDb> {
  const pglite = new PGlite(dataDir, { parsers: { [TIMESTAMPTZ]: isoInstant, [INT8]: Number } });
  await pglite.waitReady;
  await pglite.exec(`SET TIME ZONE 'UTC'; ${CREATE_LOG}`);
  // PGlite's query() takes one statement: a migration file goes through exec().
  const run: RunMigration = (file) =>
    pglite.transaction(async (tx) => {
      const done = await tx.query('SELECT 1 FROM hq_migrations WHERE version = $1', [file.version]);
      if (done.rows.length > 0) return;
      await tx.exec(file.sql);
      await tx.query('INSERT INTO hq_migrations (version, name) VALUES ($1, $2)', [file.version, file.name]);
    });
  const db = new Kysely<HqSchema>({ dialect: new PGliteDialect({ pglite }) });
  return withMigrations({ db, kind: 'pglite', close: () => db.destroy() }, run);
}

async function openPostgres(url: string, onConnectionLost: (error: Error) => void): Promise<HqDb> {
  const parsers: Record<number, (value: string) => unknown> = { [TIMESTAMPTZ]: isoInstant, [INT8]: Number };
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    options: '-c TimeZone=UTC',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        parsers[oid] ?? pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // Without a listener, pg throws a connection's error as an uncaught exception: one PostgreSQL restart, or a
  // reset under a query in progress, would stop head office. Each connection is heard for its whole life (in
  // use or idle); the pool's own event repeats an idle connection's error, already heard there.
  pool.on('connect', (client) => client.on('error', onConnectionLost));
  pool.on('error', () => {});
  const db = new Kysely<HqSchema>({ dialect: new PostgresDialect({ pool }) });
  const run: RunMigration = async (file) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Several head-office processes starting together: one migrates, the others then find it done.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(CREATE_LOG);
      const done = await client.query('SELECT 1 FROM hq_migrations WHERE version = $1', [file.version]);
      if (done.rowCount === 0) {
        // Without parameters pg uses the simple protocol, which takes a file of statements.
        await client.query(file.sql);
        await client.query('INSERT INTO hq_migrations (version, name) VALUES ($1, $2)', [
          file.version,
          file.name,
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  };
  return withMigrations({ db, kind: 'postgres', close: () => db.destroy() }, run);
}

/** Opens head office's database and brings its schema up to date (each migration once, in a transaction). */
export async function openHqDb(options: OpenOptions): Promise<HqDb> {
  return options.databaseUrl
    ? openPostgres(
        options.databaseUrl,
        options.onConnectionLost ??
          ((error) => console.warn(`总部数据库连接被服务器断开，下次查询时重新连接：${error.message}`)),
      )
    : openPglite(options.dataDir ?? 'memory://');
}

async function withMigrations(hq: HqDb, run: RunMigration): Promise<HqDb> {
  try {
    const files = migrationFiles();
    for (const file of files) await run(file);
    const newest = await hq.db
      .selectFrom('hq_migrations')
      .select((eb) => eb.fn.max('version').as('v'))
      .executeTakeFirst();
    if (Number(newest?.v ?? 0) > files.length) {
      throw new Error(
        `总部数据库的版本（${newest?.v}）比本程序（${files.length}）新：请升级总部服务后再启动`,
      );
    }
    return hq;
  } catch (error) {
    await hq.close();
    throw error;
  }
}
