import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import {
  EvaluationForm,
  EvaluationRequest,
  EvaluationResult,
  FindingAction,
  FindingsPage,
  FindingsQuery,
  RaiseFinding,
  REPORT_SECTIONS,
  RecheckList,
  RecheckPlan,
  RecheckQuery,
  Report,
  ReportQuery,
  SampleReport,
  SampleRequest,
  StaffList,
  Watch,
  WatchQuery,
} from '../../shared/contract/review';
import { SyncErrorBody } from '../../shared/contract/sync';
import { maskIdNumber } from '../../shared/domain/masking';
import type { Hq } from '../context';
import {
  actOnFinding,
  currentForm,
  evaluateRecheck,
  listFindings,
  raiseFinding,
  sampleRechecks,
  setRecheckPlan,
} from '../qa';
import { buildReport, reportCsv, reportTables, reportXlsx } from '../reports';
import { localDateOf } from '../rules/calendar';
import { watch } from '../watch';
import { auditUser, requireBranch, requireUser, type UserPrincipal } from './access';
import { HqError } from './errors';

const SUPERVISING = ['supervisor', 'reviewer', 'compliance', 'admin'] as const;
const REVIEWING = ['reviewer', 'compliance', 'admin'] as const;
const MANAGING = ['compliance', 'admin'] as const;
const Errors = {
  400: SyncErrorBody,
  401: SyncErrorBody,
  403: SyncErrorBody,
  404: SyncErrorBody,
  409: SyncErrorBody,
} as const;

/**
 * Head office's quality work: re-check plans and sampling, evaluations, the findings workflow and the reports
 * (with CSV and XLSX export). Every read of personal data and every decision is audited with the user and
 * the seat they logged in from.
 */
