/**
 * What head office does with an entry it cannot accept (issue 13, findings 2–4 and 8): it never answers 5xx
 * and never refuses the push for ever (the outbox behind it would jam); it keeps the entry verbatim in its
 * quarantine with the reason, audits it, acknowledges its number and applies what follows. It derives the
 * branch, customer and salesperson of results and findings from its own records, refuses (403) a result for
 * another branch's task or by someone who is not a user of the seat's branch, and (409) an id another seat
 * holds. It corrects the times of a seat whose clock is off.
 */
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPurposes, upsertCustomers, upsertSalespeople } from '../../hq/reference';
import { buildReport } from '../../hq/reports';
import { applyPush } from '../../hq/sync/push';
import type { Enrolment, OutboxEntry, PushResponse } from '../../shared/contract/sync';
import { BRANCH } from '../support/fixtures';
import { auditEntry, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('entries head office cannot accept, on %s', (kind) => {
  let t: TestHq;
  let seat: Enrolment;
  let other: Enrolment;
  let agentId: string;
  let otherAgentId: string;
  let bjAgentId: string;
  /** The next sequence number of each seat. */
  const next = new Map<string, number>();
  const seqOf = (s: Enrolment) => {
    const n = (next.get(s.seatId) ?? 0) + 1;
    next.set(s.seatId, n);
    return n;
  };

  /** A task of `branchId` for a new customer served by a salesperson of that branch; its id and customer's. */
  const task = async (
    branchId: string,
    opts: { assignedSeatId?: string | null; deadlineAt?: string } = {},
  ) => {
    const customerId = `C-${uuidv4()}`;
    const sp = `SP-${branchId}`;
    return t.hq.db.db.transaction().execute(async (tx) => {
      await upsertSalespeople(tx, [{ id: sp, code: sp, name: '营销人员', branchId, departedAt: null }]);
      await upsertCustomers(tx, [
        {
          id: customerId,
          name: '测试客户',
          idNumber: '11010519491231002X',
          phone: '13812340000',
          branchId,
          salespersonId: sp,
          introducerId: null,
          openedAt: null,
          channel: 'counter',
          margin: false,
        },
      ]);
      const { taskId } = await addPurposes(
        tx,
        { id: customerId, branchId },
        [
          {
            type: 'new_account',
            deadlineAt: opts.deadlineAt ?? new Date(Date.now() + 5 * 86_400_000).toISOString(),
            reason: '新开户',
            salespersonId: null,
            sourceKey: `t:${customerId}`,
          },
        ],
        new Date().toISOString(),
        { assignedSeatId: opts.assignedSeatId ?? null },
      );
      return { taskId, customerId, salespersonId: sp };
    });
  };

  const result = (
    s: Enrolment,
    over: { taskId: string; agentId?: string; id?: string; at?: string; notes?: string; payload?: object },
  ): OutboxEntry => {
    const id = over.id ?? uuidv7();
    const at = over.at ?? new Date().toISOString();
    return {
      seq: seqOf(s),
      kind: 'result',
      entityId: id,
      createdAt: at,
      payload: {
        id,
        taskId: over.taskId,
        attemptId: null,
        outcome: 'completed',
        disposition: 'connected',
        notes: over.notes ?? '',
        retryAt: null,
        supersedesId: null,
        agentId: over.agentId ?? agentId,
        seatId: s.seatId,
        createdAt: at,
        answers: [],
        purposes: [],
        findings: [],
        ...over.payload,
      },
    };
  };
  const audit = (s: Enrolment) => auditEntry(s.seatId, seqOf(s));

  const push = async (s: Enrolment, entries: object[], headers: Record<string, string> = {}) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${s.token}`, ...headers },
      payload: { seatId: s.seatId, entries },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as PushResponse;
  };
  const quarantined = (s: Enrolment, seq: number) =>
    t.hq.db.db
      .selectFrom('quarantine')
      .selectAll()
      .where('seat_id', '=', s.seatId)
      .where('seq', '=', seq)
      .executeTakeFirst();
  const stored = (id: string) =>
    t.hq.db.db.selectFrom('results').selectAll().where('id', '=', id).executeTakeFirst();
  const taskStatus = async (id: string) =>
    (await t.hq.db.db.selectFrom('tasks').select('status').where('id', '=', id).executeTakeFirstOrThrow())
      .status;

  beforeAll(async () => {
    t = await startHq(kind);
    seat = await t.enrol(BRANCH.branchId, '上海 1 号坐席');
    other = await t.enrol(BRANCH.branchId, '上海 2 号坐席');
    agentId = await t.addUser('SH-A1', 'agent', BRANCH.branchId);
    otherAgentId = await t.addUser('SH-A2', 'agent', BRANCH.branchId);
    bjAgentId = await t.addUser('BJ-A1', 'agent', OTHER_BRANCH.branchId);
  }, 60_000);
  afterAll(() => t?.close());

  it('quarantines an entry the schemas refuse, keeps it verbatim, audits it, and applies what follows', async () => {
    const { taskId } = await task(BRANCH.branchId);
    const bad = result(seat, { taskId, notes: '客户说\u0000好的' });
    const after = audit(seat);
    const res = await push(seat, [bad, after]);
    expect(res.appliedSeq).toBe(after.seq);
    expect(res.refused).toEqual([
      {
        seq: bad.seq,
        status: 422,
        code: 'BAD_ENTRY',
        message: expect.stringMatching(
          new RegExp(`^第 ${bad.seq} 条（result）内容无效：notes：内容含有不可见的控制字符`),
        ),
      },
    ]);
    const q = await quarantined(seat, bad.seq);
    expect(q).toMatchObject({ kind: 'result', status: 422, code: 'BAD_ENTRY', branch_id: BRANCH.branchId });
    // Verbatim: the NUL is kept as its JSON escape, the entry parses back to what the seat sent.
    expect(JSON.parse(q?.body ?? '')).toEqual(bad);
    expect(await stored(bad.entityId)).toBeUndefined();
    expect(await taskStatus(taskId)).toBe('open');
    const trail = await t.hq.db.db
      .selectFrom('audit')
      .select(['action', 'detail'])
      .where('action', '=', 'sync.quarantine')
      .where('entity_id', '=', `${seat.seatId}#${bad.seq}`)
      .execute();
    expect(trail).toEqual([
      { action: 'sync.quarantine', detail: { seq: bad.seq, kind: 'result', status: 422, code: 'BAD_ENTRY' } },
    ]);
    // The same push again is a repeat: nothing new, nothing refused twice.
    const again = await push(seat, [bad, after]);
    expect(again).toMatchObject({ appliedSeq: after.seq, refused: [] });
  });

  it('quarantines each value the databases cannot keep or the protocol forbids, and never jams', async () => {
    const { taskId } = await task(BRANCH.branchId);
    const attempt = (over: object) => {
      const id = uuidv7();
      const at = new Date().toISOString();
      return {
        seq: seqOf(seat),
        kind: 'attempt',
        entityId: id,
        createdAt: at,
        payload: {
          id,
          taskId,
          agentId,
          seatId: seat.seatId,
          startedAt: at,
          numberMasked: '138****0000',
          answeredAt: null,
          endedAt: at,
          outcome: 'busy',
          sipCode: 486,
          ...over,
        },
      };
    };
    const recording = (over: object) => {
      const id = uuidv7();
      const at = new Date().toISOString();
      return {
        seq: seqOf(seat),
        kind: 'recording',
        entityId: id,
        createdAt: at,
        payload: {
          id,
          attemptId: uuidv7(),
          mimeType: 'audio/webm',
          sha256: 'a'.repeat(64),
          sizeBytes: 100,
          durationMs: 1000,
          status: 'finished',
          startedAt: at,
          finishedAt: at,
          ...over,
        },
      };
    };
    const auditWith = (detail: object) => {
      const e = audit(seat);
      (e.payload as { detail: object }).detail = detail;
      return e;
    };
    const answer = (stepId: string) => ({
      stepId,
      purposes: ['new_account'],
      value: true,
      answeredAt: new Date().toISOString(),
      recordingId: uuidv7(),
      recordingOffsetMs: 1000,
    });
    const purpose = { purpose: 'new_account', outcome: 'pass', scriptId: 'new_account', scriptVersion: 1 };
    const cases: [string, object][] = [
      ['NUL in an audit detail', auditWith({ note: 'a\u0000b' })],
      ['an audit detail of 1 MiB', auditWith({ blob: 'x'.repeat(1024 * 1024) })],
      ['sipCode 2^31', attempt({ sipCode: 2 ** 31 })],
      ['durationMs 2^31', recording({ durationMs: 2 ** 31 })],
      [
        'an answer offset of 2^31',
        result(seat, { taskId, payload: { answers: [{ ...answer('q1'), recordingOffsetMs: 2 ** 31 }] } }),
      ],
      ['the year 0000', { ...result(seat, { taskId }), createdAt: '0000-12-31T00:00:00.000Z' }],
      ['the year 275757', attempt({ startedAt: '+275757-01-01T00:00:00.000Z' })],
      [
        'two answers of one step',
        result(seat, { taskId, payload: { answers: [answer('q1'), answer('q1')] } }),
      ],
      ['two outcomes of one purpose', result(seat, { taskId, payload: { purposes: [purpose, purpose] } })],
      [
        'a finding text of 20 MB',
        result(seat, { taskId, payload: { findings: [finding({ text: '承'.repeat(20_000_000 / 3) })] } }),
      ],
      [
        'an unknown kind',
        {
          seq: seqOf(seat),
          kind: 'mystery',
          entityId: 'x',
          createdAt: new Date().toISOString(),
          payload: {},
        },
      ],
      ['no payload at all', { seq: seqOf(seat) }],
    ];
    const after = audit(seat);
    const res = await push(seat, [...cases.map(([, e]) => e), after]);
    expect(res.appliedSeq).toBe(after.seq);
    const refusedSeqs = res.refused.map((r) => r.seq);
    for (const [name, e] of cases) {
      expect(refusedSeqs, name).toContain((e as { seq: number }).seq);
      expect(await quarantined(seat, (e as { seq: number }).seq), name).toMatchObject({ status: 422 });
    }
    for (const r of res.refused) expect(r.message).toMatch(new RegExp(`^第 ${r.seq} 条`));
    const applied = await t.hq.db.db
      .selectFrom('audit')
      .select('id')
      .where('id', '=', (after.payload as { id: string }).id)
      .execute();
    expect(applied).toHaveLength(1);
  });

  it('quarantines only the entry the database refuses, applying the rest of its push', async () => {
    // Passes every schema, breaks a key: a finding whose id another result's finding already holds.
    const { taskId } = await task(BRANCH.branchId);
    const f = finding({});
    const first = result(seat, { taskId, payload: { findings: [f] } });
    const clash = result(seat, { taskId, payload: { findings: [{ ...f }] } });
    const after = audit(seat);
    const res = await push(seat, [first, clash, after]);
    expect(res.appliedSeq).toBe(after.seq);
    expect(res.refused).toEqual([
      {
        seq: clash.seq,
        status: 422,
        code: 'BAD_ENTRY',
        message: expect.stringMatching(new RegExp(`^第 ${clash.seq} 条（result）内容无法保存`)),
      },
    ]);
    expect(await stored(first.entityId)).toBeDefined();
    expect(await stored(clash.entityId)).toBeUndefined();
  });

  it('files results and findings under its own task’s branch, customer and salesperson', async () => {
    const mine = await task(BRANCH.branchId, { assignedSeatId: seat.seatId });
    const bj = await task(OTHER_BRANCH.branchId);
    // The seat claims a Beijing branch, customer and salesperson for a finding on its own task.
    const f = finding({
      branchId: OTHER_BRANCH.branchId,
      customerId: bj.customerId,
      salespersonId: bj.salespersonId,
    });
    const r = result(seat, { taskId: mine.taskId, payload: { findings: [f] } });
    expect((await push(seat, [r])).refused).toEqual([]);
    const row = await t.hq.db.db.selectFrom('findings').selectAll().where('id', '=', f.id).executeTakeFirst();
    expect(row).toMatchObject({
      branch_id: BRANCH.branchId,
      customer_id: mine.customerId,
      salesperson_id: mine.salespersonId,
    });
    expect(await stored(r.entityId)).toMatchObject({
      branch_id: BRANCH.branchId,
      customer_id: mine.customerId,
    });
    expect(await taskStatus(mine.taskId)).toBe('closed');
  });

  it('refuses (403, audited, quarantined) another branch’s task, an agent of another branch or none, and another branch’s customer', async () => {
    const bj = await task(OTHER_BRANCH.branchId);
    const mine = await task(BRANCH.branchId);
    const foreignTask = result(seat, { taskId: bj.taskId });
    const foreignAgent = result(seat, { taskId: mine.taskId, agentId: bjAgentId });
    const unknownAgent = result(seat, { taskId: mine.taskId, agentId: uuidv4() });
    // A task head office does not know (the seat's own data) naming a Beijing customer in a finding.
    const foreignCustomer = result(seat, {
      taskId: uuidv4(),
      payload: { findings: [finding({ customerId: bj.customerId })] },
    });
    const res = await push(seat, [foreignTask, foreignAgent, unknownAgent, foreignCustomer]);
    expect(res.refused.map((r) => [r.seq, r.status, r.code])).toEqual([
      [foreignTask.seq, 403, 'FORBIDDEN'],
      [foreignAgent.seq, 403, 'FORBIDDEN'],
      [unknownAgent.seq, 403, 'FORBIDDEN'],
      [foreignCustomer.seq, 403, 'FORBIDDEN'],
    ]);
    expect(res.refused[0]?.message).toMatch(/任务属于其他营业部/);
    expect(res.refused[1]?.message).toMatch(/不是本营业部（BR-SH-001）的用户/);
    // Beijing's task stays open: a Shanghai seat cannot close it.
    expect(await taskStatus(bj.taskId)).toBe('open');
    expect(await taskStatus(mine.taskId)).toBe('open');
    for (const r of [foreignTask, foreignAgent, unknownAgent, foreignCustomer]) {
      expect(await stored(r.entityId)).toBeUndefined();
      expect(await quarantined(seat, r.seq)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
    const audited = await t.hq.db.db
      .selectFrom('audit')
      .select('entity_id')
      .where('action', '=', 'sync.quarantine')
      .where('seat_id', '=', seat.seatId)
      .execute();
    expect(audited.map((a) => a.entity_id)).toEqual(
      expect.arrayContaining(
        [foreignTask, foreignAgent, unknownAgent, foreignCustomer].map((r) => `${seat.seatId}#${r.seq}`),
      ),
    );
  });

  it('refuses (409, audited) a result id another seat already sent, keeping the first', async () => {
    const { taskId } = await task(BRANCH.branchId);
    const id = uuidv7();
    const first = result(seat, { taskId, id, notes: '第一份' });
    expect((await push(seat, [first])).refused).toEqual([]);
    const copy = result(other, { taskId, id, agentId: otherAgentId, notes: '另一个坐席' });
    const res = await push(other, [copy]);
    expect(res.refused).toEqual([
      { seq: copy.seq, status: 409, code: 'CONFLICT', message: expect.stringContaining('已由其他坐席提交') },
    ]);
    expect(await stored(id)).toMatchObject({ seat_id: seat.seatId, notes: '第一份' });
    expect(await quarantined(other, copy.seq)).toMatchObject({ status: 409, entity_id: id });
  });

  it('puts a seat’s times on head office’s clock: an 8 h slow seat’s late callback is late', async () => {
    // The deadline passed an hour ago; the seat, 8 hours slow, says the callback was made 7 hours before it.
    const deadlineAt = new Date(Date.now() - 3600_000).toISOString();
    const { taskId } = await task(BRANCH.branchId, { deadlineAt });
    const slow = -8 * 3600_000;
    const seatNow = new Date(Date.now() + slow).toISOString();
    const r = result(seat, { taskId, at: seatNow });
    const res = await push(seat, [r], { 'x-seat-time': seatNow });
    expect(res.refused).toEqual([]);
    const row = await stored(r.entityId);
    const createdAt = Date.parse(String(row?.created_at));
    expect(Math.abs(createdAt - Date.now())).toBeLessThan(60_000);
    expect(createdAt).toBeGreaterThan(Date.parse(deadlineAt));
    const entry = await t.hq.db.db
      .selectFrom('seat_entries')
      .select(['clock_offset_ms'])
      .where('seat_id', '=', seat.seatId)
      .where('seq', '=', r.seq)
      .executeTakeFirstOrThrow();
    expect(Math.abs(Number(entry.clock_offset_ms) - slow)).toBeLessThan(60_000);
    const seatRow = await t.hq.db.db
      .selectFrom('seats')
      .select(['clock_offset_ms', 'clock_checked_at'])
      .where('id', '=', seat.seatId)
      .executeTakeFirstOrThrow();
    expect(Math.abs(Number(seatRow.clock_offset_ms) - slow)).toBeLessThan(60_000);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const report = await buildReport(t.hq, { from, to, branchId: BRANCH.branchId });
    const coverage = report.coverage.find((c) => c.type === 'new_account');
    expect(coverage?.late).toBeGreaterThanOrEqual(1);
  });

  it('never takes a time after it received it: a seat 72 h fast has not called in the future', async () => {
    const { taskId } = await task(BRANCH.branchId);
    const seatNow = new Date(Date.now() + 72 * 3600_000).toISOString();
    const r = result(seat, { taskId, at: seatNow });
    await push(seat, [r], { 'x-seat-time': seatNow });
    const row = await stored(r.entityId);
    expect(Date.parse(String(row?.created_at))).toBeLessThanOrEqual(Date.parse(String(row?.received_at)));
    expect(Math.abs(Date.parse(String(row?.created_at)) - Date.now())).toBeLessThan(60_000);
  });

  it('applies a push straight through applyPush with the same quarantine (no HTTP in between)', async () => {
    const bad = { ...audit(seat), createdAt: 'not a date' };
    const res = await applyPush(
      t.hq,
      { kind: 'seat', id: seat.seatId, branchId: BRANCH.branchId },
      {
        seatId: seat.seatId,
        entries: [bad],
      },
    );
    expect(res.refused.map((r) => r.seq)).toEqual([bad.seq]);
  });
});

function finding(over: Partial<Record<string, unknown>>) {
  return {
    id: uuidv7(),
    stepId: 'sp_promise',
    purposes: ['new_account'],
    category: 'promised_returns',
    severity: 'high',
    about: 'salesperson',
    text: '营销人员承诺保本',
    salespersonId: null,
    branchId: BRANCH.branchId,
    customerId: 'C-unknown',
    recordingId: null,
    offsetMs: null,
    ...over,
  };
}
