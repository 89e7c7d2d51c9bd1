import { createHash } from 'node:crypto';
import { type CommitResultArgs, type CommitResultValue, SeatError } from '../../../shared/contract';
import { type Db, stmt } from './database';
import { appendAudit, enqueue } from './journal';
import { type Actor, visibleTask } from './tasks';

export interface CommitContext extends Actor {
  seatId: string;
  /** The commit's instant, ISO UTC. */
  at: string;
}

const requestHash = (args: CommitResultArgs) =>
  createHash('sha256').update(JSON.stringify(args)).digest('hex');

/**
 * Result + answers + outbox entry + audit entry (+ the task's new status) in one transaction: either head
 * office will hear of the result and the audit trail shows who committed it, or nothing happened at all.
 * The caller's `id` makes the commit idempotent: the same request again returns the first commit's value.
 */
export function commitResult(db: Db, ctx: CommitContext, args: CommitResultArgs): CommitResultValue {
  return db
    .transaction((): CommitResultValue => {
      const hash = requestHash(args);
      const existing = stmt<[string], { hash: string; taskId: string }>(
        db,
        'SELECT request_hash AS hash, task_id AS taskId FROM results WHERE id = ?',
      ).get(args.id);
      if (existing) {
        if (existing.hash !== hash)
          throw new SeatError('CONFLICT', '该结果编号已用于另一份结果，请刷新后重新提交');
        return previousCommit(db, args.id, existing.taskId);
      }

      const task = visibleTask(db, ctx, args.taskId);
      if (task.status === 'closed' && args.supersedesId === null) {
        throw new SeatError('CONFLICT', '该任务已结案；如需修改，请提交更正结果');
      }
      checkSupersedes(db, args);
      checkAttempt(db, args);
      checkAnswers(db, args);
      if (args.retryAt !== null && new Date(args.retryAt).getTime() <= new Date(ctx.at).getTime()) {
        throw new SeatError('BAD_REQUEST', '重拨时间须晚于当前时间');
      }
      const retryAt = args.retryAt === null ? null : new Date(args.retryAt).toISOString();

      stmt(
        db,
        `INSERT INTO results (id, task_id, attempt_id, agent_id, seat_id, outcome, disposition, notes, retry_at,
                            script_id, script_version, supersedes_id, created_at, request_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        args.id,
        args.taskId,
        args.attemptId,
        ctx.agentId,
        ctx.seatId,
        args.outcome,
        args.disposition,
        args.notes,
        retryAt,
        args.scriptId,
        args.scriptVersion,
        args.supersedesId,
        ctx.at,
        hash,
      );
      const insertAnswer = stmt(
        db,
        `INSERT INTO answers (id, result_id, step_id, purpose, value, answered_at, recording_offset_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const a of args.answers) {
        insertAnswer.run(
          a.id,
          args.id,
          a.stepId,
          a.purpose,
          JSON.stringify(a.value),
          new Date(a.answeredAt).toISOString(),
          a.recordingOffsetMs,
        );
      }
      const outboxSeq = enqueue(
        db,
        ctx.seatId,
        'result',
        args.id,
        { ...args, retryAt, agentId: ctx.agentId, seatId: ctx.seatId, createdAt: ctx.at },
        ctx.at,
      );
      appendAudit(
        db,
        ctx.seatId,
        {
          agentId: ctx.agentId,
          action: 'result.commit',
          entityType: 'result',
          entityId: args.id,
          detail: { taskId: args.taskId, outcome: args.outcome, supersedesId: args.supersedesId },
        },
        ctx.at,
      );
      const taskStatus = args.outcome === 'retry' ? 'open' : 'closed';
      stmt(db, 'UPDATE tasks SET status = ?, next_attempt_at = ? WHERE id = ?').run(
        taskStatus,
        retryAt,
        args.taskId,
      );
      return { resultId: args.id, outboxSeq, taskStatus };
    })
    .immediate();
}

function previousCommit(db: Db, resultId: string, taskId: string): CommitResultValue {
  const seq = stmt<[string], { seq: number }>(
    db,
    "SELECT seq FROM outbox WHERE kind = 'result' AND entity_id = ?",
  ).get(resultId)?.seq;
  const status = stmt<[string], { status: 'open' | 'closed' }>(
    db,
    'SELECT status FROM tasks WHERE id = ?',
  ).get(taskId)?.status;
  // Outbox entries are never pruned before head office acknowledges them, and pruning is not built yet: a
  // missing entry means the store is inconsistent, which is a defect to report, not a value to invent.
  if (!status || !seq) throw new Error(`result ${resultId} has no outbox entry or task`);
  return { resultId, outboxSeq: seq, taskStatus: status };
}

function checkSupersedes(db: Db, args: CommitResultArgs): void {
  if (args.supersedesId === null) return;
  const prior = stmt<[string], { taskId: string; superseded: number }>(
    db,
    `SELECT task_id AS taskId, EXISTS (SELECT 1 FROM results n WHERE n.supersedes_id = r.id) AS superseded
     FROM results r WHERE r.id = ?`,
  ).get(args.supersedesId);
  if (!prior || prior.taskId !== args.taskId) throw new SeatError('NOT_FOUND', '要更正的结果不存在');
  if (prior.superseded) throw new SeatError('CONFLICT', '该结果已被更正过，请更正最新的结果');
}

function checkAttempt(db: Db, args: CommitResultArgs): void {
  if (args.attemptId === null) return;
  const attempt = stmt<[string], { taskId: string }>(
    db,
    'SELECT task_id AS taskId FROM attempts WHERE id = ?',
  ).get(args.attemptId);
  if (!attempt || attempt.taskId !== args.taskId)
    throw new SeatError('NOT_FOUND', '呼叫记录不存在或不属于该任务');
}

function checkAnswers(db: Db, args: CommitResultArgs): void {
  const purposes = new Set(
    stmt<[string], { type: string }>(db, 'SELECT type FROM task_purposes WHERE task_id = ?')
      .all(args.taskId)
      .map((p) => p.type),
  );
  for (const a of args.answers) {
    if (a.purpose !== null && !purposes.has(a.purpose)) {
      throw new SeatError('BAD_REQUEST', `答案 ${a.stepId} 的回访类型不属于该任务`);
    }
  }
  const taken = stmt<[string], { id: string }>(db, 'SELECT id FROM answers WHERE id = ?');
  for (const a of args.answers) {
    if (taken.get(a.id)) throw new SeatError('CONFLICT', `答案编号 ${a.id} 已存在`);
  }
}
