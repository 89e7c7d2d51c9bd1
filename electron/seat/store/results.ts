import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  type Answer,
  type CommitResultArgs,
  type CommitResultValue,
  type ResultTraining,
  SeatError,
} from '../../../shared/contract';
import { answersSoFar, finish, progress } from '../../../shared/scripts/engine';
import { type Db, stmt } from './database';
import { type Draft, type DraftMark, deleteDraft, readDraft } from './drafts';
import { appendAudit, enqueue } from './journal';
import { readSettings } from './settings';
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
      const practice = checkAttempt(db, args);
      checkDisposition(args);
      const retryAt = args.retryAt === null ? null : new Date(args.retryAt).toISOString();
      if (retryAt !== null) checkRetryAt(db, retryAt, ctx.at);
      if (args.outcome === 'unreachable') checkUnreachable(db, args.taskId, practice !== null);
      const draft = readDraft(db, args.taskId);
      const script = scriptRecord(args, draft?.agentId === ctx.agentId ? draft : null);
      checkSameLine(db, script.answers, practice !== null);
      const training = practice && trainingRecord(practice, draft, script);

      stmt(
        db,
        `INSERT INTO results (id, task_id, attempt_id, agent_id, seat_id, outcome, disposition, notes, retry_at,
                            script_id, script_version, supersedes_id, created_at, request_hash, training)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)`,
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
        args.supersedesId,
        ctx.at,
        hash,
        training ? JSON.stringify(training) : null,
      );
      const insertAnswer = stmt(
        db,
        `INSERT INTO answers (id, result_id, step_id, purpose, purposes, value, answered_at, recording_id,
                              recording_offset_ms)
         VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)`,
      );
      for (const a of script.answers) {
        insertAnswer.run(
          uuidv7(),
          args.id,
          a.stepId,
          JSON.stringify(a.purposes),
          JSON.stringify(a.value),
          a.answeredAt,
          a.recordingId,
          a.recordingOffsetMs,
        );
      }
      const insertPurpose = stmt(
        db,
        `INSERT INTO result_purposes (result_id, purpose, outcome, script_id, script_version)
         VALUES (?, ?, ?, ?, ?)`,
      );
      for (const p of script.purposes)
        insertPurpose.run(args.id, p.purpose, p.outcome, p.scriptId, p.scriptVersion);
      const findings = insertFindings(db, args, script.findings, ctx.at);
      if (draft) deleteDraft(db, args.taskId);
      const outboxSeq = enqueue(
        db,
        ctx.seatId,
        'result',
        args.id,
        {
          ...args,
          retryAt,
          agentId: ctx.agentId,
          seatId: ctx.seatId,
          createdAt: ctx.at,
          answers: script.answers,
          purposes: script.purposes,
          findings,
          training,
        },
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
          detail: {
            taskId: args.taskId,
            outcome: args.outcome,
            disposition: args.disposition,
            // Recorded without a dial (号码错误 found in the data, a customer who called in, …): says so.
            ...(args.attemptId === null ? { withoutDial: true } : {}),
            // A retry after the deadline: the task stays overdue, and the trail says it was known.
            ...(retryAt !== null && Date.parse(retryAt) > Date.parse(task.deadlineAt)
              ? { retryAfterDeadline: true }
              : {}),
            supersedesId: args.supersedesId,
            answers: script.answers.length,
            findings: findings.length,
            ...(training ? { training: { personaId: training.personaId } } : {}),
          },
        },
        ctx.at,
      );
      // Practice is not a callback: the task stays as it was, open for the real call.
      if (training) return { resultId: args.id, outboxSeq, taskStatus: task.status };
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

/** The attempt on the training line, as the result of a practice call needs it. */
interface Practice {
  personaId: string;
  personaVersion: number;
  findings: string[];
}

/** The result's attempt belongs to its task; returns its persona when it was placed on the training line. */
function checkAttempt(db: Db, args: CommitResultArgs): Practice | null {
  if (args.attemptId === null) return null;
  const attempt = stmt<
    [string],
    { taskId: string; personaId: string | null; personaVersion: number | null; findings: string | null }
  >(
    db,
    `SELECT task_id AS taskId, training_persona_id AS personaId, training_persona_version AS personaVersion,
            training_findings AS findings FROM attempts WHERE id = ?`,
  ).get(args.attemptId);
  if (!attempt || attempt.taskId !== args.taskId)
    throw new SeatError('NOT_FOUND', '呼叫记录不存在或不属于该任务');
  if (attempt.personaId === null || attempt.personaVersion === null) return null;
  return {
    personaId: attempt.personaId,
    personaVersion: attempt.personaVersion,
    findings: JSON.parse(attempt.findings ?? '[]') as string[],
  };
}

/**
 * Practice and evidence never mix: a real result may not carry answers recorded on a training call (they
 * were given to a simulated customer), nor a practice result answers of a real call (they are evidence).
 */
