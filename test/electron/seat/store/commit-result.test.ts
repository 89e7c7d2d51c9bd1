import { dirname, join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadScriptFolders } from '../../../../electron/seat/scripts/load';
import { type CommitResultArgs, Disposition, SeatError } from '../../../../shared/contract';
import { SCRIPTS_DIR } from '../../../shared/scripts/library';
import { answeredCall, walkScript } from '../../../support/script';
import { resultFor, storeWithBranch } from '../../../support/seat';
import { thrown } from '../../../support/thrown';

type Ctx = Awaited<ReturnType<typeof storeWithBranch>>;

const count = (ctx: Ctx, table: string) =>
  (ctx.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

const seatError = (fn: () => unknown) => thrown(SeatError, fn);

describe('commitResult', () => {
  let ctx: Ctx;
  /** The seat's clock: 10:00 in Shanghai on 2026-11-26 unless a test moves it. */
  let clock: string;
  beforeEach(async () => {
    clock = '2026-11-26T02:00:00.000Z';
    ctx = await storeWithBranch(() => new Date(clock));
    loadScriptFolders(ctx.store, [SCRIPTS_DIR]);
  });
  afterEach(() => ctx.close());

  /** A completed callback of the task: answered call, script walked to its end; the commit's arguments. */
  const completed = (taskId: string, overrides: Partial<CommitResultArgs> = {}): CommitResultArgs => {
    const call = answeredCall(ctx.store, ctx.ids.agent, taskId, join(dirname(ctx.path), 'recordings'));
    walkScript(ctx.store, ctx.ids.agent, taskId, call.recordingId);
    return resultFor(taskId, { attemptId: call.attemptId, ...overrides });
  };
  /** A real dial of the task that ended busy (SIP 486); its attempt id. */
  const busyCall = (taskId: string): string => {
    const store = ctx.store;
    if (!store.settings()['sip.wsUrl']) store.setSetting(ctx.ids.agent, 'sip.wsUrl', 'ws://127.0.0.1:5066/');
    if (!store.settings()['sip.uri']) store.setSetting(ctx.ids.agent, 'sip.uri', 'sip:8001@rig.test');
    const attemptId = uuidv7();
    store.startCall(ctx.ids.agent, attemptId, taskId);
    store.endCall({
      attemptId,
      agentId: ctx.ids.agent,
      answeredAt: null,
      endedAt: store.now(),
      outcome: 'busy',
      sipCode: 486,
    });
    return attemptId;
  };
  const taskRow = (taskId: string) =>
    ctx.store.db
      .prepare(
        'SELECT status, deadline_at AS deadlineAt, next_attempt_at AS nextAttemptAt FROM tasks WHERE id = ?',
      )
      .get(taskId) as { status: string; deadlineAt: string; nextAttemptAt: string | null };
  const auditOf = (resultId: string) =>
    JSON.parse(
      (
        ctx.store.db
          .prepare("SELECT detail FROM audit WHERE action = 'result.commit' AND entity_id = ?")
          .get(resultId) as { detail: string }
      ).detail,
    ) as Record<string, unknown>;
  const answersInScript = (taskId: string) => ctx.store.openScript(ctx.ids.agent, taskId).state.trail.length;

  it('writes result, answers, outbox entry and audit entry, and closes the task', () => {
    const args = completed(ctx.ids.taskA);
    const asked = answersInScript(ctx.ids.taskA);
    const value = ctx.store.commitResult(ctx.ids.agent, args);
    expect(value.resultId).toBe(args.id);
    expect(value.taskStatus).toBe('closed');
    expect(count(ctx, 'results')).toBe(1);
    // Every step that took an answer (say steps are only acknowledged).
    const answers = count(ctx, 'answers');
    expect(answers).toBeGreaterThan(10);
    expect(answers).toBeLessThanOrEqual(asked);
    const outbox = ctx.store.db
      .prepare('SELECT seq, seat_id, kind, entity_id, payload FROM outbox ORDER BY seq')
      .all() as {
      seq: number;
      seat_id: string;
      kind: string;
      entity_id: string;
      payload: string;
    }[];
    // The attempt's own entries (dial, settings) come first; the result and its audit entry last.
    expect(outbox.map((o) => o.kind).slice(-2)).toEqual(['result', 'audit']);
    const result = outbox.find((o) => o.kind === 'result');
    expect(result?.seq).toBe(value.outboxSeq);
    expect(outbox.every((o) => o.seat_id === ctx.store.seat()?.id)).toBe(true);
    const payload = JSON.parse(result?.payload ?? '{}');
    expect(payload.answers).toHaveLength(answers);
    expect(payload.purposes.map((p: { purpose: string }) => p.purpose).sort()).toEqual([
      'new_account',
      'satisfaction',
    ]);
    const audit = ctx.store.db
      .prepare("SELECT agent_id, action, entity_id FROM audit WHERE action = 'result.commit'")
      .all();
    expect(audit).toEqual([{ agent_id: ctx.ids.agent, action: 'result.commit', entity_id: args.id }]);
    expect(count(ctx, 'script_drafts')).toBe(0);
    expect(ctx.store.db.prepare('SELECT status FROM tasks WHERE id = ?').get(ctx.ids.taskA)).toEqual({
      status: 'closed',
    });
  });

  it('an injected failure after the result insert leaves no result, no answers, no outbox and no audit entry', () => {
    // A real failure inside the transaction: the outbox insert aborts after result and answers were written.
    const args = completed(ctx.ids.taskA);
    const before = [count(ctx, 'outbox'), count(ctx, 'audit')];
    ctx.store.db.exec(
      "CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    );
    expect(() => ctx.store.commitResult(ctx.ids.agent, args)).toThrow(/injected failure/);
    expect(count(ctx, 'results')).toBe(0);
    expect(count(ctx, 'answers')).toBe(0);
    expect([count(ctx, 'outbox'), count(ctx, 'audit')]).toEqual(before);
    // The draft is still there: the agent can commit again.
    expect(count(ctx, 'script_drafts')).toBe(1);
    expect(ctx.store.db.prepare('SELECT status FROM tasks WHERE id = ?').get(ctx.ids.taskA)).toEqual({
      status: 'open',
    });

    // The failure at the very end (the task update) also undoes everything before it.
    ctx.store.db.exec('DROP TRIGGER fail_outbox');
    ctx.store.db.exec(
      "CREATE TEMP TRIGGER fail_task BEFORE UPDATE ON tasks BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    );
    expect(() => ctx.store.commitResult(ctx.ids.agent, args)).toThrow(/injected failure/);
    expect([count(ctx, 'results'), count(ctx, 'answers'), count(ctx, 'outbox'), count(ctx, 'audit')]).toEqual(
      [0, 0, ...before],
    );
    expect(count(ctx, 'script_drafts')).toBe(1);
  });

  it('gives outbox entries increasing sequence numbers carrying the seat id', () => {
    const a = ctx.store.commitResult(ctx.ids.agent, completed(ctx.ids.taskA));
    const b = ctx.store.commitResult(ctx.ids.agent, completed(ctx.ids.taskB));
    expect(b.outboxSeq).toBeGreaterThan(a.outboxSeq);
    const seqs = (
      ctx.store.db.prepare('SELECT seq FROM outbox ORDER BY rowid').all() as { seq: number }[]
    ).map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(ctx.store.outboxStatus()).toEqual({ pending: seqs.length, lastSeq: seqs.at(-1) });
  });

  it('is idempotent on the result id, and refuses the same id with other content', () => {
    const args = completed(ctx.ids.taskA);
    const first = ctx.store.commitResult(ctx.ids.agent, args);
    const entries = count(ctx, 'outbox');
    const again = ctx.store.commitResult(ctx.ids.agent, args);
    expect(again).toEqual(first);
    expect(count(ctx, 'results')).toBe(1);
    expect(count(ctx, 'outbox')).toBe(entries);
    const error = seatError(() => ctx.store.commitResult(ctx.ids.agent, { ...args, notes: '另一份结果' }));
    expect(error.code).toBe('CONFLICT');
  });

  it('keeps a retry open until its time, and refuses a retry time in the past', () => {
    // 14:00 in Shanghai: inside the default calling window.
    const retryAt = '2026-11-26T06:00:00.000Z';
    const value = ctx.store.commitResult(
      ctx.ids.agent,
      resultFor(ctx.ids.taskB, { outcome: 'retry', disposition: 'no_answer', retryAt }),
    );
    expect(value.taskStatus).toBe('open');
    expect(
      ctx.store.db.prepare('SELECT next_attempt_at AS t FROM tasks WHERE id = ?').get(ctx.ids.taskB),
    ).toEqual({
      t: retryAt,
    });
    const past = seatError(() =>
      ctx.store.commitResult(
        ctx.ids.agent,
        resultFor(ctx.ids.taskB, {
          outcome: 'retry',
          disposition: 'busy',
          retryAt: '2026-11-25T06:00:00.000Z',
        }),
      ),
    );
    expect(past.code).toBe('BAD_REQUEST');
  });

  it('refuses a second result on a closed task unless it supersedes, and never rewrites the first', () => {
    const first = completed(ctx.ids.taskA);
    ctx.store.commitResult(ctx.ids.agent, first);
    expect(seatError(() => ctx.store.commitResult(ctx.ids.agent, resultFor(ctx.ids.taskA))).code).toBe(
      'CONFLICT',
    );

    const correction = resultFor(ctx.ids.taskA, { supersedesId: first.id, notes: '更正：客户补充了意见。' });
    ctx.store.commitResult(ctx.ids.agent, correction);
    const detail = ctx.store.taskDetail(ctx.ids.agent, ctx.ids.taskA);
    expect(detail.results.map((r) => [r.id, r.superseded, r.notes])).toEqual([
      [first.id, true, first.notes],
      [correction.id, false, correction.notes],
    ]);
    // A result is corrected once; the next correction names the latest one.
    const fork = resultFor(ctx.ids.taskA, { supersedesId: first.id });
    expect(seatError(() => ctx.store.commitResult(ctx.ids.agent, fork)).code).toBe('CONFLICT');
  });

  it('the store refuses UPDATE and DELETE of results, answers and audit entries', () => {
    const args = completed(ctx.ids.taskA);
    ctx.store.commitResult(ctx.ids.agent, args);
    const db = ctx.store.db;
    expect(() => db.prepare("UPDATE results SET outcome = 'refused' WHERE id = ?").run(args.id)).toThrow(
      /append-only: results/,
    );
    expect(() => db.prepare('DELETE FROM results WHERE id = ?').run(args.id)).toThrow(/append-only: results/);
    expect(() => db.prepare("UPDATE answers SET value = 'true'").run()).toThrow(/append-only: answers/);
    expect(() => db.prepare('DELETE FROM answers').run()).toThrow(/append-only: answers/);
    expect(() => db.prepare("UPDATE audit SET agent_id = 'x'").run()).toThrow(/append-only: audit/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only: audit/);
    expect(() => db.prepare("UPDATE outbox SET payload = '{}'").run()).toThrow(/append-only: outbox/);
    expect(() => db.prepare('DELETE FROM outbox').run()).toThrow(/not yet acknowledged/);
    expect(count(ctx, 'results')).toBe(1);
  });

  it('allows pruning outbox entries only once head office acknowledged them', () => {
    ctx.store.commitResult(ctx.ids.agent, completed(ctx.ids.taskA));
    const db = ctx.store.db;
    db.prepare('UPDATE sync_state SET acked_seq = 1').run();
    expect(db.prepare('DELETE FROM outbox WHERE seq = 1').run().changes).toBe(1);
    expect(() => db.prepare('DELETE FROM outbox WHERE seq = 2').run()).toThrow(/not yet acknowledged/);
  });

  it('refuses a scripted outcome without the script at its end, or with another outcome than the script’s', () => {
    // No script at all.
    const none = seatError(() => ctx.store.commitResult(ctx.ids.agent, resultFor(ctx.ids.taskB)));
    expect([none.code, none.message]).toEqual(['CONFLICT', '尚未进行回访脚本，不能以此结果结案']);
    // Half a script.
    const call = answeredCall(ctx.store, ctx.ids.agent, ctx.ids.taskB, join(dirname(ctx.path), 'recordings'));
    walkScript(ctx.store, ctx.ids.agent, ctx.ids.taskB, call.recordingId, {}, 'aml.occupation');
    const half = seatError(() =>
      ctx.store.commitResult(ctx.ids.agent, resultFor(ctx.ids.taskB, { attemptId: call.attemptId })),
    );
    expect(half.code).toBe('CONFLICT');
    expect(half.message).toMatch(/^回访脚本尚未完成：还有 \d+ 个必答步骤未完成$/);
    // The whole script, but committed as if identity had failed.
    walkScript(ctx.store, ctx.ids.agent, ctx.ids.taskB, call.recordingId);
    const wrong = seatError(() =>
      ctx.store.commitResult(
        ctx.ids.agent,
        resultFor(ctx.ids.taskB, { attemptId: call.attemptId, outcome: 'identity_not_verified' }),
      ),
    );
    expect([wrong.code, wrong.message]).toEqual(['BAD_REQUEST', '结果与回访脚本不符，请按脚本结果提交']);
    expect(count(ctx, 'results')).toBe(0);
  });

  it('refuses a retry outside the calling window, in Chinese, and accepts one after the task’s deadline', () => {
    const retry = (retryAt: string) =>
      resultFor(ctx.ids.taskB, { outcome: 'retry', disposition: 'call_back_later', retryAt });
    const refused = (retryAt: string) =>
      seatError(() => ctx.store.commitResult(ctx.ids.agent, retry(retryAt))).message;
    // 12:00 in Shanghai: the lunch break between the default windows.
    expect(refused('2026-11-26T04:00:00.000Z')).toBe('重拨时间须在呼叫时段内（09:00–11:30、13:00–20:00）');
    // 21:00 in Shanghai.
    expect(refused('2026-11-26T13:00:00.000Z')).toBe('重拨时间须在呼叫时段内（09:00–11:30、13:00–20:00）');
    // After the deadline and outside the window: the window still holds.
    expect(refused('2026-12-01T04:00:00.000Z')).toBe('重拨时间须在呼叫时段内（09:00–11:30、13:00–20:00）');
    expect(count(ctx, 'results')).toBe(0);

    // Task B is due 2026-11-30 23:59:59 Shanghai time; 10:00 on 1 December is after it, and allowed.
    const before = taskRow(ctx.ids.taskB);
    const late = retry('2026-12-01T02:00:00.000Z');
    expect(ctx.store.commitResult(ctx.ids.agent, late).taskStatus).toBe('open');
    // The deadline is not moved: once it has passed the task is overdue, whatever the retry time says.
    expect(taskRow(ctx.ids.taskB)).toEqual({
      status: 'open',
      deadlineAt: before.deadlineAt,
      nextAttemptAt: '2026-12-01T02:00:00.000Z',
    });
    expect(auditOf(late.id)).toMatchObject({ outcome: 'retry', retryAfterDeadline: true });
  });

  it('an overdue task can be retried after a busy call and stays overdue in the worklist', () => {
    // 09:30 in Shanghai on 1 December: task B's deadline (30 November) has passed.
    clock = '2026-12-01T01:30:00.000Z';
    const before = taskRow(ctx.ids.taskB);
    expect(Date.parse(before.deadlineAt)).toBeLessThan(Date.parse(clock));
    const attemptId = busyCall(ctx.ids.taskB);

    // 无法联系 still needs the configured number of real dials.
    const early = seatError(() =>
      ctx.store.commitResult(
        ctx.ids.agent,
        resultFor(ctx.ids.taskB, { attemptId, outcome: 'unreachable', disposition: 'busy' }),
      ),
    );
    expect([early.code, early.message]).toEqual([
      'BAD_REQUEST',
      '已拨打 1 次，满 3 次仍未联系上才能以"无法联系"结案',
    ]);

    // 稍后重拨 this afternoon (14:00), with the disposition the agent saw: 忙线.
    const args = resultFor(ctx.ids.taskB, {
      attemptId,
      outcome: 'retry',
      disposition: 'busy',
      retryAt: '2026-12-01T06:00:00.000Z',
    });
    expect(ctx.store.commitResult(ctx.ids.agent, args).taskStatus).toBe('open');
    const detail = ctx.store.taskDetail(ctx.ids.agent, ctx.ids.taskB);
    expect(detail.results.map((r) => [r.outcome, r.disposition, r.retryAt])).toEqual([
      ['retry', 'busy', '2026-12-01T06:00:00.000Z'],
    ]);
    expect(detail.deadlineAt).toBe(before.deadlineAt);
    // Still in the worklist, with its old deadline (the console shows it as 已逾期), first of the overdue.
    const item = ctx.store
      .worklist(ctx.ids.agent, { limit: 50 })
      .items.find((i) => i.taskId === ctx.ids.taskB);
    expect(item).toMatchObject({ deadlineAt: before.deadlineAt, nextAttemptAt: '2026-12-01T06:00:00.000Z' });
    expect(Date.parse(item?.deadlineAt ?? '')).toBeLessThan(Date.parse(clock));
    const payload = JSON.parse(
      (
        ctx.store.db
          .prepare("SELECT payload FROM outbox WHERE kind = 'result' AND entity_id = ?")
          .get(args.id) as {
          payload: string;
        }
      ).payload,
    );
    expect(payload).toMatchObject({ outcome: 'retry', disposition: 'busy', attemptId });
  });

  it('records 号码错误/空号 without a dial only with a reason, and audits it as recorded without a dial', () => {
    const noDial = (notes: string) =>
      resultFor(ctx.ids.taskB, {
        outcome: 'retry',
        disposition: 'invalid_number',
        notes,
        retryAt: '2026-11-26T06:00:00.000Z',
      });
    const message = '未拨号记录"号码错误/空号"，请在备注中说明原因（至少 4 个字）';
    for (const notes of ['', '   ', '空号', '号码 错']) {
      const e = seatError(() => ctx.store.commitResult(ctx.ids.agent, noDial(notes)));
      expect([e.code, e.message]).toEqual(['BAD_REQUEST', message]);
    }
    expect(count(ctx, 'results')).toBe(0);

    const args = noDial('客户资料中的手机号少一位，已提交营业部核实');
    expect(ctx.store.commitResult(ctx.ids.agent, args).taskStatus).toBe('open');
    expect(auditOf(args.id)).toMatchObject({
      taskId: ctx.ids.taskB,
      outcome: 'retry',
      disposition: 'invalid_number',
      withoutDial: true,
    });

    // After a dial the attempt is the evidence: no reason needed, and the audit names no missing dial.
    const attemptId = busyCall(ctx.ids.taskA);
    const dialled = resultFor(ctx.ids.taskA, {
      attemptId,
      outcome: 'refused',
      disposition: 'invalid_number',
      notes: '',
    });
    expect(ctx.store.commitResult(ctx.ids.agent, dialled).taskStatus).toBe('closed');
    expect(auditOf(dialled.id)).not.toHaveProperty('withoutDial');
    expect(auditOf(dialled.id)).toMatchObject({ disposition: 'invalid_number' });
  });

  it('records every disposition with 稍后重拨 or 客户拒绝回访, with or without a dial', () => {
    const attemptId = busyCall(ctx.ids.taskB);
    for (const disposition of Disposition.options) {
      for (const withDial of [false, true]) {
        const args = resultFor(ctx.ids.taskB, {
          attemptId: withDial ? attemptId : null,
          outcome: 'retry',
          disposition,
          retryAt: '2026-11-26T06:00:00.000Z',
        });
        expect(ctx.store.commitResult(ctx.ids.agent, args).taskStatus).toBe('open');
      }
    }
    expect(count(ctx, 'results')).toBe(Disposition.options.length * 2);
    const refused = resultFor(ctx.ids.taskB, { attemptId, outcome: 'refused', disposition: 'declined' });
    expect(ctx.store.commitResult(ctx.ids.agent, refused).taskStatus).toBe('closed');
  });

  it('refuses a scripted outcome whose disposition contradicts it (回访完成 · 忙线 never reaches head office)', () => {
    const args = completed(ctx.ids.taskA, { disposition: 'busy' });
    const e = seatError(() => ctx.store.commitResult(ctx.ids.agent, args));
    expect([e.code, e.message]).toEqual([
      'BAD_REQUEST',
      '"回访完成"的通话情况须为"接通"，请按最后一次通话选择通话情况',
    ]);
    for (const disposition of ['busy', 'no_answer', 'invalid_number'] as const) {
      const bad = seatError(() =>
        ctx.store.commitResult(
          ctx.ids.agent,
          resultFor(ctx.ids.taskB, { outcome: 'identity_not_verified', disposition }),
        ),
      );
      expect([bad.code, bad.message]).toEqual(['BAD_REQUEST', '"身份未核实"的通话情况须为"接通"或"非本人"']);
    }
    expect(count(ctx, 'results')).toBe(0);
    // The same script with the disposition of its call is accepted.
    expect(
      ctx.store.commitResult(ctx.ids.agent, { ...args, id: uuidv7(), disposition: 'connected' }).taskStatus,
    ).toBe('closed');
  });

  it('closes an unreached customer as unreachable only after the configured number of dials', () => {
    const unreachable = () => resultFor(ctx.ids.taskB, { outcome: 'unreachable', disposition: 'no_answer' });
    const early = seatError(() => ctx.store.commitResult(ctx.ids.agent, unreachable()));
    expect([early.code, early.message]).toEqual([
      'BAD_REQUEST',
      '已拨打 0 次，满 3 次仍未联系上才能以"无法联系"结案',
    ]);
    for (let i = 0; i < 3; i++) {
      answeredCall(ctx.store, ctx.ids.agent, ctx.ids.taskB, join(dirname(ctx.path), 'recordings'));
    }
    expect(ctx.store.commitResult(ctx.ids.agent, unreachable()).taskStatus).toBe('closed');
  });

  it('refuses an unknown task and a recused agent', () => {
    expect(seatError(() => ctx.store.commitResult(ctx.ids.agent, resultFor(uuidv7()))).code).toBe(
      'NOT_FOUND',
    );
    // A002 is the salesperson who introduced and serves customer A.
    expect(seatError(() => ctx.store.commitResult(ctx.ids.recusedAgent, resultFor(ctx.ids.taskA))).code).toBe(
      'FORBIDDEN',
    );
    expect(count(ctx, 'results')).toBe(0);
  });
});
