import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import {
  EvaluationForm,
  type EvaluationRequest,
  type EvaluationResult,
  type FindingAction,
  type FindingRow,
  type FindingsQuery,
  type RaiseFinding,
  type RecheckPlan,
  type SampleReport,
} from '../shared/contract/review';
import { maskIdNumber } from '../shared/domain/masking';
import type { Hq } from './context';
import { HqError } from './http/errors';
import { addPurposes, upsertBranch } from './reference';
import { addCalendarDays, endOfLocalDay, localDateOf } from './rules/calendar';
import {
  assignReviewers,
  periodKind,
  periodRange,
  pickSample,
  sampleTarget,
  scoreEvaluation,
} from './rules/recheck';

/** The head-office call center: follow-up callbacks of failed re-checks are its tasks. */
export const HQ_CALL_CENTER = { id: 'HQ-CC', name: '总部呼叫中心' };
/** Days the call center has for a follow-up callback (the end of that day, China time). */
const FOLLOW_UP_DAYS = 5;

export async function setRecheckPlan(hq: Hq, plan: RecheckPlan, userId: string): Promise<void> {
  const branch = await hq.db.db
    .selectFrom('branches')
    .select('id')
    .where('id', '=', plan.branchId)
    .executeTakeFirst();
  if (!branch) throw new HqError(404, 'NOT_FOUND', `营业部 ${plan.branchId} 不存在`);
  const row = {
    branch_id: plan.branchId,
    share: plan.share,
    period: plan.period,
    updated_by: userId,
    updated_at: hq.now().toISOString(),
  };
  await hq.db.db
    .insertInto('recheck_plans')
    .values(row)
    .onConflict((oc) => oc.column('branch_id').doUpdateSet(row))
    .execute();
}

/**
 * Samples the period for every branch whose plan has that kind of period: of its callbacks completed in the
 * period (with a recording head office holds), the plan's share, drawn by a pure function of the period and
 * the result, topped up when more callbacks arrived since a previous run (a re-run adds nothing otherwise).
 * Each sampled callback is dealt to a reviewer who did not make it.
 */
export async function sampleRechecks(hq: Hq, periodKey: string): Promise<SampleReport> {
  // The contract's pattern takes any four digits; a year such as 0321 made no local date (a 500, found by
  // fuzzing). Periods hold callbacks, so their years are those of an instant (1900–2999).
  const year = Number(periodKey.slice(0, 4));
  if (!(year >= 1900 && year <= 2999)) {
    throw new HqError(
      400,
      'BAD_REQUEST',
      `期间的年份超出范围（应在 1900–2999 年之间）：${periodKey.slice(0, 20)}`,
    );
  }
  const { from, to } = periodRange(periodKey);
  const plans = await hq.db.db
    .selectFrom('recheck_plans')
    .selectAll()
    .where('period', '=', periodKind(periodKey))
    .orderBy('branch_id')
    .execute();
  const reviewers = (
    await hq.db.db.selectFrom('users').select('id').where('role', '=', 'reviewer').orderBy('code').execute()
  ).map((r) => r.id);
  const load = new Map(
    (
      await hq.db.db
        .selectFrom('rechecks')
        .select(['assigned_to', (eb) => eb.fn.countAll<number>().as('n')])
        .where('period_key', '=', periodKey)
        .where('assigned_to', 'is not', null)
        .groupBy('assigned_to')
        .execute()
    ).map((r) => [r.assigned_to as string, Number(r.n)]),
  );
  const branches: SampleReport['branches'] = [];
  for (const plan of plans) {
    const candidates = await hq.db.db
      .selectFrom('results as r')
      .innerJoin('recordings as rec', 'rec.attempt_id', 'r.attempt_id')
      .select(['r.id', 'r.agent_id as agentId'])
      .where('r.branch_id', '=', plan.branch_id)
      .where('r.outcome', '=', 'completed')
      // A training call is not a callback: nothing to re-check.
      .where('r.training', 'is', null)
      .where('r.created_at', '>=', from)
      .where('r.created_at', '<', to)
      .where('rec.stored_at', 'is not', null)
      .execute();
    const sampled = new Set(
      (
        await hq.db.db
          .selectFrom('rechecks')
          .select('result_id')
          .where('branch_id', '=', plan.branch_id)
          .where('period_key', '=', periodKey)
          .execute()
      ).map((r) => r.result_id),
    );
    const target = sampleTarget(plan.share, candidates.length);
    const picked = pickSample(periodKey, candidates, sampled, target - sampled.size);
    const dealt = assignReviewers(picked, reviewers, load);
    for (const [, reviewer] of dealt) if (reviewer) load.set(reviewer, (load.get(reviewer) ?? 0) + 1);
    if (picked.length > 0) {
      const now = hq.now().toISOString();
      await hq.db.db
        .insertInto('rechecks')
        .values(
          picked.map((p) => ({
            id: uuidv7(),
            result_id: p.id,
            branch_id: plan.branch_id,
            period_key: periodKey,
            assigned_to: dealt.get(p.id) ?? null,
            sampled_at: now,
          })),
        )
        .onConflict((oc) => oc.column('result_id').doNothing())
        .execute();
    }
    branches.push({
      branchId: plan.branch_id,
      candidates: candidates.length,
      target,
      added: picked.length,
      total: sampled.size + picked.length,
    });
  }
  return { periodKey, branches };
}