function checkSameLine(db: Db, answers: readonly Answer[], training: boolean): void {
  const recordingIds = [...new Set(answers.map((a) => a.recordingId).filter((id) => id !== null))];
  if (recordingIds.length === 0) return;
  const lineOf = stmt<[string, string], { persona: string | null }>(
    db,
    `SELECT a.training_persona_id AS persona FROM attempts a
     WHERE a.id = (SELECT attempt_id FROM recordings WHERE id = ?
                   UNION ALL SELECT attempt_id FROM recordings_open WHERE id = ? LIMIT 1)`,
  );
  for (const id of recordingIds) {
    const row = lineOf.get(id, id);
    if (!row) continue;
    if ((row.persona !== null) !== training) {
      throw new SeatError(
        'CONFLICT',
        training
          ? '脚本回答是在正式通话中记录的，不能作为演练结果提交'
          : '脚本回答是在演练通话中记录的，不能作为正式回访结果提交；请重新开始脚本后拨打客户',
      );
    }
  }
}

/**
 * How complete a practice call's script was, for the training view: steps passed of the path's steps so
 * far, disclosures confirmed of the disclosures in the task's script, and the findings raised against those
 * the persona gives cause for.
 */
function trainingRecord(practice: Practice, draft: Draft | null, script: ScriptRecord): ResultTraining {
  const steps = draft?.state.merged.steps ?? [];
  const disclosures = new Set(steps.filter((s) => s.kind === 'disclosure').map((s) => s.id));
  const p = draft ? progress(draft.state) : { done: 0, total: 0 };
  return {
    personaId: practice.personaId,
    personaVersion: practice.personaVersion,
    stepsDone: p.done,
    stepsTotal: p.total,
    disclosuresConfirmed: script.answers.filter((a) => disclosures.has(a.stepId) && a.value === true).length,
    disclosuresTotal: disclosures.size,
    findingsExpected: [...practice.findings],
    findingsRaised: [...new Set(script.findings.map((f) => f.stepId))],
  };
}

type ScriptRecord = {
  answers: Answer[];
  purposes: { purpose: string; outcome: string; scriptId: string; scriptVersion: number }[];
  findings: (ReturnType<typeof answersSoFar>['findings'][number] & { mark: DraftMark | null })[];
};

/**
 * What the script leaves in the result. `completed` and `identity_not_verified` are the script's own
 * outcomes: the script must be at its end with exactly that outcome. Any other outcome (the call was cut
 * short, the customer refused or asked to be called later) keeps the answers given so far.
 */
function scriptRecord(args: CommitResultArgs, draft: Draft | null): ScriptRecord {
  const scripted = args.outcome === 'completed' || args.outcome === 'identity_not_verified';
  if (draft === null) {
    // A correction of a scripted result keeps the answers where they are: with the result it corrects.
    if (scripted && args.supersedesId === null) {
      throw new SeatError('CONFLICT', '尚未进行回访脚本，不能以此结果结案');
    }
    return { answers: [], purposes: [], findings: [] };
  }
  const markOf = new Map(draft.state.trail.map((t, i) => [t.stepId, draft.marks[i] ?? null]));
  const withMarks = (answers: ReturnType<typeof answersSoFar>['answers']): Answer[] =>
    answers.map((a) => {
      const mark = markOf.get(a.stepId);
      if (!mark) throw new Error(`answer ${a.stepId} has no mark`);
      return {
        stepId: a.stepId,
        purposes: a.purposes,
        value: a.value,
        answeredAt: mark.at,
        recordingId: mark.recordingId,
        recordingOffsetMs: mark.offsetMs,
      };
    });
  if (!scripted) {
    const partial = answersSoFar(draft.state);
    return {
      answers: withMarks(partial.answers),
      purposes: [],
      findings: partial.findings.map((f) => ({ ...f, mark: markOf.get(f.stepId) ?? null })),
    };
  }
  const done = finish(draft.state);
  if (!done.ok) throw new SeatError('CONFLICT', `回访脚本尚未完成：${done.error.zh}`);
  if (done.value.outcome !== args.outcome) {
    throw new SeatError('BAD_REQUEST', '结果与回访脚本不符，请按脚本结果提交');
  }
  const version = new Map(done.value.scripts.map((s) => [s.callbackType, s]));
  return {
    answers: withMarks(done.value.answers),
    purposes: done.value.purposes.map((p) => ({
      purpose: p.purpose,
      outcome: p.outcome,
      scriptId: version.get(p.purpose)?.id ?? '',
      scriptVersion: version.get(p.purpose)?.version ?? 0,
    })),
    findings: done.value.findings.map((f) => ({ ...f, mark: markOf.get(f.stepId) ?? null })),
  };
}

