import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SeatError } from '../../../../shared/contract';
import { resultFor, storeWithBranch } from '../../../support/seat';
import { thrown } from '../../../support/thrown';

type Ctx = Awaited<ReturnType<typeof storeWithBranch>>;

const count = (ctx: Ctx, table: string) =>
  (ctx.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

const seatError = (fn: () => unknown) => thrown(SeatError, fn);

describe('commitResult', () => {
  let ctx: Ctx;
  beforeEach(async () => {
    ctx = await storeWithBranch();
  });
  afterEach(() => ctx.close());

  it('writes result, answers, outbox entry and audit entry, and closes the task', () => {
    const args = resultFor(ctx.ids.taskA);
    const value = ctx.store.commitResult(ctx.ids.agent, args);
    expect(value.resultId).toBe(args.id);
    expect(value.taskStatus).toBe('closed');
    expect(count(ctx, 'results')).toBe(1);
    expect(count(ctx, 'answers')).toBe(2);
    const outbox = ctx.store.db
      .prepare('SELECT seq, seat_id, kind, entity_id, payload FROM outbox ORDER BY seq')
      .all() as {
      seq: number;
      seat_id: string;
      kind: string;
      entity_id: string;
      payload: string;
    }[];
    expect(outbox.map((o) => o.kind)).toEqual(['result', 'audit']);
    expect(outbox[0]?.seq).toBe(value.outboxSeq);
    expect(outbox.every((o) => o.seat_id === ctx.store.seat()?.id)).toBe(true);
    expect(JSON.parse(outbox[0]?.payload ?? '{}').answers).toHaveLength(2);
    const audit = ctx.store.db.prepare('SELECT agent_id, action, entity_id FROM audit').all();
    expect(audit).toEqual([{ agent_id: ctx.ids.agent, action: 'result.commit', entity_id: args.id }]);
    expect(ctx.store.db.prepare('SELECT status FROM tasks WHERE id = ?').get(ctx.ids.taskA)).toEqual({
      status: 'closed',
    });
  });

  it('an injected failure after the result insert leaves no result, no answers, no outbox and no audit entry', () => {
    // A real failure inside the transaction: the outbox insert aborts after result and answers were written.
    ctx.store.db.exec(
      "CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    );
    expect(() => ctx.store.commitResult(ctx.ids.agent, resultFor(ctx.ids.taskA))).toThrow(/injected failure/);
    expect(count(ctx, 'results')).toBe(0);
    expect(count(ctx, 'answers')).toBe(0);
    expect(count(ctx, 'outbox')).toBe(0);
    expect(count(ctx, 'audit')).toBe(0);
    expect(ctx.store.db.prepare('SELECT status FROM tasks WHERE id = ?').get(ctx.ids.taskA)).toEqual({
      status: 'open',
    });

    // The failure at the very end (the task update) also undoes everything before it.
    ctx.store.db.exec('DROP TRIGGER fail_outbox');
    ctx.store.db.exec(
      "CREATE TEMP TRIGGER fail_task BEFORE UPDATE ON tasks BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    );
    expect(() => ctx.store.commitResult(ctx.ids.agent, resultFor(ctx.ids.taskA))).toThrow(/injected failure/);
    expect([count(ctx, 'results'), count(ctx, 'answers'), count(ctx, 'outbox'), count(ctx, 'audit')]).toEqual(
      [0, 0, 0, 0],
    );
  });

  it('gives outbox entries increasing sequence numbers carrying the seat id', () => {
    const a = ctx.store.commitResult(ctx.ids.agent, resultFor(ctx.ids.taskA));
    const b = ctx.store.commitResult(ctx.ids.agent, resultFor(ctx.ids.taskB, { answers: [] }));
    expect(b.outboxSeq).toBeGreaterThan(a.outboxSeq);
    const seqs = (
      ctx.store.db.prepare('SELECT seq FROM outbox ORDER BY rowid').all() as { seq: number }[]
    ).map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(ctx.store.outboxStatus()).toEqual({ pending: 4, lastSeq: seqs.at(-1) });
  });

  it('is idempotent on the result id, and refuses the same id with other content', () => {
    const args = resultFor(ctx.ids.taskA);
    const first = ctx.store.commitResult(ctx.ids.agent, args);
    const again = ctx.store.commitResult(ctx.ids.agent, args);
    expect(again).toEqual(first);
    expect(count(ctx, 'results')).toBe(1);
    expect(count(ctx, 'outbox')).toBe(2);
    const error = seatError(() => ctx.store.commitResult(ctx.ids.agent, { ...args, notes: '另一份结果' }));
    expect(error.code).toBe('CONFLICT');
  });

  it('keeps a retry open until its time, and refuses a retry time in the past', () => {
    const retryAt = '2026-11-26T06:00:00.000Z';
    const value = ctx.store.commitResult(
      ctx.ids.agent,
      resultFor(ctx.ids.taskB, { outcome: 'retry', disposition: 'no_answer', retryAt, answers: [] }),
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
          answers: [],
        }),
      ),
    );
    expect(past.code).toBe('BAD_REQUEST');
  });

  it('refuses a second result on a closed task unless it supersedes, and never rewrites the first', () => {
    const first = resultFor(ctx.ids.taskA);
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
    const args = resultFor(ctx.ids.taskA);
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
    ctx.store.commitResult(ctx.ids.agent, resultFor(ctx.ids.taskA));
    const db = ctx.store.db;
    db.prepare('UPDATE sync_state SET acked_seq = 1').run();
    expect(db.prepare('DELETE FROM outbox WHERE seq = 1').run().changes).toBe(1);
    expect(() => db.prepare('DELETE FROM outbox WHERE seq = 2').run()).toThrow(/not yet acknowledged/);
  });

  it('refuses answers for a purpose the task does not have, an unknown task, and a recused agent', () => {
    const wrongPurpose = resultFor(ctx.ids.taskB);
    expect(seatError(() => ctx.store.commitResult(ctx.ids.agent, wrongPurpose)).code).toBe('BAD_REQUEST');
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
