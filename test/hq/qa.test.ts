/**
 * Head office's quality work on both databases: re-check sampling (the configured share per branch and period,
 * never dealt to the reviewer who made the call), evaluations (a critical item fails the callback and creates
 * a task for head office's call center), the findings workflow, and the reports with their CSV and XLSX export.
 * Callbacks are written straight into head office's tables here (the sync path has its own tests).
 */
import ExcelJS from 'exceljs';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../hq/auth/password';
import { upsertCustomers, upsertSalespeople, upsertUser } from '../../hq/reference';
import type { EvaluationForm, RecheckRow } from '../../shared/contract/review';
import { BRANCH } from '../support/fixtures';
import { HQ_PASSWORD, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

const NOV = '2026-11-10T02:00:00.000Z';

describe.each(DB_KINDS)('quality work at head office on %s', (kind) => {
  let t: TestHq;
  const users: Record<string, string> = {};
  const results: { id: string; agentId: string; branchId: string }[] = [];
  let seatIds: Record<string, string>;
  let customer = 0;

  /** One callback with its task, purposes, result (and recording, stored) written straight into the tables. */
  async function callback(o: {
    branchId: string;
    agentId: string;
    outcome?: string;
    createdAt?: string;
    purposeCreatedAt?: string;
    deadlineAt?: string;
    types?: string[];
    finding?: boolean;
  }) {
    const db = t.hq.db.db;
    const n = ++customer;
    const customerId = `C-QA-${n}`;
    const first17 = `11010519800101${String(n).padStart(3, '0')}`;
    await upsertCustomers(db, [
      {
        id: customerId,
        name: `客户${n}`,
        idNumber: `${first17}X`,
        phone: `139${String(n).padStart(8, '0')}`,
        branchId: o.branchId,
        salespersonId: o.branchId === BRANCH.branchId ? 'SP-QA-1' : null,
        introducerId: null,
        openedAt: null,
        channel: 'counter',
        margin: false,
      },
    ]);
    const taskId = uuidv4();
    const created = o.purposeCreatedAt ?? o.createdAt ?? NOV;
    await db
      .insertInto('tasks')
      .values({
        id: taskId,
        customer_id: customerId,
        branch_id: o.branchId,
        status: 'closed',
        assigned_seat_id: null,
        deadline_at: o.deadlineAt ?? '2026-11-20T15:59:59.999Z',
        next_attempt_at: null,
        created_at: created,
      })
      .execute();
    for (const type of o.types ?? ['new_account']) {
      await db
        .insertInto('task_purposes')
        .values({
          task_id: taskId,
          type,
          deadline_at: o.deadlineAt ?? '2026-11-20T15:59:59.999Z',
          reason: '测试',
          salesperson_id: null,
          source_key: `qa:${taskId}:${type}`,
          created_at: created,
        })
        .execute();
    }
    if (o.outcome === 'none') return { taskId, resultId: null };
    const attemptId = uuidv7();
    // Fixed ids: the sample is a pure function of the period and the result ids, so every run draws the same.
    const resultId = `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;
    const seatId = seatIds[o.branchId] as string;
    const at = o.createdAt ?? NOV;
    await db
      .insertInto('recordings')
      .values({
        id: uuidv7(),
        attempt_id: attemptId,
        seat_id: seatId,
        mime_type: 'audio/webm',
        sha256: 'a'.repeat(64),
        size_bytes: 1,
        duration_ms: 1000,
        status: 'finished',
        started_at: at,
        finished_at: at,
        stored_at: at,
      })
      .execute();
    await db
      .insertInto('results')
      .values({
        id: resultId,
        task_id: taskId,
        seat_id: seatId,
        agent_id: o.agentId,
        attempt_id: attemptId,
        outcome: o.outcome ?? 'completed',
        disposition: 'connected',
        notes: '',
        retry_at: null,
        supersedes_id: null,
        created_at: at,
        received_at: at,
        flag: null,
        branch_id: o.branchId,
        customer_id: customerId,
      })
      .execute();
    if (o.finding) {
      await db
        .insertInto('findings')
        .values({
          id: uuidv7(),
          result_id: resultId,
          step_id: 'conduct.promised_returns',
          purposes: JSON.stringify(['new_account']),
          category: 'promised_returns',
          severity: 'high',
          about: 'salesperson',
          text_zh: '营销人员承诺收益',
          salesperson_id: o.branchId === BRANCH.branchId ? 'SP-QA-1' : null,
          branch_id: o.branchId,
          customer_id: customerId,
          recording_id: null,
          offset_ms: 5000,
        })
        .execute();
    }
    results.push({ id: resultId, agentId: o.agentId, branchId: o.branchId });
    return { taskId, resultId };
  }

  const call = async (code: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const token = await t.login(code);
    const headers = { authorization: `Bearer ${token}` };
    return t.app.inject(payload ? { method, url, payload, headers } : { method, url, headers });
  };

  beforeAll(async () => {
    t = await startHq(kind, () => new Date('2026-12-02T02:00:00.000Z'));
    const passwordHash = await hashPassword(HQ_PASSWORD, { N: 1024 });
    for (const [code, role, branchId] of [
      ['RV01', 'reviewer', null],
      ['RV02', 'reviewer', null],
      ['CP01', 'compliance', null],
      ['SH01', 'supervisor', BRANCH.branchId],
      ['A100', 'agent', BRANCH.branchId],
    ] as const) {
      users[code] = await upsertUser(t.hq.db.db, { code, name: code, role, branchId, passwordHash });
    }
    await upsertSalespeople(t.hq.db.db, [
      { id: 'SP-QA-1', code: 'S01', name: '赵营销', branchId: BRANCH.branchId, departedAt: null },
    ]);
    seatIds = {
      [BRANCH.branchId]: (await t.enrol(BRANCH.branchId)).seatId,
      [OTHER_BRANCH.branchId]: (await t.enrol(OTHER_BRANCH.branchId)).seatId,
    };
    // Shanghai, November: 40 completed callbacks, 30 of them made by RV01 (a reviewer who also took calls),
    // a few not completed (not re-checked), and October's (another period).
    for (let i = 0; i < 40; i++) {
      await callback({
        branchId: BRANCH.branchId,
        agentId: i < 30 ? (users.RV01 as string) : (users.A100 as string),
      });
    }
    for (let i = 0; i < 3; i++)
      await callback({ branchId: BRANCH.branchId, agentId: users.A100 as string, outcome: 'retry' });
    await callback({
      branchId: BRANCH.branchId,
      agentId: users.A100 as string,
      createdAt: '2026-10-10T02:00:00.000Z',
    });
    // Beijing: 6 completed, sampled by quarter.
    for (let i = 0; i < 6; i++)
      await callback({ branchId: OTHER_BRANCH.branchId, agentId: users.A100 as string });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('samples the configured share of each branch’s callbacks per period, never for the reviewer who made them', async () => {
    expect(
      (await call('CP01', 'PUT', `/api/recheck/plans/${BRANCH.branchId}`, { share: 0.25, period: 'month' }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await call('CP01', 'PUT', `/api/recheck/plans/${OTHER_BRANCH.branchId}`, {
          share: 0.5,
          period: 'quarter',
        })
      ).statusCode,
    ).toBe(200);
    const refused = await call('SH01', 'PUT', `/api/recheck/plans/${BRANCH.branchId}`, {
      share: 1,
      period: 'month',
    });
    expect(refused.statusCode).toBe(403);
    const bad = await call('CP01', 'PUT', `/api/recheck/plans/${BRANCH.branchId}`, {
      share: 1.5,
      period: 'month',
    });
    expect(bad.statusCode).toBe(400);

    const res = await call('CP01', 'POST', '/api/rechecks/sample', { periodKey: '2026-11' });
    expect(res.statusCode, res.body).toBe(200);
    // 25% of the 40 completed in November; the quarterly branch is not sampled by a month.
    expect(res.json()).toEqual({
      periodKey: '2026-11',
      branches: [{ branchId: BRANCH.branchId, candidates: 40, target: 10, added: 10, total: 10 }],
    });
    const again = await call('CP01', 'POST', '/api/rechecks/sample', { periodKey: '2026-11' });
    expect(again.json().branches[0]).toMatchObject({ added: 0, total: 10 });
    const quarter = await call('CP01', 'POST', '/api/rechecks/sample', { periodKey: '2026-Q4' });
    expect(quarter.json().branches).toEqual([
      { branchId: OTHER_BRANCH.branchId, candidates: 6, target: 3, added: 3, total: 3 },
    ]);

    const rows = await t.hq.db.db
      .selectFrom('rechecks as k')
      .innerJoin('results as r', 'r.id', 'k.result_id')
      .select(['k.assigned_to', 'r.agent_id', 'r.outcome', 'r.created_at'])
      .where('k.period_key', '=', '2026-11')
      .execute();
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.outcome === 'completed' && r.created_at.startsWith('2026-11'))).toBe(true);
    // Dealt to reviewers, never to the one who made the call (RV01 made most of them: RV02 gets those).
    expect(rows.every((r) => r.assigned_to !== null && r.assigned_to !== r.agent_id)).toBe(true);
    expect(rows.some((r) => r.agent_id === users.RV01)).toBe(true);
  });

  it('lists RV01 no callback of their own, and refuses their verdict on one', async () => {
    const listed = (await call('RV01', 'GET', '/api/rechecks?periodKey=2026-11')).json() as {
      items: RecheckRow[];
    };
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.every((i) => i.agentId !== users.RV01)).toBe(true);
    expect(listed.items[0]?.idNumberMasked).toMatch(/\*/);
    const own = await t.hq.db.db
      .selectFrom('rechecks as k')
      .innerJoin('results as r', 'r.id', 'k.result_id')
      .select('k.id')
      .where('r.agent_id', '=', users.RV01 as string)
      .executeTakeFirstOrThrow();
    const form = (await call('RV01', 'GET', '/api/recheck/form')).json() as EvaluationForm;
    const res = await call('RV01', 'POST', `/api/rechecks/${own.id}/evaluation`, {
      formId: form.id,
      formVersion: form.version,
      items: form.criteria.map((c) => ({ criterionId: c.id, passed: true })),
    });
    expect([res.statusCode, res.json().message]).toEqual([403, '不能复核自己办理的回访']);
  });

  it('fails a callback on a critical item, creates a task for head office’s call center, and keeps the verdict', async () => {
    const form = (await call('RV02', 'GET', '/api/recheck/form')).json() as EvaluationForm;
    const mine = (
      (await call('RV02', 'GET', '/api/rechecks?mine=true&status=open')).json() as { items: RecheckRow[] }
    ).items;
    expect(mine.length).toBeGreaterThan(1);
    const [first, second] = mine as [RecheckRow, RecheckRow];

    const incomplete = await call('RV02', 'POST', `/api/rechecks/${first.id}/evaluation`, {
      formId: form.id,
      formVersion: form.version,
      items: [{ criterionId: 'identity', passed: true }],
    });
    expect([incomplete.statusCode, incomplete.json().message]).toEqual([
      400,
      expect.stringContaining('还有评分项未评'),
    ]);

    // Everything met but the risk disclosure: 80 points reach the pass score, the critical item still fails it.
    const res = await call('RV02', 'POST', `/api/rechecks/${first.id}/evaluation`, {
      formId: form.id,
      formVersion: form.version,
      items: form.criteria.map((c) => ({
        criterionId: c.id,
        passed: c.id !== 'disclosure',
        comment: c.id === 'disclosure' ? '未读风险揭示' : '',
      })),
      comments: [{ atMs: 12_000, text: '此处应读风险揭示' }],
      summary: '风险揭示缺失',
      followUp: true,
    });
    expect(res.statusCode, res.body).toBe(200);
    const verdict = res.json();
    expect(verdict).toMatchObject({ score: 80, passed: false, failedCritical: ['disclosure'] });
    const task = await t.hq.db.db
      .selectFrom('tasks')
      .innerJoin('task_purposes', 'task_purposes.task_id', 'tasks.id')
      .innerJoin('results', 'results.customer_id', 'tasks.customer_id')
      .select(['tasks.branch_id', 'tasks.status', 'task_purposes.type', 'task_purposes.reason', 'results.id'])
      .where('tasks.id', '=', verdict.followUpTaskId)
      .execute();
    expect(task).toEqual([
      {
        branch_id: 'HQ-CC',
        status: 'open',
        type: 'new_account',
        reason: '总部复核不合格（80 分），由总部呼叫中心再次回访',
        id: first.resultId,
      },
    ]);
    const repeat = await call('RV02', 'POST', `/api/rechecks/${first.id}/evaluation`, {
      formId: form.id,
      formVersion: form.version,
      items: form.criteria.map((c) => ({ criterionId: c.id, passed: true })),
    });
    expect([repeat.statusCode, repeat.json().message]).toEqual([409, '这条回访已复核过，复核结论不能修改']);

    const pass = await call('RV02', 'POST', `/api/rechecks/${second.id}/evaluation`, {
      formId: form.id,
      formVersion: form.version,
      items: form.criteria.map((c) => ({ criterionId: c.id, passed: c.id !== 'manner' })),
      followUp: true,
    });
    expect(pass.json()).toMatchObject({ score: 90, passed: true, failedCritical: [], followUpTaskId: null });
    const failed = (await call('RV02', 'GET', '/api/rechecks?status=failed')).json() as {
      items: RecheckRow[];
    };
    expect(failed.items.map((i) => [i.id, i.score])).toEqual([[first.id, 80]]);
    expect((await call('A100', 'GET', '/api/rechecks')).statusCode).toBe(403);
    // A branch supervisor sees their branch's re-checks only; another branch's by name is refused.
    const shList = (await call('SH01', 'GET', '/api/rechecks')).json() as { items: RecheckRow[] };
    expect(shList.items.length).toBeGreaterThan(0);
    expect(shList.items.every((i) => i.branchId === BRANCH.branchId)).toBe(true);
    expect((await call('BJ01', 'GET', `/api/rechecks?branchId=${BRANCH.branchId}`)).statusCode).toBe(403);
    expect((await call('BJ01', 'GET', `/api/findings?branchId=${BRANCH.branchId}`)).statusCode).toBe(403);
    const bjOwn = (await call('BJ01', 'GET', '/api/rechecks')).json() as { items: RecheckRow[] };
    expect(bjOwn.items.every((i) => i.branchId === OTHER_BRANCH.branchId)).toBe(true);
  });

  it('takes a finding from open to assigned to resolved, within the supervisor’s branch only', async () => {
    const { resultId } = await callback({
      branchId: BRANCH.branchId,
      agentId: users.A100 as string,
      finding: true,
    });
    await callback({ branchId: OTHER_BRANCH.branchId, agentId: users.A100 as string, finding: true });
    const open = (await call('SH01', 'GET', '/api/findings?status=open')).json() as {
      items: { id: string; resultId: string; branchId: string; salespersonName: string; status: string }[];
    };
    expect(open.items.map((f) => [f.resultId, f.branchId, f.salespersonName])).toEqual([
      [resultId, BRANCH.branchId, '赵营销'],
    ]);
    const finding = open.items[0]?.id as string;
    const emptyNote = await call('CP01', 'POST', `/api/findings/${finding}/actions`, {
      action: 'resolve',
      note: '',
    });
    expect([emptyNote.statusCode, emptyNote.json().message]).toEqual([
      400,
      expect.stringContaining('请填写处理说明'),
    ]);
    const assigned = await call('SH01', 'POST', `/api/findings/${finding}/actions`, {
      action: 'assign',
      assigneeId: users.CP01,
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    const toAgent = await call('SH01', 'POST', `/api/findings/${finding}/actions`, {
      action: 'assign',
      assigneeId: users.A100,
    });
    expect(toAgent.statusCode).toBe(400);
    // Not to another branch's supervisor, who could not open it (#14).
    const toOtherBranch = await call('SH01', 'POST', `/api/findings/${finding}/actions`, {
      action: 'assign',
      assigneeId: (
        await t.hq.db.db.selectFrom('users').select('id').where('code', '=', 'BJ01').executeTakeFirstOrThrow()
      ).id,
    });
    expect([toOtherBranch.statusCode, toOtherBranch.json().message]).toEqual([
      400,
      '只能指派给本营业部或总部的人员',
    ]);
    expect(
      (await call('BJ01', 'POST', `/api/findings/${finding}/actions`, { action: 'resolve', note: '已核实' }))
        .statusCode,
    ).toBe(403);
    expect((await call('A100', 'GET', '/api/findings')).statusCode).toBe(403);
    const resolved = await call('CP01', 'POST', `/api/findings/${finding}/actions`, {
      action: 'resolve',
      note: '已约谈营销人员并报合规部备案',
    });
    expect(resolved.statusCode).toBe(200);
    const after = (await call('CP01', 'GET', `/api/findings?branchId=${BRANCH.branchId}`)).json() as {
      items: { id: string; status: string; note: string }[];
    };
    expect(after.items.find((f) => f.id === finding)).toMatchObject({
      status: 'resolved',
      note: '已约谈营销人员并报合规部备案',
    });
    const trail = await t.hq.db.db
      .selectFrom('audit')
      .select('action')
      .where('entity_id', '=', finding)
      .orderBy('at')
      .execute();
    expect(trail.map((a) => a.action)).toEqual(['hq.finding_assign', 'hq.finding_resolve']);
  });

  it('reports coverage, deadlines, unreachable customers, findings and re-check scores, and exports them', async () => {
    // December, a branch of its own picture: 2 on time, 1 late, 1 missed after an unreachable attempt, 1 not due.
    const dec = { purposeCreatedAt: '2026-12-01T01:00:00.000Z', deadlineAt: '2026-12-01T15:59:59.999Z' };
    const agentId = users.A100 as string;
    await callback({
      branchId: OTHER_BRANCH.branchId,
      agentId,
      ...dec,
      createdAt: '2026-12-01T03:00:00.000Z',
    });
    await callback({
      branchId: OTHER_BRANCH.branchId,
      agentId,
      ...dec,
      createdAt: '2026-12-01T04:00:00.000Z',
    });
    await callback({
      branchId: OTHER_BRANCH.branchId,
      agentId,
      ...dec,
      createdAt: '2026-12-02T01:00:00.000Z',
    });
    await callback({
      branchId: OTHER_BRANCH.branchId,
      agentId,
      ...dec,
      outcome: 'unreachable',
      createdAt: '2026-12-01T05:00:00.000Z',
    });
    await callback({
      branchId: OTHER_BRANCH.branchId,
      agentId,
      outcome: 'none',
      purposeCreatedAt: '2026-12-01T01:00:00.000Z',
      deadlineAt: '2026-12-09T15:59:59.999Z',
    });
    const q = `from=${encodeURIComponent('2026-12-01T00:00:00+08:00')}&to=${encodeURIComponent('2027-01-01T00:00:00+08:00')}`;
    const res = await call('HQ01', 'GET', `/api/reports?${q}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().coverage).toEqual([
      {
        branchId: OTHER_BRANCH.branchId,
        type: 'new_account',
        required: 5,
        completed: 3,
        onTime: 2,
        late: 1,
        missed: 1,
        unreachable: 1,
      },
      // The follow-up of the failed re-check, made on 2 December, due in five days.
      {
        branchId: 'HQ-CC',
        type: 'new_account',
        required: 1,
        completed: 0,
        onTime: 0,
        late: 0,
        missed: 0,
        unreachable: 0,
      },
    ]);
    // November for Shanghai: the resolved finding, the re-check verdicts.
    const nov = `from=${encodeURIComponent('2026-11-01T00:00:00+08:00')}&to=${encodeURIComponent('2026-12-01T00:00:00+08:00')}`;
    const report = (await call('SH01', 'GET', `/api/reports?${nov}&branchId=${BRANCH.branchId}`)).json();
    expect(report.findingsByBranch).toEqual([{ branchId: BRANCH.branchId, open: 0, resolved: 1, total: 1 }]);
    expect(report.findingsBySalesperson).toEqual([
      { salespersonId: 'SP-QA-1', code: 'S01', name: '赵营销', branchId: BRANCH.branchId, total: 1 },
    ]);
    expect(report.rechecks).toEqual([
      { branchId: BRANCH.branchId, sampled: 10, evaluated: 2, passed: 1, failed: 1, averageScore: 85 },
    ]);
    // A branch supervisor's report is their branch's, and another branch's is refused.
    expect(
      (await call('SH01', 'GET', `/api/reports?${nov}&branchId=${OTHER_BRANCH.branchId}`)).statusCode,
    ).toBe(403);

    const csv = await call('HQ01', 'GET', `/api/reports/export?${q}&format=csv&section=coverage`);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect([...csv.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.rawPayload.subarray(3).toString('utf8').split('\r\n')).toEqual([
      '营业部,回访类型,应回访,已完成,覆盖率%,按时完成,逾期完成,逾期未完成,无法联系',
      `${OTHER_BRANCH.branchId},新开客户回访,5,3,60,2,1,1,1`,
      'HQ-CC,新开客户回访,1,0,0,0,0,0,0',
      '',
    ]);
    const xlsx = await call('HQ01', 'GET', `/api/reports/export?${q}&format=xlsx`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toEqual([
      '回访覆盖',
      '问题（按营业部）',
      '问题（按营销人员）',
      '复核评分',
    ]);
    expect(book.getWorksheet('回访覆盖')?.getRow(2).values).toEqual([
      undefined,
      OTHER_BRANCH.branchId,
      '新开客户回访',
      5,
      3,
      60,
      2,
      1,
      1,
      1,
    ]);
    const exports = await t.hq.db.db
      .selectFrom('audit')
      .select('detail')
      .where('action', '=', 'hq.report_export')
      .execute();
    expect(exports).toHaveLength(2);
  });

  it('scopes re-check plans to a branch’s own people, head office seeing every branch’s', async () => {
    const plans = async (code: string) =>
      ((await call(code, 'GET', '/api/recheck/plans')).json() as { items: { branchId: string }[] }).items.map(
        (p) => p.branchId,
      );
    const both = [BRANCH.branchId, OTHER_BRANCH.branchId].sort();
    expect(await plans('HQ01')).toEqual(both);
    expect(await plans('CP01')).toEqual(both);
    expect(await plans('RV01')).toEqual(both);
    expect(await plans('SH01')).toEqual([BRANCH.branchId]);
    expect(await plans('BJ01')).toEqual([OTHER_BRANCH.branchId]);

    // Branch-bound compliance and reviewer (Beijing): their branch's plan only, no sampling, no Shanghai verdict.
    const passwordHash = await hashPassword(HQ_PASSWORD, { N: 1024 });
    for (const [code, role] of [
      ['CPBJ', 'compliance'],
      ['RVBJ', 'reviewer'],
    ] as const) {
      users[code] = await upsertUser(t.hq.db.db, {
        code,
        name: code,
        role,
        branchId: OTHER_BRANCH.branchId,
        passwordHash,
      });
    }
    expect(await plans('CPBJ')).toEqual([OTHER_BRANCH.branchId]);
    const foreignPlan = await call('CPBJ', 'PUT', `/api/recheck/plans/${BRANCH.branchId}`, {
      share: 1,
      period: 'month',
    });
    expect([foreignPlan.statusCode, foreignPlan.json().message]).toEqual([403, '您无权访问其他营业部的数据']);
    const ownPlan = await call('CPBJ', 'PUT', `/api/recheck/plans/${OTHER_BRANCH.branchId}`, {
      share: 0.5,
      period: 'quarter',
    });
    expect(ownPlan.statusCode, ownPlan.body).toBe(200);
    const sample = await call('CPBJ', 'POST', '/api/rechecks/sample', { periodKey: '2026-Q4' });
    expect([sample.statusCode, sample.json().message]).toEqual([403, '您无权访问其他营业部的数据']);
    const shanghai = await t.hq.db.db
      .selectFrom('rechecks as k')
      .leftJoin('recheck_evaluations as e', 'e.recheck_id', 'k.id')
      .select('k.id')
      .where('k.branch_id', '=', BRANCH.branchId)
      .where('e.recheck_id', 'is', null)
      .executeTakeFirstOrThrow();
    const form = (await call('RVBJ', 'GET', '/api/recheck/form')).json() as EvaluationForm;
    const verdict = await call('RVBJ', 'POST', `/api/rechecks/${shanghai.id}/evaluation`, {
      formId: form.id,
      formVersion: form.version,
      items: form.criteria.map((c) => ({ criterionId: c.id, passed: true })),
    });
    expect([verdict.statusCode, verdict.json().message]).toEqual([403, '您无权访问其他营业部的数据']);
    expect(
      await t.hq.db.db
        .selectFrom('recheck_evaluations')
        .select('recheck_id')
        .where('recheck_id', '=', shanghai.id)
        .executeTakeFirst(),
    ).toBeUndefined();
    const listed = (await call('RVBJ', 'GET', '/api/rechecks')).json() as { items: RecheckRow[] };
    expect(new Set(listed.items.map((i) => i.branchId))).toEqual(new Set([OTHER_BRANCH.branchId]));

    const refused = await t.hq.db.db
      .selectFrom('audit')
      .select('entity_id')
      .where('action', '=', 'hq.refused')
      .where('user_id', 'in', [users.CPBJ as string, users.RVBJ as string])
      .where('entity_id', 'in', [
        'PUT /api/recheck/plans/:branchId',
        'POST /api/rechecks/sample',
        'POST /api/rechecks/:id/evaluation',
      ])
      .execute();
    expect(new Set(refused.map((r) => r.entity_id))).toEqual(
      new Set([
        'PUT /api/recheck/plans/:branchId',
        'POST /api/rechecks/sample',
        'POST /api/rechecks/:id/evaluation',
      ]),
    );
  });
});