/** The newest version of the evaluation form. */
export async function currentForm(hq: Hq, id = 'standard'): Promise<EvaluationForm> {
  const row = await hq.db.db
    .selectFrom('recheck_forms')
    .select('body')
    .where('id', '=', id)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) throw new HqError(404, 'NOT_FOUND', `评分表 ${id} 不存在`);
  return EvaluationForm.parse(row.body);
}

/**
 * A reviewer's verdict on a sampled callback, once: scored on the form version named, never by the one who
 * made the call. A failed one may create a follow-up callback of the customer for head office's call center
 * (a task in branch HQ-CC with the original purposes; when the customer already has an open task, the
 * purposes join it, as every purpose does: one open task per customer).
 */
export async function evaluateRecheck(
  hq: Hq,
  recheckId: string,
  reviewerId: string,
  request: z.output<typeof EvaluationRequest>,
): Promise<EvaluationResult> {
  const formRow = await hq.db.db
    .selectFrom('recheck_forms')
    .select('body')
    .where('id', '=', request.formId)
    .where('version', '=', request.formVersion)
    .executeTakeFirst();
  if (!formRow) throw new HqError(404, 'NOT_FOUND', '评分表版本不存在');
  const form = EvaluationForm.parse(formRow.body);
  const scored = scoreEvaluation(form, request.items);
  if (!scored.ok) throw new HqError(400, 'BAD_REQUEST', scored.error);
  return hq.db.db.transaction().execute(async (tx) => {
    const recheck = await tx
      .selectFrom('rechecks as k')
      .innerJoin('results as r', 'r.id', 'k.result_id')
      .select(['k.id', 'r.agent_id', 'r.task_id', 'r.customer_id'])
      .where('k.id', '=', recheckId)
      .forUpdate()
      .executeTakeFirst();
    if (!recheck) throw new HqError(404, 'NOT_FOUND', '复核任务不存在');
    if (recheck.agent_id === reviewerId) throw new HqError(403, 'FORBIDDEN', '不能复核自己办理的回访');
    const done = await tx
      .selectFrom('recheck_evaluations')
      .select('recheck_id')
      .where('recheck_id', '=', recheckId)
      .executeTakeFirst();
    if (done) throw new HqError(409, 'CONFLICT', '这条回访已复核过，复核结论不能修改');
    const now = hq.now().toISOString();
    let followUpTaskId: string | null = null;
    if (!scored.passed && request.followUp && recheck.customer_id) {
      const types = await tx
        .selectFrom('task_purposes')
        .select('type')
        .where('task_id', '=', recheck.task_id)
        .execute();
      await upsertBranch(tx, HQ_CALL_CENTER);
      const deadline = endOfLocalDay(addCalendarDays(localDateOf(now), FOLLOW_UP_DAYS));
      const added = await addPurposes(
        tx,
        { id: recheck.customer_id, branchId: HQ_CALL_CENTER.id },
        types.map((t) => ({
          type: t.type as never,
          deadlineAt: deadline,
          reason: `总部复核不合格（${scored.score} 分），由总部呼叫中心再次回访`,
          salespersonId: null,
          sourceKey: `recheck:${recheckId}:${t.type}`,
        })),
        now,
        { taskId: uuidv4() },
      );
      followUpTaskId = added.taskId;
    }
    await tx
      .insertInto('recheck_evaluations')
      .values({
        recheck_id: recheckId,
        reviewer_id: reviewerId,
        form_id: form.id,
        form_version: form.version,
        items: JSON.stringify(request.items),
        comments: JSON.stringify(request.comments),
        summary: request.summary,
        score: scored.score,
        passed: scored.passed,
        follow_up_task_id: followUpTaskId,
        evaluated_at: now,
      })
      .execute();
    return {
      recheckId,
      score: scored.score,
      passed: scored.passed,
      failedCritical: scored.failedCritical,
      followUpTaskId,
    };
  });
}

