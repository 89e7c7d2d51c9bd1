/**
 * A seat whose token head office revoked (issue 14, point 3): its next round is refused, the seat says so in
 * its sync status and sends nothing more with that token; a supervisor logged in at the seat enrols it again
 * (same seat id, a new token) and the outbox — kept, still numbered as before — drains to head office.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import type { SeatBridge } from '../../shared/contract';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('a revoked seat against head office on %s', (kind) => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let seatId: string;
  const bridges: (SeatBridge & { close(): void })[] = [];
  const open = () => {
    const b = inProcessBridge(seat);
    bridges.push(b);
    return b;
  };
  const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  const fact = (name: string) =>
    seat.store.audit({ agentId: null, action: 'test.fact', entityType: 'test', entityId: name, detail: {} });
  const factsAtHq = async () =>
    (
      await t.hq.db.db
        .selectFrom('audit')
        .select('entity_id')
        .where('action', '=', 'test.fact')
        .where('seat_id', '=', seatId)
        .orderBy('entity_id')
        .execute()
    ).map((r) => r.entity_id);
  const refusedAtHq = async () =>
    (
      await t.hq.db.db.selectFrom('audit').select('detail').where('action', '=', 'hq.refused').execute()
    ).filter((r) => JSON.stringify(r.detail).includes('revoked seat token')).length;
  const outbox = () =>
    (
      seat.store.db.prepare('SELECT seq, entity_id AS id FROM outbox ORDER BY seq').all() as {
        seq: number;
        id: string;
      }[]
    ).map((r) => `${r.seq}:${r.id}`);

  beforeEach(async () => {
    t = await startHq(kind);
    await t.addUser('SH01', 'supervisor', BRANCH.branchId);
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'seat-revoke', onDefect: () => {} });
    seat.store.ensureSeat(BRANCH);
    // A fresh install: enrolled from the login screen with head office's credentials.
    ok(
      await open().invoke('sync.enrol', {
        hqUrl: t.url,
        code: 'HQ01',
        password: HQ_PASSWORD,
        name: '1 号坐席',
      }),
    );
    seatId = seat.store.seat()?.id as string;
    fact('before-revoke');
    await seat.sync.round();
    expect(seat.store.outboxStatus().pending).toBe(0);
  }, 120_000);
  afterEach(async () => {
    for (const b of bridges.splice(0)) b.close();
    await seat?.shutdown();
    await t?.close();
    tmp?.cleanup();
  });

  it('says it was revoked, stops using the token, and drains its outbox after re-enrolment', async () => {
    const revoke = await t.app.inject({
      method: 'POST',
      url: `/api/seats/${seatId}/revoke`,
      headers: { authorization: `Bearer ${t.adminToken}` },
      payload: {},
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    fact('while-revoked-1');
    fact('while-revoked-2');

    await expect(seat.sync.round()).rejects.toThrow('坐席凭据已被总部吊销，请主管重新登记本坐席');
    expect(seat.sync.status()).toMatchObject({
      state: 'offline',
      tokenRefused: true,
      lastError: '坐席凭据已被总部吊销，请主管重新登记本坐席',
      pending: 2,
    });
    // The loop shows it: started now, it reports the refusal without asking head office again.
    const shown = new Promise<void>((resolve) => {
      const check = () => {
        const s = seat.sync.status();
        if (s.state === 'offline' && s.lastError === '坐席凭据已被总部吊销，请主管重新登记本坐席') resolve();
        else setImmediate(check);
      };
      check();
    });
    seat.startSync();
    await shown;
    await expect(seat.sync.round()).rejects.toThrow('坐席凭据已被总部吊销');
    seat.sync.nudge();
    await seat.sync.stop();
    expect(await refusedAtHq()).toBe(1);

    // An agent or nobody may not enrol it again; a supervisor logged in here may.
    const anonymous = await open().invoke('sync.enrol', {
      hqUrl: t.url,
      code: 'SH01',
      password: HQ_PASSWORD,
      name: '1 号坐席',
    });
    expect(anonymous.ok === false && anonymous.error.code).toBe('FORBIDDEN');
    const supervisor = open();
    ok(await supervisor.invoke('session.login', { agentCode: 'SH01', password: HQ_PASSWORD }));
    const waiting = outbox();
    const enrolled = ok(
      await supervisor.invoke('sync.enrol', {
        hqUrl: t.url,
        code: 'SH01',
        password: HQ_PASSWORD,
        name: '1 号坐席',
      }),
    );
    expect(enrolled).toMatchObject({ tokenRefused: false });
    expect(seat.store.seat()?.id).toBe(seatId);
    // Nothing was renumbered: the entries that waited keep their numbers, the enrolment's comes next.
    expect(outbox().slice(0, waiting.length)).toEqual(waiting);
    expect(outbox()).toHaveLength(waiting.length + 1);

    await seat.sync.round();
    expect(seat.store.outboxStatus().pending).toBe(0);
    expect(await factsAtHq()).toEqual(['before-revoke', 'while-revoked-1', 'while-revoked-2']);
    const row = await t.hq.db.db
      .selectFrom('seats')
      .select('last_applied_seq')
      .where('id', '=', seatId)
      .executeTakeFirstOrThrow();
    expect(Number(row.last_applied_seq)).toBe(Number(outbox().at(-1)?.split(':')[0]));
    expect(seat.sync.status()).toMatchObject({ tokenRefused: false, lastError: null, pending: 0 });
  });
});
