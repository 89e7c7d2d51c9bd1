/**
 * Head office SIGKILLed mid-push, FAULT_KILLS times, on PGlite and on PostgreSQL (a fresh database on the test
 * server): a seat commits and pushes all along, through every restart of head office on the same address. At
 * the end head office holds each of the seat's entries exactly once, in the seat's order; no answer was a 5xx.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHqDb } from '../../hq/db/database';
import { tempDir } from '../support/fixtures';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../support/hq-db';
import { freePort, startHqProcess } from '../support/hq-process';
import { seedHq } from '../support/hq-seed';
import {
  bound,
  CLEAN,
  type CountingProxy,
  clean,
  countingProxy,
  delay,
  enrolledSeat,
  Gate,
  judge,
  KILLS,
  newFigures,
  nextRequest,
  prng,
  readHq,
  readSeat,
  SEED,
  within,
  writeFigures,
} from './support';
import { work } from './work';

describe.each(DB_KINDS)('head office SIGKILLed mid-push on %s', (kind) => {
  const tmp = tempDir();
  let database: TestDatabase | null = null;
  let proxy: CountingProxy | null = null;
  let hq: ReturnType<typeof startHqProcess> | null = null;
  afterAll(async () => {
    hq?.child.kill('SIGKILL');
    await proxy?.close();
    await database?.drop();
    tmp.cleanup();
  });

  it(
    `loses nothing, repeats nothing and keeps the order through ${KILLS} kills`,
    async () => {
      const f = newFigures(`hq-kill-${kind}`);
      const rand = prng(SEED + (kind === 'pglite' ? 3 : 4));
      const hqDir = join(tmp.dir, 'hq');
      mkdirSync(hqDir);
      const db = await freshDatabase(kind, hqDir);
      database = db;
      const seeding = await db.open();
      await seedHq(seeding, { customers: KILLS * 2 + 20, purposes: ['notification'] });
      await seeding.close();
      const port = await freePort();
      const internal: string[] = [];
      let starts = 0;
      const start = async () => {
        const p = startHqProcess({
          HQ_DATA_DIR: hqDir,
          DATABASE_URL: db.options().databaseUrl,
          HQ_PORT: String(port),
        });
        hq = p;
        p.child.stderr?.on('data', (d: Buffer) => {
          if (d.toString().includes('总部服务内部错误')) internal.push(d.toString().slice(0, 2000));
        });
        p.url.catch(() => {});
        await within(90_000, 'head office to start', p.url);
        starts += 1;
      };
      await start();
      proxy = await countingProxy(() => `http://127.0.0.1:${port}`);

      const dbPath = tmp.file('seat.db');
      const { seat, seatId, agentId } = await enrolledSeat(dbPath, proxy.url, '故障 2 号坐席');

      // The seat works and pushes all along; while head office is down it waits for it to be back.
      const up = new Gate();
      let stop = false;
      let failedRounds = 0;
      const counter = { i: 0 };
      const pusher = (async () => {
        while (!stop) {
          work(seat.store, 40, { agentId, resultEvery: 10, counter, done: () => {} });
          try {
            await seat.sync.round();
          } catch {
            failedRounds += 1;
            await up.wait();
          }
        }
      })();
      // How long a push takes: the kill delay is drawn up to the longest seen.
      let pushMs = 50;
      let inFlight = 0;
      let midPush = 0;
      proxy.events.on('request', (_m: string, url: string) => {
        if (url.startsWith('/api/sync/push')) inFlight += 1;
      });
      proxy.events.on('response', (_m: string, url: string, _s: number, ms: number) => {
        if (url.startsWith('/api/sync/push')) pushMs = Math.max(pushMs, ms);
      });
      // A push whose answer never came (head office killed under it) is over when its connection closes.
      proxy.events.on('done', (_m: string, url: string) => {
        if (url.startsWith('/api/sync/push')) inFlight -= 1;
      });

      for (let k = 0; k < KILLS; k++) {
        await nextRequest(proxy, 'POST', '/api/sync/push');
        await delay(rand.int(0, pushMs));
        up.close();
        const child = hq?.child;
        if (child && child.exitCode === null) {
          if (inFlight > 0) midPush += 1;
          const gone = new Promise((done) => child.once('exit', done));
          child.kill('SIGKILL');
          await gone;
          f.kills += 1;
        }
        await start();
        up.open();
      }
      stop = true;
      await within(60_000, 'the last round', pusher);
      for (let i = 0; i < 20 && seat.store.outboxStatus().pending > 0; i++) await seat.sync.round();
      expect(seat.store.outboxStatus().pending).toBe(0);
      await seat.shutdown();

      // Head office's database read directly once it is stopped (PGlite allows one process).
      await hq?.stop();
      const reader = await openHqDb(db.options());
      try {
        judge(f, readSeat(dbPath), await readHq(reader.db, seatId));
      } finally {
        await reader.close();
      }
      f['5xx'] = proxy.fiveXx();
      f.detail = {
        ...f.detail,
        killedMidPush: midPush,
        starts,
        failedRounds,
        pushMs,
        internalErrors: internal.length,
      };
      writeFigures(f);
      expect(clean(f)).toEqual(CLEAN(`hq-kill-${kind}`));
      expect(internal).toEqual([]);
      expect(proxy.faults).toEqual([]);
      // Most kills fell while a push was under way at head office.
      expect(midPush).toBeGreaterThan(KILLS / 2);
    },
    bound(120_000, 12_000),
  );
});