/** Findings with their state (the latest action), newest first; a branch supervisor's only from their branch. */
export async function listFindings(
  hq: Hq,
  q: z.output<typeof FindingsQuery>,
  branchId: string | null,
): Promise<FindingRow[]> {
  let query = hq.db.db
    .selectFrom('findings as f')
    .innerJoin('results as r', 'r.id', 'f.result_id')
    .leftJoin('customers as c', 'c.id', 'f.customer_id')
    .leftJoin('salespeople as s', 's.id', 'f.salesperson_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('finding_actions as a')
          .select(['a.action', 'a.assignee_id', 'a.note', 'a.at'])
          .whereRef('a.finding_id', '=', 'f.id')
          .orderBy('a.at', 'desc')
          .orderBy('a.id', 'desc')
          .limit(1)
          .as('last'),
      (join) => join.onTrue(),
    )
    .leftJoin('users as u', 'u.id', 'last.assignee_id')
    .select([
      'f.id',
      'f.result_id',
      'r.created_at',
      'f.branch_id',
      'f.salesperson_id',
      's.name as salesperson_name',
      'c.name as customer_name',
      'c.id_number',
      'f.category',
      'f.severity',
      'f.about',
      'f.text_zh',
      'f.recording_id',
      'f.offset_ms',
      'last.action',
      'last.assignee_id',
      'last.note',
      'last.at',
      'u.name as assignee_name',
    ])
    // Findings raised against a simulated customer (演练线路) are not evidence: never in the queue.
    .where('f.training', '=', false)
    .orderBy('r.created_at', 'desc')
    .orderBy('f.id')
    .limit(q.limit);
  const branch = branchId ?? q.branchId;
  if (branch) query = query.where('f.branch_id', '=', branch);
  if (q.salespersonId) query = query.where('f.salesperson_id', '=', q.salespersonId);
  if (q.severity) query = query.where('f.severity', '=', q.severity);
  if (q.from) query = query.where('r.created_at', '>=', q.from);
  if (q.to) query = query.where('r.created_at', '<', q.to);
  if (q.status === 'open') query = query.where('last.action', 'is', null);
  if (q.status === 'assigned') query = query.where('last.action', '=', 'assign');
  if (q.status === 'resolved') query = query.where('last.action', '=', 'resolve');
  const rows = await query.execute();
  return rows.map((x) => ({
    id: x.id,
    resultId: x.result_id,
    createdAt: x.created_at,
    branchId: x.branch_id,
    salespersonId: x.salesperson_id,
    salespersonName: x.salesperson_name,
    customerName: x.customer_name,
    idNumberMasked: x.id_number ? maskIdNumber(x.id_number) : null,
    category: x.category,
    severity: x.severity,
    about: x.about,
    textZh: x.text_zh,
    recordingId: x.recording_id,
    offsetMs: x.offset_ms,
    status: x.action === 'resolve' ? 'resolved' : x.action === 'assign' ? 'assigned' : 'open',
    assigneeId: x.assignee_id ?? null,
    assigneeName: x.assignee_name ?? null,
    note: x.note ?? null,
    updatedAt: x.at ?? null,
  }));
}

