/**
 * Customers' 免打扰 and 偏好时段 at head office (issue 16, point 7): imported from the contact feed (rows checked
 * one by one, each bad one reported in Chinese with its row number), sent to the branch's seats in the pull, and
 * changed by a seat's `contact` outbox entry, which touches a customer of the seat's own branch only, by a user
 * of it, and never undoes a later change of head office's.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../hq/reference';
import type { ContactPayload, Enrolment, PullResponse, PushResponse } from '../../shared/contract/sync';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('customer contact wishes at head office, on %s', (kind) => {
  let t: TestHq;
  let seat: Enrolment;
  let bjSeat: Enrolment;
  let agentId: string;
  let bjAgentId: string;
  /** Head office's clock. */
  let clock = Date.parse('2026-11-27T02:00:00.000Z');
  let seq = 0;

  const customer = (id: string, branchId: string) => ({
    id,
    name: '测试客户',
    idNumber: '11010519491231002X',
    phone: '13812340000',
    branchId,
    salespersonId: null,
    introducerId: null,
    openedAt: null,
    channel: 'counter' as const,
    margin: false,
  });
  const importRows = async (rows: unknown[], token = t.adminToken) =>
    t.app.inject({
      method: 'POST',
      url: '/api/customers/contact',
      headers: { authorization: `Bearer ${token}` },
      payload: { rows, firstRow: 2 },
    });
  const row = async (id: string) =>
    t.hq.db.db
      .selectFrom('customers')
      .select(['do_not_call', 'do_not_call_at', 'preferred_times', 'preferred_times_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const pull = async (as: Enrolment, cursor = 0) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/sync/pull?cursor=${cursor}`,
      headers: { authorization: `Seat ${as.token}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as PullResponse;
  };
  const contactEntry = (as: Enrolment, payload: Partial<ContactPayload> & { customerId: string }) => {
    seq += 1;
    const at = new Date(clock).toISOString();
    return {
      seq,
      kind: 'contact',
      entityId: payload.customerId,
      createdAt: at,
      payload: {
        wish: 'doNotCall',
        agentId,
        seatId: as.seatId,
        at,
        reason: '客户要求不再来电',
        doNotCall: { source: 'agent', reason: '客户要求不再来电', by: '李静（A001）', at },
        ...payload,
      },
    };
  };
  const push = async (as: Enrolment, entries: object[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${as.token}` },
      payload: { seatId: as.seatId, entries },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as PushResponse;
  };

  beforeAll(async () => {
    t = await startHq(kind, () => new Date(clock));
    seat = await t.enrol(BRANCH.branchId, '上海 1 号坐席');
    bjSeat = await t.enrol(OTHER_BRANCH.branchId, '北京 1 号坐席');
    agentId = await t.addUser('SH-A1', 'agent', BRANCH.branchId);
    bjAgentId = await t.addUser('BJ-A1', 'agent', OTHER_BRANCH.branchId);
    await upsertCustomers(t.hq.db.db, [
      customer('C-SH-1', BRANCH.branchId),
      customer('C-SH-2', BRANCH.branchId),
      customer('C-BJ-1', OTHER_BRANCH.branchId),
    ]);
  }, 60_000);
  afterAll(() => t?.close());

  it('imports 免打扰 and 偏好时段, reporting each bad row in Chinese, and sends them to the branch’s seats', async () => {
    const before = await pull(seat);
    // A customer before any wish: none, and the fields are there for the seat.
    expect(before.customers.find((c) => c.id === 'C-SH-1')).toMatchObject({
      doNotCall: null,
      preferredTimes: [],
    });
    const res = await importRows([
      {
        customerId: 'C-SH-1',
        doNotCall: '是',
        doNotCallReason: '客户致电总部要求免打扰',
        preferredTimes: '',
      },
      { customerId: 'C-SH-2', doNotCall: '', preferredTimes: '周一至周五 09:00-11:30；周六 21:00-01:00' },
      { customerId: 'C-SH-2', doNotCall: '也许' },
      { customerId: 'C-SH-1', doNotCall: '是' },
      { customerId: 'C-SH-2', preferredTimes: '上午' },
      { customerId: 'C-NONE', doNotCall: '否' },
      { customerId: 'C-SH-2', mobile: '13800000000' },
      { customerId: 'C-SH-2', preferredTimes: '1:00-2:00;3:00-4:00;5:00-6:00;7:00-8:00;9:00-10:00' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      rows: 8,
      updated: 2,
      skipped: [
        { row: 4, message: '第 4 行：免打扰应为 是/否（true/false）' },
        { row: 5, message: '第 5 行：登记免打扰须填写免打扰原因' },
        { row: 6, message: expect.stringMatching(/^第 6 行：无法识别的偏好时段：上午/) },
        { row: 7, message: '第 7 行：客户 C-NONE 不存在' },
        { row: 8, message: '第 8 行：未知字段：mobile' },
        { row: 9, message: '第 9 行：偏好时段最多 4 段' },
      ],
    });
    const now = new Date(clock).toISOString();
    const flag = { source: 'hq', reason: '客户致电总部要求免打扰', by: '总部导入（HQ01）', at: now };
    const one = await row('C-SH-1');
    expect(one.do_not_call).toEqual(flag);
    expect(new Date(one.do_not_call_at ?? '').toISOString()).toBe(now);
    // Blank preferred times leave them as they are.
    expect(one.preferred_times).toEqual([]);
    expect(one.preferred_times_at).toBeNull();
    const times = [
      { start: '09:00', end: '11:30', weekdays: [1, 2, 3, 4, 5] },
      { start: '21:00', end: '01:00', weekdays: [6] },
    ];
    expect((await row('C-SH-2')).preferred_times).toEqual(times);
    expect((await row('C-SH-2')).do_not_call).toBeNull();

    const page = await pull(seat, before.cursor);
    expect(page.customers.find((c) => c.id === 'C-SH-1')).toMatchObject({
      doNotCall: flag,
      preferredTimes: [],
    });
    expect(page.customers.find((c) => c.id === 'C-SH-2')).toMatchObject({
      doNotCall: null,
      preferredTimes: times,
    });
    // Another branch's seat hears nothing of these customers.
    expect((await pull(bjSeat)).customers.map((c) => c.id)).not.toContain('C-SH-1');
    // Only head office's managing roles import.
    await t.addUser('SH-SUP', 'supervisor', BRANCH.branchId);
    expect((await importRows([], await t.login('SH-SUP'))).statusCode).toBe(403);
  });

  it('applies a seat’s change of its own branch’s customer, and the branch’s seats pull it', async () => {
    clock += 60_000;
    const cursor = (await pull(seat)).cursor;
    const lift = contactEntry(seat, {
      customerId: 'C-SH-1',
      reason: '客户来电同意回访',
      doNotCall: null,
    });
    const times = contactEntry(seat, {
      customerId: 'C-SH-1',
      wish: 'preferredTimes',
      reason: '客户说晚上方便',
      preferredTimes: [{ start: '19:00', end: '20:00', weekdays: null }],
    } as Partial<ContactPayload> & { customerId: string });
    const res = await push(seat, [lift, times]);
    expect(res.refused).toEqual([]);
    const after = await row('C-SH-1');
    expect(after.do_not_call).toBeNull();
    expect(new Date(after.do_not_call_at ?? '').getTime()).toBe(clock);
    expect(after.preferred_times).toEqual([{ start: '19:00', end: '20:00', weekdays: null }]);
    const page = await pull(seat, cursor);
    expect(page.customers.find((c) => c.id === 'C-SH-1')).toMatchObject({
      doNotCall: null,
      preferredTimes: [{ start: '19:00', end: '20:00', weekdays: null }],
    });
  });

  it('refuses (403) another branch’s customer, an agent of another branch and another seat’s id; touches nothing', async () => {
    clock += 60_000;
    const before = await row('C-BJ-1');
    const otherBranch = contactEntry(seat, { customerId: 'C-BJ-1' });
    const otherAgent = contactEntry(seat, { customerId: 'C-SH-2', agentId: bjAgentId });
    const otherSeat = contactEntry(seat, { customerId: 'C-SH-2', seatId: bjSeat.seatId });
    const unknown = contactEntry(seat, { customerId: 'C-NONE' });
    const res = await push(seat, [otherBranch, otherAgent, otherSeat, unknown]);
    expect(res.refused.map((r) => [r.seq, r.status, r.code])).toEqual([
      [otherBranch.seq, 403, 'FORBIDDEN'],
      [otherAgent.seq, 403, 'FORBIDDEN'],
      [otherSeat.seq, 403, 'FORBIDDEN'],
      [unknown.seq, 403, 'FORBIDDEN'],
    ]);
    expect(res.refused[0]?.message).toContain('其他营业部');
    expect(await row('C-BJ-1')).toEqual(before);
    expect((await row('C-SH-2')).do_not_call).toBeNull();
    const q = await t.hq.db.db
      .selectFrom('quarantine')
      .select('seq')
      .where('seat_id', '=', seat.seatId)
      .where('kind', '=', 'contact')
      .execute();
    expect(q.map((r) => Number(r.seq)).sort((a, b) => a - b)).toEqual(res.refused.map((r) => r.seq));
  });

  it('keeps head office’s later change over a seat’s earlier one that arrives after it', async () => {
    const seatTime = clock + 60_000;
    clock = seatTime;
    const late = contactEntry(seat, { customerId: 'C-SH-2' });
    // Head office imports a newer value before the seat's entry arrives.
    clock = seatTime + 3600_000;
    // (A new login: an hour on, the morning's session has timed out.)
    const token = await t.login('HQ01');
    expect((await importRows([{ customerId: 'C-SH-2', doNotCall: '否' }], token)).json()).toMatchObject({
      updated: 1,
    });
    const res = await push(seat, [late]);
    expect(res.refused).toEqual([]);
    const r = await row('C-SH-2');
    expect(r.do_not_call).toBeNull();
    expect(new Date(r.do_not_call_at ?? '').getTime()).toBe(seatTime + 3600_000);
    // The entry is applied (acknowledged, kept in the log) but changed nothing.
    expect(res.appliedSeq).toBe(late.seq);
  });

  it('imports a CSV file with `npm run hq:import -- customer_contact` (header row, Chinese values)', async () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'contact.csv');
    writeFileSync(
      file,
      [
        'customerId,doNotCall,doNotCallReason,preferredTimes',
        'C-SH-2,是,客户书面申请免打扰,',
        'C-BJ-1,,,"工作日 09:00-11:30；周末 10:00-12:00"',
        'C-SH-1,也许,,',
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/hq-import.ts', 'customer_contact', file, '--hq', t.url],
      { cwd: resolve(import.meta.dirname, '../..'), env: { ...process.env, HQ_PASSWORD } },
    );
    expect(stdout).toContain('已导入 3 行：更新客户 2 个，跳过 1 行');
    // The CSV's third data row is line 4 of the file.
    expect(stdout).toContain('第 4 行：免打扰应为 是/否（true/false）');
    expect((await row('C-SH-2')).do_not_call).toMatchObject({ source: 'hq', reason: '客户书面申请免打扰' });
    expect((await row('C-BJ-1')).preferred_times).toEqual([
      { start: '09:00', end: '11:30', weekdays: [1, 2, 3, 4, 5] },
      { start: '10:00', end: '12:00', weekdays: [6, 7] },
    ]);
    tmp.cleanup();
  }, 60_000);
});
