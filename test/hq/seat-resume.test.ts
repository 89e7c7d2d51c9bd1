/**
 * A supervisor's reload (F5) at an enrolled seat (#16, defect 5): `session.resume` moves the head-office
 * session along with the seat's, so the workspace works on the reloaded page and no longer on the old
 * connection; a logout there ends it at head office.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import type { SeatBridge } from '../../shared/contract';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)("a supervisor's reload at a seat enrolled with head office on %s", (kind) => {
  let hq: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
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
  const hqSessions = async () =>
    (
      await hq.hq.db.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select('sessions.token_hash')
        .where('users.code', '=', 'SH01')
        .execute()
    ).length;

  beforeAll(async () => {
    hq = await startHq(kind);
    await hq.addUser('SH01', 'supervisor', BRANCH.branchId);
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'seat-resume', onDefect: () => {} });
    seat.store.ensureSeat(BRANCH);
    ok(
      await open().invoke('sync.enrol', {
        hqUrl: hq.url,
        code: 'HQ01',
        password: HQ_PASSWORD,
        name: '1 号坐席',
      }),
    );
    await seat.sync.round();
  }, 120_000);
  afterAll(async () => {
    for (const b of bridges) b.close();
    await seat?.shutdown();
    await hq?.close();
    tmp?.cleanup();
  });

  it('takes the head-office session to the reloaded page, and its logout ends it there', async () => {
    const before = open();
    const session = ok(await before.invoke('session.login', { agentCode: 'SH01', password: HQ_PASSWORD }));
    expect(session).toMatchObject({ role: 'supervisor', online: true });
    ok(await before.invoke('review.staff', {}));
    const { resumeToken } = ok(await before.invoke('session.resumeToken', {}));
    expect(await hqSessions()).toBe(1);

    const after = open();
    expect(ok(await after.invoke('session.resume', { resumeToken })).session).toEqual(session);
    before.close();
    expect(ok(await after.invoke('review.staff', {})).items.length).toBeGreaterThan(0);
    // The old connection holds neither session any more.
    const old = await before.invoke('review.staff', {});
    expect(old.ok === false && old.error.code).toBe('NOT_AUTHENTICATED');
    expect(await hqSessions()).toBe(1);

    ok(await after.invoke('session.logout', {}));
    await expect.poll(hqSessions).toBe(0);
  });
});
