/**
 * The head-office side of logging in at a seat (#14): a first password that must change is changed at the
 * seat and the login goes on; head office's throttle and lockout reach the seat's login screen as its words;
 * an administrator at a seat sees and lifts head office's lockouts (a branch supervisor may only see the
 * branch's); a seat logout ends the head-office session at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import type { SeatBridge } from '../../shared/contract';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('logging in at a seat against head office on %s', (kind) => {
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
  const sessionsOf = async (code: string) =>
    (
      await hq.hq.db.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select('sessions.token_hash')
        .where('users.code', '=', code)
        .execute()
    ).length;

  beforeAll(async () => {
    hq = await startHq(kind);
    await hq.addUser('SH01', 'supervisor', BRANCH.branchId);
    await hq.addUser('A001', 'agent', BRANCH.branchId);
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'seat-hq-login', onDefect: () => {} });
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

  it('changes a first password that must change, then logs in with the new one', async () => {
    await hq.hq.db.db
      .updateTable('users')
      .set({ must_change_password: true })
      .where('code', '=', 'SH01')
      .execute();
    const api = open();
    const first = await api.invoke('session.login', { agentCode: 'SH01', password: HQ_PASSWORD });
    expect(first.ok === false && first.error).toEqual({
      code: 'PASSWORD_CHANGE_REQUIRED',
      message: '首次登录须先修改密码',
    });
    const weak = await api.invoke('session.changePassword', {
      agentCode: 'SH01',
      password: HQ_PASSWORD,
      newPassword: 'short',
    });
    expect(weak.ok === false && weak.error).toEqual({ code: 'BAD_REQUEST', message: '新密码至少 10 个字符' });
    ok(
      await api.invoke('session.changePassword', {
        agentCode: 'SH01',
        password: HQ_PASSWORD,
        newPassword: 'Zhuguan#Xin-2027',
      }),
    );
    const session = ok(
      await api.invoke('session.login', { agentCode: 'SH01', password: 'Zhuguan#Xin-2027' }),
    );
    expect(session).toMatchObject({ agentCode: 'SH01', role: 'supervisor', online: true });
    const trail = seat.store.db.prepare(
      "SELECT count(*) AS n FROM audit WHERE action = 'session.password_change'",
    );
    expect((trail.get() as { n: number }).n).toBe(1);
  });

  it('says head office’s lockout at the seat, and an administrator there lifts it', async () => {
    await hq.addUser('RV09', 'reviewer', null);
    const api = open();
    for (let i = 0; i < 10; i++) {
      // Waits between (head office's doubling back-off) are skipped by clearing them, not the count.
      await hq.hq.db.db.updateTable('login_throttle').set({ blocked_until: null }).execute();
      await api.invoke('session.login', { agentCode: 'RV09', password: `wrong-${i}` });
    }
    const locked = await api.invoke('session.login', { agentCode: 'RV09', password: HQ_PASSWORD });
    expect(locked.ok === false && locked.error.code).toBe('LOCKED_OUT');
    expect(locked.ok === false && locked.error.message).toMatch(/已被锁定，请联系总部管理员解锁/);

    const sup = open();
    ok(await sup.invoke('session.login', { agentCode: 'SH01', password: 'Zhuguan#Xin-2027' }));
    // The branch supervisor: not head office's reviewer's lock (not of the branch), and may not lift one.
    const seen = ok(await sup.invoke('review.lockouts', {})).items;
    expect(seen.some((l) => l.userCode === 'RV09')).toBe(false);

    const admin = open();
    ok(await admin.invoke('session.login', { agentCode: 'HQ01', password: HQ_PASSWORD }));
    const locks = ok(await admin.invoke('review.lockouts', {})).items;
    const lock = locks.find((l) => l.scope === 'hq' && l.userCode === 'RV09');
    expect(lock).toMatchObject({ locked: true, failures: 10 });
    const bySupervisor = await sup.invoke('review.unlock', { scope: 'hq', key: lock?.key ?? '' });
    expect(bySupervisor.ok === false && bySupervisor.error.code).toBe('FORBIDDEN');
    ok(await admin.invoke('review.unlock', { scope: 'hq', key: lock?.key ?? '' }));
    ok(await open().invoke('session.login', { agentCode: 'RV09', password: HQ_PASSWORD }));
  });

  it('ends the head-office session when the user logs out at the seat', async () => {
    const api = open();
    const before = await sessionsOf('HQ01');
    ok(await api.invoke('session.login', { agentCode: 'HQ01', password: HQ_PASSWORD }));
    expect(await sessionsOf('HQ01')).toBe(before + 1);
    ok(await api.invoke('session.logout', {}));
    // The seat's logout does not wait for head office: wait for head office to have forgotten the session.
    await expect.poll(() => sessionsOf('HQ01'), { timeout: 10_000 }).toBe(before);
  });
});