/** Findings linked to the task's branch, customer and salesperson (the purpose's own, else the customer's). */
function insertFindings(db: Db, args: CommitResultArgs, findings: ScriptRecord['findings'], at: string) {
  if (findings.length === 0) return [];
  const task = stmt<[string], { branchId: string; customerId: string; sp: string | null }>(
    db,
    `SELECT t.branch_id AS branchId, t.customer_id AS customerId, c.salesperson_id AS sp
     FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE t.id = ?`,
  ).get(args.taskId);
  if (!task) throw new Error(`task ${args.taskId} vanished`);
  const purposeSp = stmt<[string, string], { sp: string | null }>(
    db,
    'SELECT salesperson_id AS sp FROM task_purposes WHERE task_id = ? AND type = ?',
  );
  const insert = stmt(
    db,
    `INSERT INTO findings (id, result_id, step_id, purposes, category, severity, about, text_zh, salesperson_id,
                           branch_id, customer_id, recording_id, offset_ms, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return findings.map((f) => {
    const own = f.purposes.map((p) => purposeSp.get(args.taskId, p)?.sp ?? null).find((sp) => sp !== null);
    const row = {
      id: uuidv7(),
      stepId: f.stepId,
      purposes: f.purposes,
      category: f.category,
      severity: f.severity,
      about: f.about,
      text: f.text.zh,
      salespersonId: own ?? task.sp,
      branchId: task.branchId,
      customerId: task.customerId,
      recordingId: f.mark?.recordingId ?? null,
      offsetMs: f.mark?.offsetMs ?? null,
    };
    insert.run(
      row.id,
      args.id,
      row.stepId,
      JSON.stringify(row.purposes),
      row.category,
      row.severity,
      row.about,
      row.text,
      row.salespersonId,
      row.branchId,
      row.customerId,
      row.recordingId,
      row.offsetMs,
      at,
    );
    return row;
  });
}

/** Minutes since local midnight (China time) of an instant. */
const chinaMinutes = (iso: string) => {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
};
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * A retry must be later than now and inside a calling window. It may be later than the task's deadline: a
 * missed deadline stays visible (the task keeps its deadline and is listed as overdue) but never blocks the
 * work of reaching the customer.
 */
function checkRetryAt(db: Db, retryAt: string, now: string): void {
  if (new Date(retryAt).getTime() <= new Date(now).getTime()) {
    throw new SeatError('BAD_REQUEST', '重拨时间须晚于当前时间');
  }
  const windows = readSettings(db)['calling.window'];
  const m = chinaMinutes(retryAt);
  if (!windows.some((w) => m >= minutesOf(w.start) && m < minutesOf(w.end))) {
    const list = windows.map((w) => `${w.start}–${w.end}`).join('、');
    throw new SeatError('BAD_REQUEST', `重拨时间须在呼叫时段内（${list}）`);
  }
}

/** Characters (not counting spaces) a reason must have. */
export const MIN_REASON_CHARS = 4;

/**
 * Every disposition can be recorded, with or without a dial, except where the two contradict each other:
 * - `completed`: the script ran to its end with the customer verified, so the call was connected;
 * - `identity_not_verified`: someone answered (the customer, or another person: 非本人);
 * - 号码错误/空号 without a dial: the agent saw it elsewhere (the customer's data), so the reason is written.
 */
function checkDisposition(args: CommitResultArgs): void {
  if (args.outcome === 'completed' && args.disposition !== 'connected') {
    throw new SeatError('BAD_REQUEST', '"回访完成"的通话情况须为"接通"，请按最后一次通话选择通话情况');
  }
  if (
    args.outcome === 'identity_not_verified' &&
    args.disposition !== 'connected' &&
    args.disposition !== 'wrong_person'
  ) {
    throw new SeatError('BAD_REQUEST', '"身份未核实"的通话情况须为"接通"或"非本人"');
  }
  if (
    args.attemptId === null &&
    args.disposition === 'invalid_number' &&
    [...args.notes.replace(/\s/g, '')].length < MIN_REASON_CHARS
  ) {
    throw new SeatError(
      'BAD_REQUEST',
      `未拨号记录"号码错误/空号"，请在备注中说明原因（至少 ${MIN_REASON_CHARS} 个字）`,
    );
  }
}

/**
 * An unreached customer is closed as unreachable only after the configured number of dials: real dials for
 * a real result, practice dials for a practice one (neither counts for the other).
 */
function checkUnreachable(db: Db, taskId: string, training: boolean): void {
  const needed = readSettings(db)['retry.maxAttempts'];
  const made = stmt<[string], { n: number }>(
    db,
    `SELECT count(*) AS n FROM attempts WHERE task_id = ? AND (training_persona_id IS NOT NULL) = ${training ? 1 : 0}`,
  ).get(taskId)?.n;
  if ((made ?? 0) < needed) {
    throw new SeatError(
      'BAD_REQUEST',
      `已拨打 ${made ?? 0} 次，满 ${needed} 次仍未联系上才能以"无法联系"结案`,
    );
  }
}
