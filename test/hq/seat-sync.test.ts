/**
 * A seat and a real head-office process (`hq/main.ts`, on PGlite and on PostgreSQL): the seat is enrolled,
 * pulls its tasks and agents, an agent logs in with the password head office gave, works a callback with a
 * recording, and everything goes home: result, answers, audit, the recording (hash equal at both ends). Then
 * head office is stopped, the seat completes 50 callbacks offline, head office comes back on the same
 * address, and everything arrives exactly once, in the seat's order.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { openHqDb } from '../../hq/db/database';
import type { MethodName, MethodResult, SeatBridge } from '../../shared/contract';
import { BRANCH, PASSWORD, tempDir } from '../support/fixtures';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../support/hq-db';
import { freePort, startHqProcess } from '../support/hq-process';
import { seedHq } from '../support/hq-seed';
import { answeredCall, walkScript } from '../support/script';

const SCRIPTS = resolve(import.meta.dirname, '../../assets/scripts');

describe.each(DB_KINDS)('a seat syncing with a head-office process on %s', (kind) => {
  let tmp: ReturnType<typeof tempDir>;
  let database: TestDatabase;
  let hq: ReturnType<typeof startHqProcess>;
  let port: string;
  let hqUrl: string;
  let seat: Seat;
  let api: SeatBridge;
  let seeded: Awaited<ReturnType<typeof seedHq>>;
  let taskIndex = 0;
  const hqDataDir = () => join(tmp.dir, 'hq');

  async function invoke<M extends MethodName>(method: M, args: unknown): Promise<MethodResult<M>> {
    const r = await api.invoke(method, args as never);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as MethodResult<M>;
  }

  async function startHq() {
    hq = startHqProcess({
      HQ_DATA_DIR: hqDataDir(),
      DATABASE_URL: database.options().databaseUrl,
      HQ_PORT: port,
    });
    hqUrl = await hq.url;
  }

  /** Head office's database read directly, with its process stopped (PGlite allows one process). */
  async function withHqStopped<T>(read: (db: Awaited<ReturnType<typeof openHqDb>>['db']) => Promise<T>) {
    await hq.stop();
    const db = await openHqDb(database.options());
    try {
      return await read(db.db);
    } finally {
      await db.close();
      await startHq();
    }
  }

  beforeAll(async () => {
    tmp = tempDir();
    mkdirSync(hqDataDir());
    port = String(await freePort());
    database = await freshDatabase(kind, hqDataDir());
    const db = await database.open();
    seeded = await seedHq(db, { customers: 60, purposes: ['notification'] });
    await db.close();
    await startHq();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: 'sync-test',
      onDefect: () => {},
      sync: { intervalMs: 200, maxBackoffMs: 400 },
    });
    seat.store.ensureSeat(BRANCH);
    seat.loadScripts([SCRIPTS]);
    api = inProcessBridge(seat);
  }, 120_000);

  afterAll(async () => {
    await seat?.shutdown();
    await hq?.stop();
    await database?.drop();
    tmp?.cleanup();
  });

  /** One callback at the seat: an answered call, its recording (real bytes, fsynced), the script, the result. */
  async function callback() {
    const agentId = seeded.agent;
    const taskId = seeded.tasks[taskIndex++] as string;
    const call = answeredCall(seat.store, agentId, taskId, join(tmp.dir, 'recordings'));
    call.recordings.chunk({ recordingId: call.recordingId, agentId, seq: 0, data: randomBytes(12_000) });
    call.recordings.chunk({ recordingId: call.recordingId, agentId, seq: 1, data: randomBytes(12_000) });
    walkScript(seat.store, agentId, taskId, call.recordingId);
    await invoke('call.end', {
      attemptId: call.attemptId,
      answeredAt: '2026-11-26T02:00:00.000Z',
      endedAt: '2026-11-26T02:01:00.000Z',
      outcome: 'answered',
      sipCode: 200,
    });
    call.recordings.finish({ recordingId: call.recordingId, agentId, durationMs: 2000 });
    await invoke('result.commit', {
      id: crypto.randomUUID(),
      taskId,
      attemptId: call.attemptId,
      outcome: 'completed',
      disposition: 'connected',
      notes: '',
      retryAt: null,
      supersedesId: null,
    });
    return { taskId, ...call };
  }

  const outbox = () =>
    seat.store.db.prepare('SELECT seq, kind, entity_id AS entityId FROM outbox ORDER BY seq').all() as {
      seq: number;
      kind: string;
      entityId: string;
    }[];

  it('enrols, pulls its tasks and agents, and an agent logs in with the password head office gave', async () => {
    const refused = await api.invoke('sync.enrol', {
      hqUrl,
      code: 'A001',
      password: PASSWORD,
      name: '1 号坐席',
    });
    expect(refused.ok === false && refused.error.message).toBe('总部拒绝登记：您的角色无权执行此操作');
    await invoke('sync.enrol', { hqUrl, code: 'SH01', password: PASSWORD, name: '上海 1 号坐席' });
    await seat.sync.round();
    expect(seat.store.db.prepare("SELECT count(*) AS n FROM tasks WHERE status = 'open'").get()).toEqual({
      n: 60,
    });
    const session = await invoke('session.login', { agentCode: 'A001', password: PASSWORD });
    expect(session.name).toBe('李静');
    expect((await invoke('sync.status', {})).state).not.toBe('not_configured');
  }, 60_000);

  it('sends a callback home: result, answers, audit and the recording, its hash equal at both ends', async () => {
    const done = await callback();
    await seat.sync.round();
    expect(seat.store.outboxStatus().pending).toBe(0);
    expect(seat.store.uploadsWaiting()).toBe(0);
    const local = seat.store.db
      .prepare('SELECT sha256 FROM recordings WHERE id = ?')
      .get(done.recordingId) as {
      sha256: string;
    };
    const answers = (seat.store.db.prepare('SELECT count(*) AS n FROM answers').get() as { n: number }).n;
    const atHq = await withHqStopped(async (db) => ({
      results: await db.selectFrom('results').select(['task_id', 'outcome', 'flag']).execute(),
      answers: await db
        .selectFrom('answers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst(),
      recording: await db
        .selectFrom('recordings')
        .select(['sha256', 'stored_at'])
        .where('id', '=', done.recordingId)
        .executeTakeFirst(),
      audit: (
        await db
          .selectFrom('audit')
          .select('action')
          .where('seat_id', '=', seat.store.seat()?.id ?? '')
          .execute()
      ).map((a) => a.action),
    }));
    expect(atHq.results).toEqual([{ task_id: done.taskId, outcome: 'completed', flag: null }]);
    expect(atHq.answers?.n).toBe(answers);
    expect(atHq.recording?.sha256).toBe(local.sha256);
    expect(atHq.recording?.stored_at).not.toBeNull();
    expect(atHq.audit).toEqual(expect.arrayContaining(['session.login', 'call.dial', 'result.commit']));
    const file = join(hqDataDir(), 'recordings', seat.store.seat()?.id ?? '', `${done.recordingId}.webm`);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(local.sha256);
  }, 120_000);

  it('works 50 callbacks with head office down, then delivers them all exactly once, in order', async () => {
    seat.startSync();
    await hq.stop();
    await expect.poll(() => seat.sync.status().state, { timeout: 20_000 }).toBe('offline');
    for (let i = 0; i < 50; i++) await callback();
    const waiting = seat.sync.status();
    expect(waiting.state).toBe('offline');
    expect(waiting.pending).toBeGreaterThanOrEqual(50 * 3);
    expect(waiting.uploads).toBe(50);

    await startHq();
    await expect
      .poll(() => seat.sync.status(), { timeout: 90_000, interval: 250 })
      .toMatchObject({ state: 'online', pending: 0, uploads: 0 });
    await seat.sync.stop();

    const mine = outbox();
    const seatId = seat.store.seat()?.id ?? '';
    const atHq = await withHqStopped(async (db) => ({
      entries: await db
        .selectFrom('seat_entries')
        .select(['seq', 'kind', 'entity_id'])
        .where('seat_id', '=', seatId)
        .orderBy('seq')
        .execute(),
      results: await db
        .selectFrom('results')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst(),
      stored: await db
        .selectFrom('recordings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('stored_at', 'is not', null)
        .executeTakeFirst(),
    }));
    // Exactly the seat's outbox, entry for entry, in its order: nothing lost, nothing twice.
    expect(atHq.entries.map((e) => [e.seq, e.kind, e.entity_id])).toEqual(
      mine.map((e) => [e.seq, e.kind, e.entityId]),
    );
    expect(Number(atHq.results?.n)).toBe(51);
    expect(Number(atHq.stored?.n)).toBe(51);
  }, 240_000);
});
