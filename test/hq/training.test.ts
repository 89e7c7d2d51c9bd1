/**
 * The training line at head office (演练线路, issue #15), on both databases: a seat pushes practice calls (an
 * attempt naming the persona, its recording, uploaded, and a result with the script's completeness and a
 * finding) and a real callback on another task. A practice call is never evidence: its task stays open, and it
 * is absent from the coverage and deadline report, the results search, the findings queue and counts, and the
 * re-check sample; the training view lists it with its completeness and whether the findings were right, and
 * its result and recording still open by id for the player. A result whose line disagrees with its attempt's is
 * quarantined, and what follows it is applied. A training recording is kept for the training period only.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HqClient } from '../../electron/seat/sync/hq-client';
import { addPurposes, upsertCustomers, upsertSalespeople } from '../../hq/reference';
import { buildReport } from '../../hq/reports';
import { purgeExpired } from '../../hq/retention';
import type { FindingRow, Report, ReviewDetail, ReviewPage } from '../../shared/contract/review';
import type { Enrolment, OutboxEntry, PushResponse } from '../../shared/contract/sync';
import type { ResultTraining, TrainingPage } from '../../shared/contract/training';
import type { CallbackType } from '../../shared/domain/callback-types';
import { BRANCH, tempDir } from '../support/fixtures';
import { startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';
import { streamedWebm } from '../support/webm';

/** Head office's clock, held (sessions stay live); the retention test moves it on. */
const NOW = Date.parse('2026-11-26T04:00:00.000Z');
const AT = '2026-11-26T02:00:00.000Z';
/** Before NOW: a purpose not completed by then is missed. */
const DEADLINE = '2026-11-26T03:00:00.000Z';
const REPORT = { from: '2026-11-01T00:00:00+08:00', to: '2026-12-01T00:00:00+08:00' };
const STEP = 'conduct.promised_returns';
const PERSONA = { personaId: 'misconduct', personaVersion: 1 };

