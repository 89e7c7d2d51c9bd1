import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../hq/auth/password';
import type { ImportReport } from '../../hq/feeds';
import { upsertUser } from '../../hq/reference';
import { createRules } from '../../hq/rules';
import type { PullResponse } from '../../shared/contract/sync';
import { BRANCH } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

const NOW = new Date('2026-11-26T02:00:00.000Z');

const opening = (customerId: string, channel: string, idNumber = '11010519491231002X') => ({
  customerId,
  name: '张伟',
  idNumber,
  mobile: '13812345678',
  branchId: BRANCH.branchId,
  channel,
  openedAt: '2026-11-25 10:30',
  salespersonId: null,
  introducerId: null,
  margin: false,
});

describe.each(DB_KINDS)('feeds imported at head office on %s', (kind) => {
  let t: TestHq;
  let admin: string;
  beforeAll(async () => {
    t = await startHq(kind, () => NOW);
    admin = t.adminToken;
    await upsertUser(t.hq.db.db, {
      code: 'A100',
      name: '坐席甲',
      role: 'agent',
      branchId: BRANCH.branchId,
      passwordHash: await hashPassword(HQ_PASSWORD, { N: 1024 }),
    });
  }, 60_000);
  afterAll(() => t?.close());

  const importRows = async (feed: string, rows: unknown[], token = admin) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/feeds/${feed}`,
      headers: { authorization: `Bearer ${token}` },
      payload: { rows },
    });
    return { status: res.statusCode, body: res.json() as ImportReport & { message?: string } };
  };
  const purposesOf = async (customerId: string) =>
    (
      await t.hq.db.db
        .selectFrom('tasks')
        .innerJoin('task_purposes', 'task_purposes.task_id', 'tasks.id')
        .select(['tasks.id', 'task_purposes.type', 'task_purposes.deadline_at'])
        .where('tasks.customer_id', '=', customerId)
        .where('tasks.status', '=', 'open')
        .orderBy('task_purposes.type')
        .execute()
    ).map((r) => [r.type, r.deadline_at]);

  it('turns account openings into tasks by the rules, and names each bad row in Chinese', async () => {
    const { status, body } = await importRows('accounts_opened', [
      opening('C-COUNTER', '柜台'),
      opening('C-NONSITE', '非现场'),
      opening('C-BAD', 'counter', '110105194912310021'),
    ]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ rows: 3, tasksCreated: 2, customersUpserted: 2 });
    expect(body.skipped.map((s) => [s.row, s.reason])).toEqual([[3, 'bad_row']]);
    expect(body.skipped[0]?.message).toMatch(/^第 3 行：.*身份证号/);
    // Counter: two weeks. Non-site, opened 10:30 on a business day: the same day, plus the new-account call.
    expect(await purposesOf('C-COUNTER')).toEqual([['new_account', '2026-12-09T15:59:59.999Z']]);
    expect(await purposesOf('C-NONSITE')).toEqual([
      ['new_account', '2026-12-09T15:59:59.999Z'],
      ['nonsite_qualification', '2026-11-25T15:59:59.999Z'],
    ]);
  });

  it('creates nothing twice when the same feed comes again', async () => {
    const before = await t.hq.db.db
      .selectFrom('task_purposes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const { body } = await importRows('accounts_opened', [
      opening('C-COUNTER', '柜台'),
      opening('C-NONSITE', '非现场'),
    ]);
    expect(body).toMatchObject({ tasksCreated: 0, purposesAdded: 0 });
    expect(body.skipped.every((s) => s.reason === 'duplicate')).toBe(true);
    const after = await t.hq.db.db
      .selectFrom('task_purposes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    expect(Number(after?.n)).toBe(Number(before?.n));
  });

  it('merges a new purpose into the customer’s open task (one call), never a second task', async () => {
    const { body } = await importRows('aml', [
      { listId: 'AML-2026-11', customerId: 'C-COUNTER', listedAt: '2026-11-25', reason: '证件过期' },
    ]);
    expect(body).toMatchObject({ tasksCreated: 0, purposesAdded: 1 });
    const purposes = await purposesOf('C-COUNTER');
    expect(purposes.map(([type]) => type)).toEqual(['aml', 'new_account']);
  });

  it('lets only administrators and compliance import (403 for an agent, audited)', async () => {
    const agent = await t.login('A100');
    const { status, body } = await importRows('aml', [], agent);
    expect([status, body.message]).toEqual([403, '您的角色无权执行此操作']);
    const refused = await t.hq.db.db
      .selectFrom('audit')
      .select('entity_id')
      .where('action', '=', 'hq.refused')
      .execute();
    expect(refused.map((r) => r.entity_id)).toContain('POST /api/feeds/:kind');
  });

  it('hands the new tasks to a seat of the branch when it pulls', async () => {
    const seat = await t.enrol();
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/sync/pull?cursor=0',
      headers: { authorization: `Seat ${seat.token}` },
    });
    const page = res.json() as PullResponse;
    expect(page.tasks.map((task) => task.customerId).sort()).toEqual(['C-COUNTER', 'C-NONSITE']);
    expect(page.customers.find((c) => c.id === 'C-NONSITE')?.phone).toBe('13812345678');
  });

  it('counts deadlines on the business calendar head office is configured with (holidays)', async () => {
    const rules = createRules({ calendar: { holidays: ['2026-11-26'] } });
    const local = await startHq(kind, () => NOW, { rules });
    try {
      // Non-site, opened Wednesday 17:00 (after opening hours): the next business day, Thursday — or, with
      // Thursday a holiday, Friday.
      const res = await local.app.inject({
        method: 'POST',
        url: '/api/feeds/accounts_opened',
        headers: { authorization: `Bearer ${local.adminToken}` },
        payload: { rows: [{ ...opening('C-LATE', '非现场'), openedAt: '2026-11-25 17:00' }] },
      });
      expect(res.statusCode, res.body).toBe(200);
      const row = await local.hq.db.db
        .selectFrom('task_purposes')
        .select('deadline_at')
        .where('type', '=', 'nonsite_qualification')
        .executeTakeFirst();
      expect(row?.deadline_at).toBe('2026-11-27T15:59:59.999Z');
    } finally {
      await local.close();
    }
  });
});
