import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type HqDb, migrationFiles, openHqDb } from '../../hq/db/database';
import { tempDir } from '../support/fixtures';
import { DB_KINDS, freshDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from '../support/hq-db';

describe.each(DB_KINDS)('head office database on %s', (kind) => {
  let tmp: ReturnType<typeof tempDir>;
  let database: TestDatabase;
  let hq: HqDb | null = null;
  afterEach(async () => {
    await hq?.close();
    hq = null;
    await database?.drop();
    tmp?.cleanup();
  });

  async function open(opts: { empty?: boolean } = {}) {
    tmp = tempDir();
    database = await freshDatabase(kind, tmp.dir, opts);
    hq = await database.open();
    return hq;
  }

  it('migrates an empty database once, and again finds nothing to do', async () => {
    const { db } = await open({ empty: true });
    const applied = await db
      .selectFrom('hq_migrations')
      .select(['version', 'name'])
      .orderBy('version')
      .execute();
    expect(applied.map((m) => m.version)).toEqual(migrationFiles().map((f) => f.version));
    await hq?.close();
    hq = await database.open();
    expect(await hq.db.selectFrom('hq_migrations').selectAll().execute()).toHaveLength(applied.length);
  });

  it('gives instants as ISO strings and 64-bit integers as numbers, whichever the driver', async () => {
    const { db } = await open();
    await db.insertInto('branches').values({ id: 'BR-1', name: '上海世纪大道营业部' }).execute();
    await db
      .insertInto('changes')
      .values({
        branch_id: 'BR-1',
        seat_id: null,
        kind: 'customer',
        entity_id: 'C1',
        at: '2026-11-26T02:03:04.567Z',
      })
      .execute();
    const row = await db.selectFrom('changes').select(['seq', 'at']).executeTakeFirstOrThrow();
    expect(row).toEqual({ seq: 1, at: '2026-11-26T02:03:04.567Z' });
    const count = await db
      .selectFrom('changes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it.runIf(kind === 'postgres')(
    'keeps serving when PostgreSQL ends its connections (a restart, a failover, an administrator)',
    async () => {
      tmp = tempDir();
      database = await freshDatabase(kind, tmp.dir);
      const lost: Error[] = [];
      hq = await openHqDb({ ...database.options(), onConnectionLost: (e) => lost.push(e) });
      const { db } = hq;
      // Several connections, all idle in the pool afterwards.
      await Promise.all(Array.from({ length: 4 }, () => sql`SELECT pg_sleep(0.05)`.execute(db)));
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      try {
        const name = new URL(database.options().databaseUrl ?? '').pathname.slice(1);
        const killed = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        expect(killed.rowCount).toBeGreaterThanOrEqual(2);
        await vi.waitFor(() => expect(lost.length).toBe(killed.rowCount), { timeout: 10_000 });
      } finally {
        await admin.end();
      }
      expect(lost[0]?.message).toMatch(/terminating connection/);
      // The next query opens a fresh connection.
      const rows = await db.selectFrom('hq_migrations').select('version').execute();
      expect(rows.length).toBe(migrationFiles().length);
    },
  );

  it.runIf(kind === 'postgres')(
    'keeps serving when the connection under a query is reset (PostgreSQL killed, a network cut)',
    async () => {
      tmp = tempDir();
      database = await freshDatabase(kind, tmp.dir);
      // Head office reaches PostgreSQL through a TCP proxy that can reset every connection it carries.
      const target = new URL(database.options().databaseUrl ?? '');
      const sockets = new Set<Socket>();
      const proxy = createServer((client) => {
        const server = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, server]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(server).pipe(client);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const viaProxy = new URL(target);
      viaProxy.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const lost: Error[] = [];
      hq = await openHqDb({ databaseUrl: viaProxy.toString(), onConnectionLost: (e) => lost.push(e) });
      const { db } = hq;
      const uncaught: unknown[] = [];
      const onUncaught = (e: unknown) => uncaught.push(e);
      process.on('uncaughtException', onUncaught);
      try {
        const busy = sql`SELECT pg_sleep(30)`.execute(db);
        // Once the query runs on the server, every connection through the proxy is reset.
        const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
        await admin.connect();
        try {
          await vi.waitFor(
            async () => {
              const running = await admin.query(
                "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query LIKE 'SELECT pg_sleep(30)%'",
                [target.pathname.slice(1)],
              );
              expect(running.rowCount).toBe(1);
            },
            { timeout: 10_000 },
          );
        } finally {
          await admin.end();
        }
        for (const s of sockets) s.resetAndDestroy();
        await expect(busy).rejects.toThrow();
        await vi.waitFor(() => expect(lost.length).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
        expect(uncaught).toEqual([]);
        // The pool opens a new connection for the next query.
        const rows = await db.selectFrom('hq_migrations').select('version').execute();
        expect(rows.length).toBe(migrationFiles().length);
      } finally {
        process.off('uncaughtException', onUncaught);
        await hq.close();
        hq = null;
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => proxy.close(resolve));
      }
    },
  );

  it('refuses to change or delete evidence', async () => {
    const { db } = await open();
    const id = '0193a1b2-0000-7000-8000-000000000001';
    await db
      .insertInto('audit')
      .values({
        id,
        at: '2026-11-26T02:00:00.000Z',
        seat_id: null,
        user_id: null,
        action: 'test',
        entity_type: 'x',
        entity_id: 'y',
        detail: '{}',
        ip: null,
      })
      .execute();
    await expect(sql`UPDATE audit SET action = 'other'`.execute(db)).rejects.toThrow(/append-only: audit/);
    await expect(sql`DELETE FROM audit`.execute(db)).rejects.toThrow(/append-only: audit/);
  });
});