const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe.each(DB_KINDS)('the training line at head office on %s', (kind) => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let seat: Enrolment;
  let agentId: string;
  let clockMs = NOW;
  let seq = 0;
  let pushAt = AT;
  /** The practice task (new_account) and the real one (aml), and what was pushed on them. */
  const ids = {
    practiceTask: '',
    realTask: '',
    practiceCustomer: '',
    correct: { attemptId: uuidv7(), recordingId: uuidv7(), resultId: uuidv7(), findingId: uuidv7() },
    missed: { attemptId: uuidv7(), resultId: uuidv7() },
    real: { attemptId: uuidv7(), recordingId: uuidv7(), resultId: uuidv7(), findingId: uuidv7() },
  };
  let pushed: PushResponse;

  const task = async (type: CallbackType) => {
    const customerId = `C-${uuidv4()}`;
    const { taskId } = await t.hq.db.db.transaction().execute(async (tx) => {
      await upsertSalespeople(tx, [
        { id: 'SP-TR-1', code: 'S01', name: '周营销', branchId: BRANCH.branchId, departedAt: null },
      ]);
      await upsertCustomers(tx, [
        {
          id: customerId,
          name: '演练客户',
          idNumber: '11010519491231002X',
          phone: '13812345678',
          branchId: BRANCH.branchId,
          salespersonId: 'SP-TR-1',
          introducerId: null,
          openedAt: null,
          channel: 'counter',
          margin: false,
        },
      ]);
      return addPurposes(
        tx,
        { id: customerId, branchId: BRANCH.branchId },
        [{ type, deadlineAt: DEADLINE, reason: '名单', salespersonId: null, sourceKey: `tr:${customerId}` }],
        '2026-11-25T02:00:00.000Z',
        { assignedSeatId: seat.seatId },
      );
    });
    return { taskId, customerId };
  };

  const entry = (kind: OutboxEntry['kind'], id: string, payload: object): OutboxEntry => ({
    seq: ++seq,
    kind,
    entityId: id,
    createdAt: pushAt,
    payload,
  });
  const attempt = (o: { id: string; taskId: string; at: string; training: object | null }) =>
    entry('attempt', o.id, {
      id: o.id,
      taskId: o.taskId,
      agentId,
      seatId: seat.seatId,
      startedAt: o.at,
      numberMasked: '138****5678',
      answeredAt: later(o.at, 4000),
      endedAt: later(o.at, 120_000),
      outcome: 'answered',
      sipCode: 200,
      training: o.training,
    });
  const recording = (o: { id: string; attemptId: string; at: string; bytes: Buffer }) =>
    entry('recording', o.id, {
      id: o.id,
      attemptId: o.attemptId,
      mimeType: 'audio/webm;codecs=opus',
      sha256: createHash('sha256').update(o.bytes).digest('hex'),
      sizeBytes: o.bytes.length,
      durationMs: 20_000,
      status: 'finished',
      startedAt: o.at,
      finishedAt: later(o.at, 20_000),
    });
  const result = (o: {
    id: string;
    taskId: string;
    attemptId: string | null;
    type: CallbackType;
    customerId: string;
    outcome?: string;
    retryAt?: string | null;
    training: ResultTraining | null;
    findingId?: string;
    recordingId?: string;
  }) =>
    entry('result', o.id, {
      id: o.id,
      taskId: o.taskId,
      attemptId: o.attemptId,
      outcome: o.outcome ?? 'completed',
      disposition: 'connected',
      notes: '',
      retryAt: o.retryAt ?? null,
      supersedesId: null,
      agentId,
      seatId: seat.seatId,
      createdAt: pushAt,
      answers: [],
      purposes: [{ purpose: o.type, outcome: 'pass', scriptId: o.type, scriptVersion: 1 }],
      findings: o.findingId
        ? [
            {
              id: o.findingId,
              stepId: STEP,
              purposes: [o.type],
              category: 'promised_returns',
              severity: 'high',
              about: 'salesperson',
              text: '客户反映营销人员承诺保本保收益',
              salespersonId: 'SP-TR-1',
              branchId: BRANCH.branchId,
              customerId: o.customerId,
              recordingId: o.recordingId ?? null,
              offsetMs: 5000,
            },
          ]
        : [],
      training: o.training,
    });
  const completeness = (raised: string[], expected = [STEP]): ResultTraining => ({
    ...PERSONA,
    stepsDone: 7,
    stepsTotal: 9,
    disclosuresConfirmed: 2,
    disclosuresTotal: 3,
    findingsExpected: expected,
    findingsRaised: raised,
  });

  const push = async (entries: OutboxEntry[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${seat.token}` },
      payload: { seatId: seat.seatId, entries },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as PushResponse;
  };
  const get = async (code: string, url: string) => {
    const token = await t.login(code);
    return t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  };
  const send = async (code: string, method: 'POST' | 'PUT', url: string, payload?: object) => {
    const token = await t.login(code);
    return t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
  };
  const upload = async (recordingId: string, bytes: Buffer) => {
    const path = join(tmp.dir, `${recordingId}.webm`);
    writeFileSync(path, bytes);
    const client = new HqClient(t.url, { seatToken: seat.token }, () => new Date(clockMs));
    let url: string | null = null;
    await client.upload(
      { id: recordingId, path, sizeBytes: bytes.length },
      { uploadUrl: () => url, saveUploadUrl: (_i, u) => (url = u) },
    );
  };
  const taskRow = (id: string) =>
    t.hq.db.db
      .selectFrom('tasks')
      .select(['status', 'next_attempt_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    tmp = tempDir();
    t = await startHq(kind, () => new Date(clockMs));
    seat = await t.enrol(BRANCH.branchId, '上海演练坐席');
    agentId = await t.addUser('TR-A1', 'agent', BRANCH.branchId, '练习坐席员');
    await t.addUser('SH01', 'supervisor', BRANCH.branchId, '上海主管');
    await t.addUser('CP01', 'compliance', null, '合规');
    const practice = await task('new_account');
    const real = await task('aml');
    ids.practiceTask = practice.taskId;
    ids.practiceCustomer = practice.customerId;
    ids.realTask = real.taskId;
    const trainingBytes = streamedWebm(20);
    const realBytes = streamedWebm(20, 0.4, 0.3);
    const c = ids.correct;
    const m = ids.missed;
    const r = ids.real;
    pushed = await push([
      // A practice call whose agent raised the finding the persona gives cause for...
      attempt({ id: c.attemptId, taskId: practice.taskId, at: AT, training: PERSONA }),
      recording({ id: c.recordingId, attemptId: c.attemptId, at: AT, bytes: trainingBytes }),
      result({
        id: c.resultId,
        taskId: practice.taskId,
        attemptId: c.attemptId,
        type: 'new_account',
        customerId: practice.customerId,
        training: completeness([STEP]),
        findingId: c.findingId,
        recordingId: c.recordingId,
      }),
      // ...one, later, that missed it (and asked for a redial, which practice never sets)...
      attempt({ id: m.attemptId, taskId: practice.taskId, at: later(AT, 600_000), training: PERSONA }),
      result({
        id: m.resultId,
        taskId: practice.taskId,
        attemptId: m.attemptId,
        type: 'new_account',
        customerId: practice.customerId,
        outcome: 'retry',
        retryAt: '2026-11-27T02:00:00.000Z',
        training: completeness([]),
      }),
      // ...and the real callback on another task, with its own finding.
      attempt({ id: r.attemptId, taskId: real.taskId, at: AT, training: null }),
      recording({ id: r.recordingId, attemptId: r.attemptId, at: AT, bytes: realBytes }),
      result({
        id: r.resultId,
        taskId: real.taskId,
        attemptId: r.attemptId,
        type: 'aml',
        customerId: real.customerId,
        training: null,
        findingId: r.findingId,
        recordingId: r.recordingId,
      }),
    ]);
    await upload(c.recordingId, trainingBytes);
    await upload(r.recordingId, realBytes);
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    tmp?.cleanup();
  });

  it('applies the practice calls and the real one, refusing nothing', () => {
    expect(pushed).toMatchObject({ appliedSeq: seq, refused: [] });
  });

  it('keeps the practice task open with no redial set, and closes the real one as before', async () => {
    expect(await taskRow(ids.practiceTask)).toEqual({ status: 'open', next_attempt_at: null });
    expect((await taskRow(ids.realTask)).status).toBe('closed');
    const stored = await t.hq.db.db
      .selectFrom('attempts')
      .select(['id', 'persona_id', 'persona_version'])
      .where('id', 'in', [ids.correct.attemptId, ids.real.attemptId])
      .execute();
    expect(new Map(stored.map((a) => [a.id, [a.persona_id, a.persona_version]]))).toEqual(
      new Map([
        [ids.correct.attemptId, ['misconduct', 1]],
        [ids.real.attemptId, [null, null]],
      ]),
    );
    const findings = await t.hq.db.db.selectFrom('findings').select(['id', 'training']).execute();
    expect(new Map(findings.map((f) => [f.id, f.training]))).toEqual(
      new Map([
        [ids.correct.findingId, true],
        [ids.real.findingId, false],
      ]),
    );
  });

  it('leaves practice out of coverage, deadlines and finding counts', async () => {
    const res = await get(
      'SH01',
      `/api/reports?from=${encodeURIComponent(REPORT.from)}&to=${encodeURIComponent(REPORT.to)}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json() as Report;
    const row = (type: string) => report.coverage.find((c) => c.type === type);
    // The practised purpose was completed (twice, in practice) before its deadline: for the report, not at all.
    expect(row('new_account')).toMatchObject({ required: 1, completed: 0, onTime: 0, late: 0, missed: 1 });
    expect(row('aml')).toMatchObject({ required: 1, completed: 1, onTime: 1, missed: 0 });
    expect(report.findingsByBranch).toEqual([{ branchId: BRANCH.branchId, open: 1, resolved: 0, total: 1 }]);
    expect(report.findingsBySalesperson.map((f) => f.total)).toEqual([1]);
  });

  it('leaves practice out of the results search, and opens a practice result by id with its recording', async () => {
    const res = await get('SH01', '/api/results');
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as ReviewPage).items.map((i) => i.id)).toEqual([ids.real.resultId]);
    const findingsOnly = await get('HQ01', '/api/results?findingsOnly=true');
    expect((findingsOnly.json() as ReviewPage).items.map((i) => i.id)).toEqual([ids.real.resultId]);

    const detail = await get('SH01', `/api/results/${ids.correct.resultId}`);
    expect(detail.statusCode, detail.body).toBe(200);
    const body = detail.json() as ReviewDetail;
    expect(body.result.attemptId).toBe(ids.correct.attemptId);
    expect(body.findings.map((f) => f.id)).toEqual([ids.correct.findingId]);
    expect(body.recording?.id).toBe(ids.correct.recordingId);
    // Not evidence: kept for the training period (90 days), not the callbacks' years.
    expect(body.recording?.retention.retainUntil).toBe(later(AT, 20_000 + 90 * 86_400_000));
    const grant = await send('SH01', 'POST', `/api/recordings/${ids.correct.recordingId}/playback`);
    expect(grant.statusCode, grant.body).toBe(200);
    const stream = await t.app.inject({
      method: 'GET',
      url: (grant.json() as { path: string }).path,
      headers: { range: 'bytes=0-99' },
    });
    expect(stream.statusCode).toBe(206);
  });

  it('leaves practice findings out of the findings queue', async () => {
    for (const url of ['/api/findings', `/api/findings?branchId=${BRANCH.branchId}&status=open`]) {
      const res = await get('HQ01', url);
      expect(res.statusCode, res.body).toBe(200);
      expect((res.json() as { items: FindingRow[] }).items.map((f) => f.id)).toEqual([ids.real.findingId]);
    }
  });

  it('never samples a practice call for re-check', async () => {
    const plan = await send('CP01', 'PUT', `/api/recheck/plans/${BRANCH.branchId}`, {
      share: 1,
      period: 'month',
    });
    expect(plan.statusCode, plan.body).toBe(200);
    const sample = await send('CP01', 'POST', '/api/rechecks/sample', { periodKey: '2026-11' });
    expect(sample.statusCode, sample.body).toBe(200);
    expect(sample.json()).toMatchObject({
      branches: [{ branchId: BRANCH.branchId, candidates: 1, added: 1 }],
    });
    const listed = await get('CP01', '/api/rechecks');
    expect((listed.json() as { items: { resultId: string }[] }).items.map((k) => k.resultId)).toEqual([
      ids.real.resultId,
    ]);
  });

  it('lists the practice calls, newest first, with completeness and whether the findings were right', async () => {
    const res = await get('SH01', '/api/training');
    expect(res.statusCode, res.body).toBe(200);
    const { items, next } = res.json() as TrainingPage;
    expect(next).toBeNull();
    expect(items).toEqual([
      {
        attemptId: ids.missed.attemptId,
        startedAt: later(AT, 600_000),
        branchId: BRANCH.branchId,
        agentId,
        agentCode: 'TR-A1',
        agentName: '练习坐席员',
        ...PERSONA,
        attemptOutcome: 'answered',
        sipCode: 200,
        resultId: ids.missed.resultId,
        resultOutcome: 'retry',
        disposition: 'connected',
        completeness: {
          stepsDone: 7,
          stepsTotal: 9,
          disclosuresConfirmed: 2,
          disclosuresTotal: 3,
          findingsExpected: [STEP],
          findingsRaised: [],
        },
        findingsCorrect: false,
        recordingId: null,
        durationMs: null,
      },
      expect.objectContaining({
        attemptId: ids.correct.attemptId,
        resultId: ids.correct.resultId,
        resultOutcome: 'completed',
        completeness: expect.objectContaining({ findingsExpected: [STEP], findingsRaised: [STEP] }),
        findingsCorrect: true,
        recordingId: ids.correct.recordingId,
        durationMs: 20_000,
      }),
    ]);
    const audit = await t.hq.db.db
      .selectFrom('audit')
      .select(['entity_id', 'detail'])
      .where('action', '=', 'hq.training_list')
      .execute();
    expect(audit.at(-1)).toMatchObject({ entity_id: BRANCH.branchId, detail: { results: 2 } });
  });

  it('pages the training view by keyset, and filters it by the trainee', async () => {
    const first = (await get('HQ01', '/api/training?limit=1')).json() as TrainingPage;
    expect(first.items.map((i) => i.attemptId)).toEqual([ids.missed.attemptId]);
    expect(first.next).not.toBeNull();
    const second = (
      await get('HQ01', `/api/training?limit=1&before=${encodeURIComponent(first.next ?? '')}`)
    ).json() as TrainingPage;
    expect(second.items.map((i) => i.attemptId)).toEqual([ids.correct.attemptId]);
    expect(second.next).toBeNull();
    const byCode = (await get('HQ01', '/api/training?agentCode=TR-A1')).json() as TrainingPage;
    expect(byCode.items).toHaveLength(2);
    const nobody = (await get('HQ01', '/api/training?agentCode=NOBODY')).json() as TrainingPage;
    expect(nobody.items).toEqual([]);
    const byId = (await get('HQ01', `/api/training?agentId=${agentId}`)).json() as TrainingPage;
    expect(byId.items).toHaveLength(2);
  });

  it('shows another branch nothing, agents nothing, and refuses a bad query in Chinese', async () => {
    const bj = await get('BJ01', '/api/training');
    expect(bj.statusCode, bj.body).toBe(200);
    expect(bj.json()).toEqual({ items: [], next: null });
    const other = await get('BJ01', `/api/training?branchId=${BRANCH.branchId}`);
    expect([other.statusCode, other.json().message]).toEqual([403, '您无权访问其他营业部的数据']);
    expect((await get('TR-A1', '/api/training')).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/training' })).statusCode).toBe(401);
    for (const query of ['limit=0', 'before=yesterday', 'agentId=not-a-uuid', 'colour=red']) {
      const res = await get('HQ01', `/api/training?${query}`);
      expect([query, res.statusCode]).toEqual([query, 400]);
      expect(res.json().message).toMatch(/^请求内容无效：.*[\u4e00-\u9fff]/);
    }
    expect((await get('HQ01', '/api/training?before=yesterday')).json().message).toContain('翻页位置无效');
    // Past the pattern, but no instant and no id.
    const odd = await get(
      'HQ01',
      `/api/training?before=${encodeURIComponent(`2026-99-99T99:99:99.000Z|${'-'.repeat(36)}`)}`,
    );
    expect([odd.statusCode, odd.json().message]).toEqual([400, '翻页位置无效：请从第一页重新查询']);
  });

  it('quarantines a result whose line disagrees with its attempt’s, and applies what follows', async () => {
    const mixed = await task('abnormal');
    const realAttempt = uuidv7();
    const trainingAttempt = uuidv7();
    const base = { taskId: mixed.taskId, type: 'abnormal' as const, customerId: mixed.customerId };
    // An earlier push: a practice attempt head office then holds.
    pushAt = later(AT, 3_600_000);
    await push([attempt({ id: trainingAttempt, taskId: mixed.taskId, at: pushAt, training: PERSONA })]);
    const refusedIds = { inPush: uuidv7(), earlier: uuidv7(), none: uuidv7(), persona: uuidv7() };
    const good = uuidv7();
    const first = seq + 1;
    const answer = await push([
      attempt({ id: realAttempt, taskId: mixed.taskId, at: pushAt, training: null }),
      // Training on a real call of this push.
      result({ ...base, id: refusedIds.inPush, attemptId: realAttempt, training: completeness([]) }),
      // Real on the practice call of the earlier push: it would close the task.
      result({ ...base, id: refusedIds.earlier, attemptId: trainingAttempt, training: null }),
      // Training without any call.
      result({ ...base, id: refusedIds.none, attemptId: null, training: completeness([]) }),
      // Training with another persona than the call's.
      result({
        ...base,
        id: refusedIds.persona,
        attemptId: trainingAttempt,
        training: { ...completeness([]), personaVersion: 2 },
      }),
      // What follows is applied: the practice result on its practice call.
      result({ ...base, id: good, attemptId: trainingAttempt, training: completeness([]) }),
    ]);
    expect(answer.appliedSeq).toBe(seq);
    expect(answer.refused.map((r) => [r.seq, r.status, r.code])).toEqual([
      [first + 1, 422, 'BAD_ENTRY'],
      [first + 2, 422, 'BAD_ENTRY'],
      [first + 3, 422, 'BAD_ENTRY'],
      [first + 4, 422, 'BAD_ENTRY'],
    ]);
    for (const r of answer.refused) expect(r.message).toMatch(/演练/);
    expect(answer.refused[0]?.message).toContain('真实呼叫');
    expect(answer.refused[3]?.message).toContain('第 1 版');
    const held = await t.hq.db.db
      .selectFrom('quarantine')
      .select(['seq', 'reason'])
      .where('seat_id', '=', seat.seatId)
      .orderBy('seq')
      .execute();
    expect(held.map((q) => Number(q.seq))).toEqual([first + 1, first + 2, first + 3, first + 4]);
    const stored = await t.hq.db.db
      .selectFrom('results')
      .select('id')
      .where('task_id', '=', mixed.taskId)
      .execute();
    expect(stored.map((s) => s.id)).toEqual([good]);
    expect((await taskRow(mixed.taskId)).status).toBe('open');
  });

  it('quarantines an attempt that comes after a result on it of the other line', async () => {
    const mixed = await task('complaint');
    const attemptId = uuidv7();
    const resultId = uuidv7();
    // The result first (committed before the call ended): a real one, on a call head office does not know yet.
    const r = await push([
      result({
        id: resultId,
        taskId: mixed.taskId,
        attemptId,
        type: 'complaint',
        customerId: mixed.customerId,
        training: null,
      }),
    ]);
    expect(r.refused).toEqual([]);
    const a = await push([attempt({ id: attemptId, taskId: mixed.taskId, at: pushAt, training: PERSONA })]);
    expect(a.refused.map((x) => [x.status, x.code])).toEqual([[422, 'BAD_ENTRY']]);
    expect(a.refused[0]?.message).toContain(resultId);
    expect(a.appliedSeq).toBe(seq);
  });

  it('report and search are unchanged by the refused entries', async () => {
    const report = await buildReport(t.hq, REPORT);
    expect(report.coverage.find((c) => c.type === 'abnormal')).toMatchObject({ completed: 0 });
    expect(report.coverage.find((c) => c.type === 'complaint')).toMatchObject({ completed: 1 });
  });

  it('removes a practice recording after the training period, and keeps the real one', async () => {
    clockMs = Date.parse(AT) + 89 * 86_400_000;
    expect(await purgeExpired(t.hq)).toEqual({ purged: [], held: [] });
    clockMs = Date.parse(AT) + 91 * 86_400_000;
    expect(await purgeExpired(t.hq)).toEqual({ purged: [ids.correct.recordingId], held: [] });
    const gone = await get('SH01', `/api/recordings/${ids.correct.recordingId}/original`);
    expect(gone.statusCode).toBe(410);
    const kept = await get('SH01', `/api/recordings/${ids.real.recordingId}/original`);
    expect(kept.statusCode).toBe(200);
  });
});
