import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPurposes, reassignTask, upsertCustomers } from '../../hq/reference';
import type { Enrolment, OutboxEntry, PullResponse } from '../../shared/contract/sync';
import { BRANCH } from '../support/fixtures';
import { auditEntry, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('the sync protocol on %s', (kind) => {
  let t: TestHq;
  let seat: Enrolment;
  let other: Enrolment;
  beforeAll(async () => {
    // A queue of 20 with 30 tasks: both seats get some, so "never the same task to two seats" is tested.
    t = await startHq(kind, undefined, { seatQueue: 20 });
    seat = await t.enrol();
    other = await t.enrol(BRANCH.branchId, '2 号坐席');
  }, 60_000);
  afterAll(() => t?.close());

  const push = (as: Enrolment, entries: OutboxEntry[], seatId = as.seatId) =>
    t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${as.token}` },
      payload: { seatId, entries },
    });
  const pull = async (as: Enrolment, cursor: number, limit = 500) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/sync/pull?cursor=${cursor}&limit=${limit}`,
      headers: { authorization: `Seat ${as.token}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as PullResponse;
  };
  const count = async (table: 'audit' | 'seat_entries' | 'results', where?: string) => {
    const q = t.hq.db.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
    const row = await (where ? q.where('action' as never, '=', where as never) : q).executeTakeFirstOrThrow();
    return Number(row.n);
  };

  it('applies a push once: the same push again changes nothing', async () => {
    const entries = [1, 2, 3].map((n) => auditEntry(seat.seatId, n));
    const first = await push(seat, entries);
    expect(first.json()).toMatchObject({ appliedSeq: 3, refused: [] });
    const before = await count('seat_entries');
    const again = await push(seat, entries);
    expect([again.statusCode, again.json()]).toMatchObject([200, { appliedSeq: 3, refused: [] }]);
    expect(await count('seat_entries')).toBe(before);
    expect(await count('audit', 'session.login')).toBe(3);
  });

  it('refuses a gap with the sequence it expects, keeping what came before; the seat recovers from there', async () => {
    const gap = await push(seat, [auditEntry(seat.seatId, 4), auditEntry(seat.seatId, 6)]);
    expect(gap.statusCode).toBe(409);
    expect(gap.json()).toMatchObject({ code: 'SEQ_GAP', expectedSeq: 5, appliedSeq: 4 });
    expect(gap.json().message).toBe('同步序号不连续：总部需要第 5 条');
    const recovered = await push(seat, [auditEntry(seat.seatId, 5), auditEntry(seat.seatId, 6)]);
    expect(recovered.json()).toMatchObject({ appliedSeq: 6, refused: [] });
  });

  it('compares an entry under a number already applied: the same is a repeat, another one a conflict', async () => {
    // Applied so far: 1–6. The entries a seat restored from a backup makes anew under 5 and 6 are others.
    const conflict = await push(seat, [auditEntry(seat.seatId, 5), auditEntry(seat.seatId, 6)]);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ code: 'SEQ_CONFLICT', conflictSeq: 5, appliedSeq: 6 });
    expect(conflict.json().message).toMatch(/^同步序号冲突：第 5 条与总部已收到的同号记录不同/);
    // Nothing of that push was applied, not even an entry after the conflict.
    const before = await count('seat_entries');
    const mixed = await push(seat, [auditEntry(seat.seatId, 6), auditEntry(seat.seatId, 7)]);
    expect(mixed.json()).toMatchObject({ code: 'SEQ_CONFLICT', conflictSeq: 6 });
    expect(await count('seat_entries')).toBe(before);
  });

  it('refuses another seat’s id (403, audited) and a missing token (401); quarantines a bad entry (422, naming it)', async () => {
    const mismatch = await push(seat, [auditEntry(other.seatId, 1)], other.seatId);
    expect(mismatch.statusCode).toBe(403);
    expect(mismatch.json()).toMatchObject({ code: 'SEAT_MISMATCH', message: '推送的坐席编号与凭据不符' });
    const refused = await t.hq.db.db
      .selectFrom('audit')
      .select(['seat_id', 'detail'])
      .where('action', '=', 'hq.refused')
      .where('seat_id', '=', seat.seatId)
      .execute();
    expect(refused.map((r) => r.detail)).toContainEqual({ reason: `push as seat ${other.seatId}` });

    const bad = auditEntry(seat.seatId, 7);
    (bad.payload as { action: string }).action = '';
    const invalid = await push(seat, [bad]);
    // Not refused for ever (the outbox would jam): kept in the quarantine, its number acknowledged.
    expect(invalid.statusCode).toBe(200);
    expect(invalid.json()).toMatchObject({
      appliedSeq: 7,
      refused: [
        {
          seq: 7,
          status: 422,
          code: 'BAD_ENTRY',
          message: expect.stringMatching(/^第 7 条（audit）内容无效：action/),
        },
      ],
    });

    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      payload: { seatId: seat.seatId, entries: [auditEntry(seat.seatId, 7)] },
    });
    expect([anonymous.statusCode, anonymous.json().code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('lets a supervisor enrol seats only in their own branch', async () => {
    const token = await t.login('BJ01');
    const enrol = (branchId: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/seats',
        headers: { authorization: `Bearer ${token}` },
        payload: { branchId, name: '新坐席' },
      });
    expect((await enrol(OTHER_BRANCH.branchId)).statusCode).toBe(201);
    const foreign = await enrol(BRANCH.branchId);
    expect([foreign.statusCode, foreign.json().message]).toEqual([403, '您无权访问其他营业部的数据']);
  });

  it('hands each open task to one seat only, and pages a pull so a cut-off one resumes consistently', async () => {
    const customers = Array.from({ length: 30 }, (_, i) => ({
      id: uuidv4(),
      name: `客户${i}`,
      idNumber: '11010519491231002X',
      phone: `1381234${String(i).padStart(4, '0')}`,
      branchId: BRANCH.branchId,
      salespersonId: null,
      introducerId: null,
      openedAt: '2026-11-20T02:00:00.000Z',
      channel: 'counter' as const,
      margin: false,
    }));
    await t.hq.db.db.transaction().execute(async (tx) => {
      await upsertCustomers(tx, customers);
      for (const c of customers) {
        await addPurposes(
          tx,
          { id: c.id, branchId: c.branchId },
          [
            {
              type: 'new_account',
              deadlineAt: '2026-12-04T15:59:59.999Z',
              reason: '开户日 2026-11-20',
              salespersonId: null,
              sourceKey: `accounts_opened:${c.id}`,
            },
          ],
          '2026-11-20T03:00:00.000Z',
        );
      }
    });
    // Two seats pull at once.
    const [a, b] = await Promise.all([pull(seat, 0, 1000), pull(other, 0, 1000)]);
    const ids = (p: PullResponse) => p.tasks.map((task) => task.id);
    expect(ids(a).length + ids(b).length).toBe(30);
    expect([ids(a).length, ids(b).length].sort()).toEqual([10, 20]);
    expect(ids(a).filter((id) => ids(b).includes(id))).toEqual([]);
    // Everything a task needs comes with it.
    for (const task of a.tasks) expect(a.customers.map((c) => c.id)).toContain(task.customerId);

    // The same changes again in pages of 7: same tasks, cursor strictly growing, nothing twice.
    let cursor = 0;
    const seen: string[] = [];
    for (let guard = 0; guard < 50; guard++) {
      const page = await pull(seat, cursor, 7);
      expect(page.cursor).toBeGreaterThanOrEqual(cursor);
      seen.push(...ids(page));
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(seen.length).toBe(ids(a).length);
    expect(new Set(seen)).toEqual(new Set(ids(a)));
    expect((await pull(seat, cursor)).tasks).toEqual([]);
  });

  it('revokes a reassigned task from its old seat, and keeps that seat’s late result, flagged', async () => {
    const mine = await pull(seat, 0, 1000);
    const task = mine.tasks[0];
    if (!task) throw new Error('no task');
    const cursor = mine.cursor;
    await t.hq.db.db.transaction().execute((tx) => reassignTask(tx, task.id, other.seatId));
    const after = await pull(seat, cursor);
    expect(after.revoked).toEqual([task.id]);
    const theirs = await pull(other, 0, 1000);
    expect(theirs.tasks.map((x) => x.id)).toContain(task.id);

    const resultId = uuidv7();
    const agentId = await t.addUser('A701', 'agent', BRANCH.branchId);
    const res = await push(seat, [
      {
        seq: 8,
        kind: 'result',
        entityId: resultId,
        createdAt: '2026-11-26T03:00:00.000Z',
        payload: {
          id: resultId,
          taskId: task.id,
          attemptId: null,
          outcome: 'refused',
          disposition: 'connected',
          notes: '客户不愿回答',
          retryAt: null,
          supersedesId: null,
          agentId,
          seatId: seat.seatId,
          createdAt: '2026-11-26T03:00:00.000Z',
          answers: [],
          purposes: [],
          findings: [],
        },
      },
    ]);
    expect(res.json()).toMatchObject({ appliedSeq: 8, refused: [] });
    const kept = await t.hq.db.db
      .selectFrom('results')
      .select(['id', 'flag'])
      .where('id', '=', resultId)
      .execute();
    expect(kept).toEqual([{ id: resultId, flag: 'reassigned' }]);
    // The task stays open with the seat that holds it now.
    const status = await t.hq.db.db
      .selectFrom('tasks')
      .select('status')
      .where('id', '=', task.id)
      .executeTakeFirst();
    expect(status).toEqual({ status: 'open' });
  });

  it('sends published scripts and the branch’s managed settings with the next pull', async () => {
    const before = await pull(seat, 0, 2000);
    const aml = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../../assets/scripts/aml.json'), 'utf8'),
    );
    aml.version = 2;
    const publish = (script: unknown, token = t.adminToken) =>
      t.app.inject({
        method: 'POST',
        url: '/api/scripts',
        headers: { authorization: `Bearer ${token}` },
        payload: { script },
      });
    expect((await publish(aml)).json()).toEqual({ id: 'aml', version: 2, published: true });
    expect((await publish(aml)).json()).toEqual({ id: 'aml', version: 2, published: false });
    const changed = structuredClone(aml);
    changed.steps[1].text.zh = '改过的开场白';
    const conflict = await publish(changed);
    expect([conflict.statusCode, conflict.json().message]).toEqual([
      409,
      '脚本 aml 的版本 2 已发布且内容不同；修改脚本须提高版本号',
    ]);
    const broken = structuredClone(aml);
    broken.version = 3;
    broken.steps.find((s: { id: string }) => s.id === 'aml.occupation').options = [];
    const bad = await publish(broken);
    expect([bad.statusCode, bad.json().message]).toEqual([
      400,
      expect.stringMatching(/步骤 aml\.occupation：缺少选项/),
    ]);

    const setting = (branchId: string, key: string, value: unknown, token: string) =>
      t.app.inject({
        method: 'PUT',
        url: `/api/branches/${branchId}/settings/${key}`,
        headers: { authorization: `Bearer ${token}` },
        payload: { value },
      });
    const window = [{ start: '09:00', end: '12:00' }];
    expect((await setting(BRANCH.branchId, 'calling.window', window, t.adminToken)).statusCode).toBe(200);
    const unmanaged = await setting(BRANCH.branchId, 'sip.password', 'x', t.adminToken);
    expect([unmanaged.statusCode, unmanaged.json().message]).toEqual([
      400,
      '设置项 sip.password 不由总部管理',
    ]);
    const foreign = await setting(BRANCH.branchId, 'retry.maxAttempts', 5, await t.login('BJ01'));
    expect(foreign.statusCode).toBe(403);

    const page = await pull(seat, before.cursor);
    expect(page.scripts.map((x) => `${x.id}@${x.version}`)).toEqual(['aml@2']);
    expect(page.settings).toEqual([{ key: 'calling.window', value: window }]);
    // The other branch's seats get the script, not this branch's setting.
    const elsewhere = await t.enrol(OTHER_BRANCH.branchId, '北京坐席');
    const theirs = await pull(elsewhere, 0, 2000);
    expect(theirs.scripts.map((x) => `${x.id}@${x.version}`)).toEqual(['aml@2']);
    expect(theirs.settings).toEqual([]);
  });
});
