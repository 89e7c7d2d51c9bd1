/**
 * The seat SIGKILLed, FAULT_KILLS times each: (1) while it commits audit facts and wrap-ups, and (2) while it
 * syncs with head office. After each kill the seat's file is checked: every id the seat reported committed is
 * there, the outbox is numbered without a hole, `PRAGMA integrity_check` is ok. After the sync kills the seat
 * starts once more and syncs to the end: head office holds each of its entries exactly once, in its order.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { BRANCH, PASSWORD, tempDir } from '../support/fixtures';
import { invoke } from '../support/review-scene';
import {
  bound,
  CLEAN,
  type CountingProxy,
  clean,
  countingProxy,
  delay,
  judge,
  KILLS,
  newFigures,
  prng,
  readHq,
  readSeat,
  SEED,
  seededHq,
  seqGaps,
  startDriver,
  writeFigures,
} from './support';

/** The ids a driver reported committed, in the order it reported them. */
const committed = (lines: string[]) => lines.filter((l) => /^[AR] /.test(l)).map((l) => l.slice(2));

describe('the seat SIGKILLed while it commits', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it(
    `keeps every commit it reported, in order, through ${KILLS} kills`,
    async () => {
      const f = newFigures('seat-kill-commit');
      const rand = prng(SEED + 1);
      const dbPath = tmp.file('seat.db');
      const reported: string[] = [];
      for (let k = 0; k < KILLS; k++) {
        const d = startDriver({ mode: 'commit', dbPath });
        // Killed at a random moment once it commits (after the recovery of the last kill).
        await d.line((l) => /^[AR] /.test(l));
        await delay(rand.int(0, 80));
        if (await d.kill9()) f.kills += 1;
        reported.push(...committed(d.lines));
        const seat = readSeat(dbPath);
        if (seat.integrity !== 'ok') f.integrity += 1;
        if (seqGaps(seat.entries) > 0) f.integrity += 1;
      }
      const seat = readSeat(dbPath);
      const inOutbox = new Map(seat.entries.map((e) => [e.entityId, e.seq]));
      f.lost = reported.filter((id) => !seat.ids.has(id) || !inOutbox.has(id)).length;
      f.duplicated = seat.entries.length - inOutbox.size + (reported.length - new Set(reported).size);
      // The order the seat reported its commits in is its outbox's order.
      let prev = 0;
      for (const id of reported) {
        const seq = inOutbox.get(id) ?? 0;
        if (seq < prev) f.reordered += 1;
        prev = Math.max(prev, seq);
      }
      f.detail = { reported: reported.length, entries: seat.entries.length };
      writeFigures(f);
      expect(clean(f)).toEqual(CLEAN('seat-kill-commit'));
      expect(reported.length).toBeGreaterThan(KILLS);
    },
    bound(60_000, 6_000),
  );
});

describe('the seat SIGKILLed while it syncs with head office', () => {
  const tmp = tempDir();
  let t: Awaited<ReturnType<typeof seededHq>>;
  let proxy: CountingProxy;
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
    tmp.cleanup();
  });

  it(
    `delivers every entry exactly once, in order, through ${KILLS} kills mid-round`,
    async () => {
      const f = newFigures('seat-kill-sync');
      const rand = prng(SEED + 2);
      t = await seededHq('pglite', KILLS * 4 + 20);
      proxy = await countingProxy(() => t.url);
      const dbPath = tmp.file('seat.db');
      const open = () => Seat.open({ dbPath, appVersion: 'fault-test', onDefect: () => {} });
      let seat = open();
      seat.store.ensureSeat(BRANCH);
      await invoke(inProcessBridge(seat), 'sync.enrol', {
        hqUrl: proxy.url,
        code: 'SH01',
        password: PASSWORD,
        name: '故障 1 号坐席',
      });
      await seat.sync.round();
      const seatId = seat.store.seat()?.id ?? '';
      await seat.shutdown();

      // How long a round takes, so that the kill falls inside one: the longest seen so far.
      let roundMs = 100;
      let midRound = 0;
      for (let k = 0; k < KILLS; k++) {
        const d = startDriver({ mode: 'sync', dbPath, batch: 40 });
        await d.line((l) => l.startsWith('round '));
        await delay(rand.int(0, roundMs));
        if (await d.kill9()) f.kills += 1;
        const last = d.lines.at(-1) ?? '';
        if (last.startsWith('round ')) midRound += 1;
        d.lines.forEach((l, i) => {
          const started = d.lines[i - 1];
          if (l.startsWith('synced') && started?.startsWith('round '))
            roundMs = Math.max(roundMs, (d.times[i] ?? 0) - (d.times[i - 1] ?? 0));
        });
        const check = readSeat(dbPath);
        if (check.integrity !== 'ok') f.integrity += 1;
      }

      // Started once more, it syncs to the end.
      seat = open();
      for (let i = 0; i < 20 && seat.store.outboxStatus().pending > 0; i++) await seat.sync.round();
      expect(seat.store.outboxStatus().pending).toBe(0);
      await seat.shutdown();
      judge(f, readSeat(dbPath), await readHq(t.hq.db.db, seatId));
      f['5xx'] = proxy.fiveXx();
      f.detail = { ...f.detail, killedMidRound: midRound, roundMs };
      writeFigures(f);
      expect(proxy.faults).toEqual([]);
      expect(clean(f)).toEqual(CLEAN('seat-kill-sync'));
      // Most kills fell inside a round (a kill between rounds proves less).
      expect(midRound).toBeGreaterThan(KILLS / 2);
    },
    bound(90_000, 8_000),
  );
});