/** Assigns or resolves a finding (a new action; the finding and earlier actions stay as they were). */
export async function actOnFinding(
  hq: Hq,
  findingId: string,
  userId: string,
  act: z.output<typeof FindingAction>,
): Promise<void> {
  if (act.action === 'assign') {
    const assignee = await hq.db.db
      .selectFrom('users')
      .select(['id', 'role', 'branch_id'])
      .where('id', '=', act.assigneeId)
      .executeTakeFirst();
    if (!assignee || assignee.role === 'agent') {
      throw new HqError(400, 'BAD_REQUEST', '只能指派给主管、复核、合规或管理人员');
    }
    // To someone who may open it: of the finding's branch, or of head office (found by the authz matrix).
    const finding = await hq.db.db
      .selectFrom('findings')
      .select('branch_id')
      .where('id', '=', findingId)
      .executeTakeFirst();
    if (assignee.branch_id !== null && assignee.branch_id !== finding?.branch_id) {
      throw new HqError(400, 'BAD_REQUEST', '只能指派给本营业部或总部的人员');
    }
  }
  await hq.db.db
    .insertInto('finding_actions')
    .values({
      id: uuidv7(),
      finding_id: findingId,
      action: act.action,
      assignee_id: act.action === 'assign' ? act.assigneeId : null,
      note: act.note,
      by_user: userId,
      at: hq.now().toISOString(),
    })
    .execute();
}

/**
 * A finding raised by hand from listening to a callback: linked like a seat's to the result, the branch, the
 * customer, the customer's salesperson and the recording (at `offsetMs`, when given). Step `manual`, category
 * `reviewer_observation`; who raised it is in the audit entry. Returns its id.
 */
export async function raiseFinding(
  hq: Hq,
  result: { id: string; branchId: string; customerId: string; attemptId: string | null; training: boolean },
  raise: RaiseFinding,
): Promise<string> {
  const [purposes, customer, recording] = await Promise.all([
    hq.db.db.selectFrom('result_purposes').select('purpose').where('result_id', '=', result.id).execute(),
    hq.db.db
      .selectFrom('customers')
      .select('salesperson_id')
      .where('id', '=', result.customerId)
      .executeTakeFirst(),
    result.attemptId
      ? hq.db.db
          .selectFrom('recordings')
          .select('id')
          .where('attempt_id', '=', result.attemptId)
          .executeTakeFirst()
      : undefined,
  ]);
  if (raise.offsetMs !== null && !recording) {
    throw new HqError(400, 'BAD_REQUEST', '这条回访没有录音，不能标记录音时间点');
  }
  const id = uuidv7();
  await hq.db.db
    .insertInto('findings')
    .values({
      id,
      result_id: result.id,
      step_id: 'manual',
      purposes: JSON.stringify(purposes.map((p) => p.purpose)),
      category: 'reviewer_observation',
      severity: raise.severity,
      about: raise.about,
      text_zh: raise.textZh,
      salesperson_id: customer?.salesperson_id ?? null,
      branch_id: result.branchId,
      customer_id: result.customerId,
      recording_id: recording?.id ?? null,
      offset_ms: recording ? raise.offsetMs : null,
      // A remark on a training call coaches the trainee; it is no finding of the customer's callback.
      training: result.training,
    })
    .execute();
  return id;
}