export function qaRoutes(app: FastifyInstance, hq: Hq): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/recheck/plans',
    { schema: { response: { 200: z.object({ items: z.array(RecheckPlan) }), ...Errors } } },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      // A branch's people see their branch's plan only; head-office roles (no branch) see every one.
      let query = hq.db.db.selectFrom('recheck_plans').selectAll().orderBy('branch_id');
      if (user.branchId !== null) query = query.where('branch_id', '=', user.branchId);
      const rows = await query.execute();
      return { items: rows.map((p) => ({ branchId: p.branch_id, share: p.share, period: p.period })) };
    },
  );

  r.put(
    '/api/recheck/plans/:branchId',
    {
      schema: {
        params: z.object({ branchId: z.string().max(40) }),
        body: RecheckPlan.omit({ branchId: true }),
        response: { 200: RecheckPlan, ...Errors },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, MANAGING);
      await requireBranch(hq, req, user, req.params.branchId);
      const plan = { ...req.body, branchId: req.params.branchId };
      await setRecheckPlan(hq, plan, user.id);
      await auditUser(hq, user, req.ip, 'hq.recheck_plan', ['branch', plan.branchId], {
        share: plan.share,
        period: plan.period,
      });
      return plan;
    },
  );

  r.post(
    '/api/rechecks/sample',
    { schema: { body: SampleRequest, response: { 200: SampleReport, ...Errors } } },
    async (req) => {
      const user = await requireUser(hq, req, MANAGING);
      // Sampling draws for every branch at once: head office's alone (a branch's people are refused).
      await requireBranch(hq, req, user, null);
      const report = await sampleRechecks(hq, req.body.periodKey);
      await auditUser(hq, user, req.ip, 'hq.recheck_sample', ['period', req.body.periodKey], {
        added: report.branches.reduce((n, b) => n + b.added, 0),
      });
      return report;
    },
  );

  r.get('/api/recheck/form', { schema: { response: { 200: EvaluationForm, ...Errors } } }, async (req) => {
    await requireUser(hq, req, SUPERVISING);
    return currentForm(hq);
  });

  r.get(
    '/api/rechecks',
    { schema: { querystring: RecheckQuery, response: { 200: RecheckList, ...Errors } } },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const q = req.query;
      if (q.branchId !== undefined) await requireBranch(hq, req, user, q.branchId);
      let query = hq.db.db
        .selectFrom('rechecks as k')
        .innerJoin('results as r', 'r.id', 'k.result_id')
        .leftJoin('customers as c', 'c.id', 'r.customer_id')
        .leftJoin('users as a', 'a.id', 'r.agent_id')
        .leftJoin('users as g', 'g.id', 'k.assigned_to')
        .leftJoin('recheck_evaluations as e', 'e.recheck_id', 'k.id')
        .select([
          'k.id',
          'k.result_id',
          'k.branch_id',
          'k.period_key',
          'k.assigned_to',
          'g.name as assigned_name',
          'r.agent_id',
          'a.name as agent_name',
          'c.name as customer_name',
          'c.id_number',
          'r.created_at',
          'k.sampled_at',
          'e.passed',
          'e.score',
        ])
        .select((eb) =>
          eb
            .selectFrom('task_purposes as p')
            .select(sql<string>`string_agg(p.type, ',' ORDER BY p.type)`.as('t'))
            .whereRef('p.task_id', '=', 'r.task_id')
            .as('purposes'),
        )
        // A reviewer never re-checks their own callbacks: they are not even listed to them.
        .where('r.agent_id', '<>', user.id)
        // Training calls are never sampled; should one be in a re-check, it is still not listed.
        .where('r.training', 'is', null)
        .orderBy('k.sampled_at', 'desc')
        .orderBy('k.id')
        .limit(q.limit);
      const branch = user.branchId ?? q.branchId;
      if (branch) query = query.where('k.branch_id', '=', branch);
      if (q.periodKey) query = query.where('k.period_key', '=', q.periodKey);
      if (q.mine === 'true') query = query.where('k.assigned_to', '=', user.id);
      if (q.status === 'open') query = query.where('e.recheck_id', 'is', null);
      if (q.status === 'passed') query = query.where('e.passed', '=', true);
      if (q.status === 'failed') query = query.where('e.passed', '=', false);
      const rows = await query.execute();
      await auditUser(hq, user, req.ip, 'hq.recheck_list', ['rechecks', branch ?? '*'], {
        results: rows.length,
      });
      return {
        items: rows.map((x) => ({
          id: x.id,
          resultId: x.result_id,
          branchId: x.branch_id,
          periodKey: x.period_key,
          assignedTo: x.assigned_to,
          assignedName: x.assigned_name,
          agentId: x.agent_id,
          agentName: x.agent_name,
          customerName: x.customer_name,
          idNumberMasked: x.id_number ? maskIdNumber(x.id_number) : null,
          purposes: (x.purposes ?? '').split(',').filter(Boolean),
          createdAt: x.created_at,
          sampledAt: x.sampled_at,
          status: (x.passed === null || x.passed === undefined ? 'open' : x.passed ? 'passed' : 'failed') as
            | 'open'
            | 'passed'
            | 'failed',
          score: x.score ?? null,
        })),
      };
    },
  );

  r.post(
    '/api/rechecks/:id/evaluation',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        body: EvaluationRequest,
        response: { 200: EvaluationResult, ...Errors },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, REVIEWING);
      // A reviewer of a branch scores their branch's re-checks only (an unknown id is evaluateRecheck's 404).
      const recheck = await hq.db.db
        .selectFrom('rechecks')
        .select('branch_id')
        .where('id', '=', req.params.id)
        .executeTakeFirst();
      if (recheck) await requireBranch(hq, req, user, recheck.branch_id);
      const verdict = await evaluateRecheck(hq, req.params.id, user.id, req.body);
      await auditUser(hq, user, req.ip, 'hq.recheck_evaluate', ['recheck', req.params.id], {
        score: verdict.score,
        passed: verdict.passed,
        followUpTaskId: verdict.followUpTaskId,
      });
      return verdict;
    },
  );

  r.get(
    '/api/findings',
    { schema: { querystring: FindingsQuery, response: { 200: FindingsPage, ...Errors } } },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      if (req.query.branchId !== undefined) await requireBranch(hq, req, user, req.query.branchId);
      const items = await listFindings(hq, req.query, user.branchId);
      await auditUser(
        hq,
        user,
        req.ip,
        'hq.findings_list',
        ['findings', user.branchId ?? req.query.branchId ?? '*'],
        {
          results: items.length,
        },
      );
      return { items };
    },
  );

  // A finding raised by hand, from listening: any supervising role with access to the callback's branch.
  r.post(
    '/api/results/:id/findings',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        body: RaiseFinding,
        response: { 200: z.object({ id: z.string() }), ...Errors },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const result = await hq.db.db
        .selectFrom('results')
        .select(['id', 'branch_id', 'customer_id', 'attempt_id', 'training'])
        .where('id', '=', req.params.id)
        .executeTakeFirst();
      if (!result) throw new HqError(404, 'NOT_FOUND', '回访结果不存在');
      await requireBranch(hq, req, user, result.branch_id);
      if (!result.branch_id || !result.customer_id) {
        throw new HqError(400, 'BAD_REQUEST', '这条回访缺少营业部或客户，不能记录问题');
      }
      const id = await raiseFinding(
        hq,
        {
          id: result.id,
          branchId: result.branch_id,
          customerId: result.customer_id,
          attemptId: result.attempt_id,
          training: result.training !== null,
        },
        req.body,
      );
      await auditUser(hq, user, req.ip, 'hq.finding_raise', ['finding', id], {
        resultId: result.id,
        severity: req.body.severity,
      });
      return { id };
    },
  );

  r.post(
    '/api/findings/:id/actions',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        body: FindingAction,
        response: { 200: z.object({}), ...Errors },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, ['supervisor', 'compliance', 'admin']);
      const finding = await hq.db.db
        .selectFrom('findings')
        .select(['id', 'branch_id'])
        .where('id', '=', req.params.id)
        .executeTakeFirst();
      if (!finding) throw new HqError(404, 'NOT_FOUND', '问题记录不存在');
      await requireBranch(hq, req, user, finding.branch_id);
      await actOnFinding(hq, finding.id, user.id, req.body);
      await auditUser(hq, user, req.ip, `hq.finding_${req.body.action}`, ['finding', finding.id], {
        ...(req.body.action === 'assign' ? { assigneeId: req.body.assigneeId } : {}),
      });
      return {};
    },
  );

  r.get('/api/staff', { schema: { response: { 200: StaffList, ...Errors } } }, async (req) => {
    const user = await requireUser(hq, req, SUPERVISING);
    let query = hq.db.db
      .selectFrom('users')
      .select(['id', 'code', 'name', 'role', 'branch_id'])
      .where('role', '<>', 'agent')
      .orderBy('code');
    if (user.branchId !== null) {
      const branch = user.branchId;
      query = query.where((eb) => eb.or([eb('branch_id', '=', branch), eb('branch_id', 'is', null)]));
    }
    const rows = await query.execute();
    return {
      items: rows.map((u) => ({ id: u.id, code: u.code, name: u.name, role: u.role, branchId: u.branch_id })),
    };
  });

  // The seats and the deadlines now: a branch supervisor's branch, head office's all or the one asked.
  r.get(
    '/api/watch',
    { schema: { querystring: WatchQuery, response: { 200: Watch, ...Errors } } },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      if (req.query.branchId !== undefined) await requireBranch(hq, req, user, req.query.branchId);
      const branchId = user.branchId ?? req.query.branchId ?? null;
      const answer = await watch(hq, branchId);
      await auditUser(hq, user, req.ip, 'hq.watch', ['branch', branchId ?? '*'], {
        overdue: answer.overdue.length,
      });
      return answer;
    },
  );

  /** A branch supervisor's report is their branch's, whatever was asked. */
  const reportFor = async (req: Parameters<typeof requireUser>[1], user: UserPrincipal, q: ReportQuery) => {
    if (q.branchId !== undefined) await requireBranch(hq, req, user, q.branchId);
    return buildReport(hq, { ...q, branchId: user.branchId ?? q.branchId });
  };

  r.get(
    '/api/reports',
    { schema: { querystring: ReportQuery, response: { 200: Report, ...Errors } } },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const report = await reportFor(req, user, req.query);
      await auditUser(hq, user, req.ip, 'hq.report', ['report', user.branchId ?? req.query.branchId ?? '*'], {
        from: req.query.from,
        to: req.query.to,
      });
      return report;
    },
  );

  r.get(
    '/api/reports/export',
    {
      schema: {
        querystring: ReportQuery.extend({
          format: z.enum(['csv', 'xlsx']),
          section: z.enum(REPORT_SECTIONS).default('coverage'),
        }),
        response: { 200: z.unknown(), ...Errors },
      },
    },
    async (req, reply) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const { format, section, ...q } = req.query;
      const report = await reportFor(req, user, q);
      await auditUser(hq, user, req.ip, 'hq.report_export', ['report', user.branchId ?? q.branchId ?? '*'], {
        format,
        section: format === 'csv' ? section : 'all',
        from: q.from,
        to: q.to,
      });
      const day = localDateOf(q.from);
      if (format === 'csv') {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="report-${section}-${day}.csv"`)
          .send(reportCsv(reportTables(report)[section]));
      }
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="report-${day}.xlsx"`)
        .send(await reportXlsx(report));
    },
  );
}
