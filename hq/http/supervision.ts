import { createReadStream, statSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import { ResultOutcome } from '../../shared/contract/schemas';
import { SyncErrorBody } from '../../shared/contract/sync';
import { CallbackType } from '../../shared/domain/callback-types';
import { maskIdNumber, maskPhone } from '../../shared/domain/masking';
import { hqAudit } from '../audit';
import type { Hq } from '../context';
import { auditRefusal, requireUser, type UserPrincipal } from './access';
import { HqError } from './errors';

const SUPERVISING = ['supervisor', 'reviewer', 'compliance', 'admin'] as const;

const ResultRow = z.object({
  id: z.string(),
  createdAt: z.string(),
  branchId: z.string().nullable(),
  agentId: z.string(),
  customerName: z.string().nullable(),
  idNumberMasked: z.string().nullable(),
  phoneMasked: z.string().nullable(),
  outcome: z.string(),
  disposition: z.string(),
  flag: z.string().nullable(),
  purposes: z.array(z.string()),
  findings: z.number().int(),
  recordingId: z.string().nullable(),
});

const SearchQuery = z.object({
  branchId: z.string().max(40).optional(),
  agentId: z.guid().optional(),
  type: CallbackType.optional(),
  outcome: ResultOutcome.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  /** The customer by the full value (exact match), never a partial one. */
  idNumber: z
    .string()
    .regex(/^\d{17}[\dX]$/, '身份证号须为完整的 18 位')
    .optional(),
  phone: z
    .string()
    .regex(/^1\d{10}$/, '手机号须为完整的 11 位')
    .optional(),
  findingsOnly: z.enum(['true', 'false']).optional(),
  /** Keyset: `createdAt|id` of the last row of the previous page. */
  before: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

async function audit(
  hq: Hq,
  user: UserPrincipal,
  ip: string,
  action: string,
  entity: [string, string],
  detail: object,
) {
  await hqAudit(hq.db.db, {
    at: hq.now().toISOString(),
    userId: user.id,
    action,
    entityType: entity[0],
    entityId: entity[1],
    detail: { ...detail },
    ip,
  });
}

/** A branch supervisor sees their branch; head-office roles (no branch) see all. Refusals audited. */
async function branchAllowed(
  hq: Hq,
  req: Parameters<typeof auditRefusal>[1],
  user: UserPrincipal,
  branchId: string | null,
) {
  if (user.branchId === null || user.branchId === branchId) return;
  await auditRefusal(hq, req, { userId: user.id }, `branch ${branchId ?? '?'}`);
  throw new HqError(403, 'FORBIDDEN', '您无权访问其他营业部的数据');
}

/**
 * What supervisors, reviewers and compliance use at head office: search results, open one, download the
 * original recording with its SHA-256. Every search, view and download is audited (who, what, when, from
 * where); personal data is masked in lists.
 */
export function supervisionRoutes(app: FastifyInstance, hq: Hq): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/results',
    {
      schema: {
        querystring: SearchQuery,
        response: {
          200: z.object({ items: z.array(ResultRow), next: z.string().nullable() }),
          400: SyncErrorBody,
          401: SyncErrorBody,
          403: SyncErrorBody,
        },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const q = req.query;
      if (user.branchId !== null && q.branchId !== undefined) await branchAllowed(hq, req, user, q.branchId);
      const branchId = user.branchId ?? q.branchId ?? null;
      let customers: string[] | null = null;
      if (q.idNumber || q.phone) {
        let cq = hq.db.db.selectFrom('customers').select('id');
        if (q.idNumber) cq = cq.where('id_number', '=', q.idNumber);
        if (q.phone) cq = cq.where('phone', '=', q.phone);
        customers = (await cq.execute()).map((c) => c.id);
      }
      const [beforeAt, beforeId] = q.before ? q.before.split('|') : [];
      let query = hq.db.db
        .selectFrom('results as r')
        .leftJoin('customers as c', 'c.id', 'r.customer_id')
        .select([
          'r.id',
          'r.created_at',
          'r.branch_id',
          'r.agent_id',
          'r.outcome',
          'r.disposition',
          'r.flag',
          'c.name',
          'c.id_number',
          'c.phone',
        ])
        .select((eb) => [
          eb
            .selectFrom('task_purposes as p')
            .select(sql<string>`string_agg(p.type, ',' ORDER BY p.type)`.as('t'))
            .whereRef('p.task_id', '=', 'r.task_id')
            .as('purposes'),
          eb
            .selectFrom('findings as f')
            .select((f) => f.fn.countAll<number>().as('n'))
            .whereRef('f.result_id', '=', 'r.id')
            .as('findings'),
          eb
            .selectFrom('recordings as rec')
            .select('rec.id')
            .whereRef('rec.attempt_id', '=', 'r.attempt_id')
            .limit(1)
            .as('recording_id'),
        ])
        .orderBy('r.created_at', 'desc')
        .orderBy('r.id', 'desc')
        .limit(q.limit + 1);
      if (branchId !== null) query = query.where('r.branch_id', '=', branchId);
      if (q.agentId) query = query.where('r.agent_id', '=', q.agentId);
      if (q.outcome) query = query.where('r.outcome', '=', q.outcome);
      if (q.from) query = query.where('r.created_at', '>=', q.from);
      if (q.to) query = query.where('r.created_at', '<', q.to);
      if (customers !== null)
        query = query.where('r.customer_id', 'in', customers.length > 0 ? customers : ['']);
      if (q.type) {
        const type = q.type;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('task_purposes as p')
              .select('p.type')
              .whereRef('p.task_id', '=', 'r.task_id')
              .where('p.type', '=', type),
          ),
        );
      }
      if (q.findingsOnly === 'true') {
        query = query.where((eb) =>
          eb.exists(eb.selectFrom('findings as f').select('f.id').whereRef('f.result_id', '=', 'r.id')),
        );
      }
      if (beforeAt && beforeId) {
        query = query.where((eb) =>
          eb.or([
            eb('r.created_at', '<', beforeAt),
            eb.and([eb('r.created_at', '=', beforeAt), eb('r.id', '<', beforeId)]),
          ]),
        );
      }
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      await audit(hq, user, req.ip, 'hq.search', ['results', branchId ?? '*'], {
        // Which filters were used; a customer's ID number or phone is never written to the trail.
        filters: Object.keys(q).filter((k) => k !== 'limit' && k !== 'before'),
        results: page.length,
      });
      const last = page.at(-1);
      return {
        items: page.map((x) => ({
          id: x.id,
          createdAt: x.created_at,
          branchId: x.branch_id,
          agentId: x.agent_id,
          customerName: x.name,
          idNumberMasked: x.id_number ? maskIdNumber(x.id_number) : null,
          phoneMasked: x.phone ? maskPhone(x.phone) : null,
          outcome: x.outcome,
          disposition: x.disposition,
          flag: x.flag,
          purposes: (x.purposes ?? '').split(',').filter(Boolean),
          findings: Number(x.findings ?? 0),
          recordingId: x.recording_id ?? null,
        })),
        next: rows.length > q.limit && last ? `${last.created_at}|${last.id}` : null,
      };
    },
  );

  r.get(
    '/api/results/:id',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        response: {
          200: z.object({
            result: z.record(z.string(), z.unknown()),
            answers: z.array(z.record(z.string(), z.unknown())),
            purposes: z.array(z.record(z.string(), z.unknown())),
            findings: z.array(z.record(z.string(), z.unknown())),
            recording: z.record(z.string(), z.unknown()).nullable(),
          }),
          401: SyncErrorBody,
          403: SyncErrorBody,
          404: SyncErrorBody,
        },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const result = await hq.db.db
        .selectFrom('results')
        .selectAll()
        .where('id', '=', req.params.id)
        .executeTakeFirst();
      if (!result) throw new HqError(404, 'NOT_FOUND', '回访结果不存在');
      await branchAllowed(hq, req, user, result.branch_id);
      const [answers, purposes, findings, recording] = await Promise.all([
        hq.db.db
          .selectFrom('answers')
          .selectAll()
          .where('result_id', '=', result.id)
          .orderBy('offset_ms')
          .execute(),
        hq.db.db.selectFrom('result_purposes').selectAll().where('result_id', '=', result.id).execute(),
        hq.db.db.selectFrom('findings').selectAll().where('result_id', '=', result.id).execute(),
        result.attempt_id
          ? hq.db.db
              .selectFrom('recordings')
              .select(['id', 'sha256', 'size_bytes', 'duration_ms', 'status', 'stored_at'])
              .where('attempt_id', '=', result.attempt_id)
              .executeTakeFirst()
          : undefined,
      ]);
      await audit(hq, user, req.ip, 'hq.result_view', ['result', result.id], {});
      return { result, answers, purposes, findings, recording: recording ?? null };
    },
  );

  r.get(
    '/api/recordings/:id/original',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        // The file itself (a stream, not serialised).
        response: { 200: z.unknown(), 401: SyncErrorBody, 403: SyncErrorBody, 404: SyncErrorBody },
      },
    },
    async (req, reply) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const rec = await hq.db.db
        .selectFrom('recordings')
        .innerJoin('seats', 'seats.id', 'recordings.seat_id')
        .select([
          'recordings.id',
          'recordings.seat_id',
          'recordings.sha256',
          'recordings.mime_type',
          'recordings.stored_at',
          'seats.branch_id',
        ])
        .where('recordings.id', '=', req.params.id)
        .executeTakeFirst();
      if (!rec) throw new HqError(404, 'NOT_FOUND', '录音不存在');
      await branchAllowed(hq, req, user, rec.branch_id);
      if (!rec.stored_at) throw new HqError(404, 'NOT_FOUND', '录音尚未从坐席上传');
      const path = hq.recordings.localPath(rec.seat_id, rec.id);
      await audit(hq, user, req.ip, 'hq.recording_download', ['recording', rec.id], {});
      return (
        reply
          .header('content-type', rec.mime_type.split(';')[0] ?? 'audio/webm')
          .header('content-length', statSync(path).size)
          .header('content-disposition', `attachment; filename="${rec.id}.webm"`)
          // The hash recorded at the seat: the downloader checks the bytes against it.
          .header('x-recording-sha256', rec.sha256)
          .send(createReadStream(path))
      );
    },
  );
}
