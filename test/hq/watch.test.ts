import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HqClient } from '../../electron/seat/sync/hq-client';
import { addPurposes, upsertCustomers } from '../../hq/reference';
import { createRules } from '../../hq/rules';
import { logCalendarWarnings } from '../../hq/watch';
import { Watch } from '../../shared/contract/review';
import type { CallbackType } from '../../shared/domain/callback-types';
import { BRANCH } from '../support/fixtures';
import { OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('the seats and the deadlines, as supervisors watch them, on %s', (kind) => {
  let t: TestHq;
  // 10:00 on 26 November, China time.
  let clock = new Date('2026-11-26T02:00:00.000Z');
  const seats: Record<'working' | 'silent', { seatId: string; token: string }> = {} as never;

  async function task(branchId: string, name: string, type: CallbackType, deadlineAt: string) {
    const id = `C-${uuidv4()}`;
    await t.hq.db.db.transaction().execute(async (tx) => {
      await upsertCustomers(tx, [
        {
          id,
          name,
          idNumber: `ID-${id}`,
          phone: '13800000000',
          branchId,
          salespersonId: null,
          introducerId: null,
          openedAt: null,
          channel: 'counter',
          margin: false,
        },
      ]);
      await addPurposes(
        tx,
        { id, branchId },
        [{ type, deadlineAt, reason: '测试', salespersonId: null, sourceKey: `w:${id}` }],
        '2026-11-20T02:00:00.000Z',
      );
    });
  }

  beforeAll(async () => {
    t = await startHq(kind, () => clock);
    await t.addUser('SH01', 'supervisor', BRANCH.branchId, '上海主管');
    await t.addUser('A100', 'agent', BRANCH.branchId, '坐席');
    await task(BRANCH.branchId, '过期客户', 'aml', '2026-11-25T15:59:59.999Z');
    await task(BRANCH.branchId, '今日客户', 'abnormal', '2026-11-26T15:59:59.999Z');
    await task(BRANCH.branchId, '三日内客户', 'new_account', '2026-11-28T15:59:59.999Z');
    await task(BRANCH.branchId, '下月客户', 'new_account', '2026-12-10T15:59:59.999Z');
    await task(OTHER_BRANCH.branchId, '北京客户', 'aml', '2026-11-20T15:59:59.999Z');
    seats.working = await t.enrol(BRANCH.branchId, '上海 1 号坐席');
    seats.silent = await t.enrol(BRANCH.branchId, '上海 2 号坐席');
    // The working seat pulls (and so holds the branch's tasks) and reports a recording it has not uploaded.
    // The seat's clock is the test's, as head office's is: nothing off.
    const client = new HqClient(t.url, { seatToken: seats.working.token }, () => clock);
    await client.pull(0, 1000);
    const recordingId = uuidv7();
    await client.push({
      seatId: seats.working.seatId,
      entries: [
        {
          seq: 1,
          kind: 'recording',
          entityId: recordingId,
          createdAt: clock.toISOString(),
          payload: {
            id: recordingId,
            attemptId: uuidv7(),
            mimeType: 'audio/webm;codecs=opus',
            sha256: 'a'.repeat(64),
            sizeBytes: 1000,
            durationMs: 1000,
            status: 'finished',
            startedAt: clock.toISOString(),
            finishedAt: clock.toISOString(),
          },
        },
      ],
    });
  }, 60_000);
  afterAll(() => t?.close());

  const get = async (code: string, url = '/api/watch') =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await t.login(code)}` } });

  it('counts a branch’s open tasks by deadline and lists the overdue ones, the oldest first', async () => {
    const res = await get('HQ01');
    expect(res.statusCode, res.body).toBe(200);
    const w = Watch.parse(res.json());
    expect(w.branches).toEqual([
      {
        branchId: OTHER_BRANCH.branchId,
        branchName: OTHER_BRANCH.branchName,
        open: 1,
        overdue: 1,
        dueToday: 0,
        dueSoon: 0,
        unassigned: 1,
      },
      {
        branchId: BRANCH.branchId,
        branchName: BRANCH.branchName,
        open: 4,
        overdue: 1,
        dueToday: 1,
        dueSoon: 1,
        unassigned: 0,
      },
    ]);
    expect(w.overdue.map((o) => [o.customerName, o.types, o.seatName])).toEqual([
      ['北京客户', ['aml'], null],
      ['过期客户', ['aml'], '上海 1 号坐席'],
    ]);
  });

  it('shows each seat online or not by when head office last heard from it, what it holds and has not sent', async () => {
    const seatsOf = async () => Watch.parse((await get('SH01')).json()).seats;
    expect(await seatsOf()).toEqual([
      {
        id: seats.working.seatId,
        name: '上海 1 号坐席',
        branchId: BRANCH.branchId,
        lastSeenAt: clock.toISOString(),
        online: true,
        open: 4,
        overdue: 1,
        recordingsWaiting: 1,
        // Measured at its sync: the same clock on both sides.
        clockOffsetMs: 0,
        quarantined: 0,
      },
      {
        id: seats.silent.seatId,
        name: '上海 2 号坐席',
        branchId: BRANCH.branchId,
        lastSeenAt: null,
        online: false,
        open: 0,
        overdue: 0,
        recordingsWaiting: 0,
        clockOffsetMs: null,
        quarantined: 0,
      },
    ]);
    // Three minutes without a sync round: offline.
    clock = new Date(clock.getTime() + 3 * 60_000);
    expect((await seatsOf())[0]?.online).toBe(false);
  });

  it('gives a branch supervisor their branch only, refuses another branch and agents, and audits', async () => {
    const own = Watch.parse((await get('SH01')).json());
    expect(own.branches.map((b) => b.branchId)).toEqual([BRANCH.branchId]);
    expect(own.overdue.map((o) => o.customerName)).toEqual(['过期客户']);
    const other = await get('SH01', `/api/watch?branchId=${OTHER_BRANCH.branchId}`);
    expect([other.statusCode, other.json().message]).toEqual([403, '您无权访问其他营业部的数据']);
    expect((await get('A100')).statusCode).toBe(403);
    const picked = Watch.parse((await get('HQ01', `/api/watch?branchId=${BRANCH.branchId}`)).json());
    expect(picked.seats.map((s) => s.name)).toEqual(['上海 1 号坐席', '上海 2 号坐席']);
    const audit = await t.hq.db.db
      .selectFrom('audit')
      .select('entity_id')
      .where('action', '=', 'hq.watch')
      .execute();
    expect(audit.map((a) => a.entity_id)).toContain(BRANCH.branchId);
  });

  it('warns supervisors, the health route and the log when deadlines reach a year with no holiday schedule', async () => {
    const missing =
      '2027 年节假日安排尚未配置：截止时间暂按周末计算（请在回访规则文件 calendar.years 中添加）';
    // 26 November 2026: every deadline given now falls in 2026, whose schedule head office ships with.
    expect(Watch.parse((await get('SH01')).json()).warnings).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/api/health' })).json().warnings).toEqual([]);
    // 2 December: an AML deadline (30 days) falls in 2027.
    const before = clock;
    clock = new Date('2026-12-02T02:00:00.000Z');
    try {
      expect(Watch.parse((await get('SH01')).json()).warnings).toEqual([missing]);
      expect((await t.app.inject({ method: 'GET', url: '/api/health' })).json()).toMatchObject({
        ok: true,
        warnings: [missing],
      });
      // In the log at start and then once a day, while it lasts.
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const lines: string[] = [];
      const stop = logCalendarWarnings(t.hq, (line) => lines.push(line));
      expect(lines).toEqual([missing]);
      vi.advanceTimersByTime(24 * 3_600_000);
      expect(lines).toEqual([missing, missing]);
      stop();
      vi.advanceTimersByTime(48 * 3_600_000);
      expect(lines).toHaveLength(2);
      // Configured (with its source), the warning goes.
      const configured = {
        ...t.hq,
        rules: createRules({
          calendar: { years: { '2027': { source: '（测试）2027 年通知', holidays: [] } } },
        }),
      };
      const quiet: string[] = [];
      logCalendarWarnings(configured, (line) => quiet.push(line))();
      expect(quiet).toEqual([]);
    } finally {
      vi.useRealTimers();
      clock = before;
    }
  });
});
