import { createReadStream, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import send from '@fastify/send';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import {
  LegalHoldRequest,
  PLAYBACK_PATH,
  PlaybackGrant,
  RecordingRetention,
  ReviewDetail,
  ReviewPage,
  ReviewSearch,
} from '../../shared/contract/review';
import { SyncErrorBody } from '../../shared/contract/sync';
import { maskIdNumber, maskPhone } from '../../shared/domain/masking';
import { newToken, tokenHash } from '../auth/tokens';
import type { Hq } from '../context';
import { ensurePlaybackCopy } from '../recordings/playback';
import { requireKept, retentionOf, setLegalHold } from '../retention';
import { auditRefusal, auditUser, bearer, requireBranch, requireUser, type UserPrincipal } from './access';
import { HqError } from './errors';

const SUPERVISING = ['supervisor', 'reviewer', 'compliance', 'admin'] as const;
/**
 * How long a playback link lasts (#14): short, since whoever holds the link streams the recording. The player
 * asks for a new one when it opens the recording again.
 */
export const PLAYBACK_GRANT_MS = 10 * 60_000;

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
        querystring: ReviewSearch,
        response: {
          200: ReviewPage,
          400: SyncErrorBody,
          401: SyncErrorBody,
          403: SyncErrorBody,
        },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const q = req.query;
      if (q.branchId !== undefined) await requireBranch(hq, req, user, q.branchId);
      const branchId = user.branchId ?? q.branchId ?? null;
      let customers: string[] | null = null;
      if (q.idNumber || q.phone || q.salespersonId) {
        let cq = hq.db.db.selectFrom('customers').select('id');
        if (q.idNumber) cq = cq.where('id_number', '=', q.idNumber);
        if (q.phone) cq = cq.where('phone', '=', q.phone);
        if (q.salespersonId) cq = cq.where('salesperson_id', '=', q.salespersonId);
        customers = (await cq.execute()).map((c) => c.id);
      }
      const [beforeAt, beforeId] = q.before ? q.before.split('|') : [];
      let query = hq.db.db
        .selectFrom('results as r')
        .leftJoin('customers as c', 'c.id', 'r.customer_id')
        .leftJoin('users as u', 'u.id', 'r.agent_id')
        .leftJoin('salespeople as s', 's.id', 'c.salesperson_id')
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
          'u.code as agent_code',
          'u.name as agent_name',
          's.name as salesperson_name',
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
        // Training calls (演练线路) are not callbacks: the search never lists them (GET /api/training does; one
        // opened by id, for its player, is GET /api/results/:id).
        .where('r.training', 'is', null)
        .orderBy('r.created_at', 'desc')
        .orderBy('r.id', 'desc')
        .limit(q.limit + 1);
      if (branchId !== null) query = query.where('r.branch_id', '=', branchId);
      if (q.agentId) query = query.where('r.agent_id', '=', q.agentId);
      if (q.agentCode) {
        const agent = await hq.db.db
          .selectFrom('users')
          .select('id')
          .where('code', '=', q.agentCode)
          .executeTakeFirst();
        query = query.where('r.agent_id', '=', agent?.id ?? '00000000-0000-0000-0000-000000000000');
      }
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
      await auditUser(hq, user, req.ip, 'hq.search', ['results', branchId ?? '*'], {
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
          agentCode: x.agent_code,
          agentName: x.agent_name,
          salespersonName: x.salesperson_name,
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
        response: { 200: ReviewDetail, 401: SyncErrorBody, 403: SyncErrorBody, 404: SyncErrorBody },
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
      await requireBranch(hq, req, user, result.branch_id);
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
              .select(['id', 'sha256', 'size_bytes', 'duration_ms', 'status', 'stored_at', 'finished_at'])
              .where('attempt_id', '=', result.attempt_id)
              .executeTakeFirst()
          : undefined,
      ]);
      await auditUser(hq, user, req.ip, 'hq.result_view', ['result', result.id], {});
      return {
        result: {
          id: result.id,
          taskId: result.task_id,
          seatId: result.seat_id,
          agentId: result.agent_id,
          attemptId: result.attempt_id,
          branchId: result.branch_id,
          outcome: result.outcome,
          disposition: result.disposition,
          notes: result.notes,
          flag: result.flag,
          createdAt: result.created_at,
        },
        answers: answers.map((a) => ({
          stepId: a.step_id,
          purposes: a.purposes,
          value: a.value,
          answeredAt: a.answered_at,
          recordingId: a.recording_id,
          offsetMs: a.offset_ms,
        })),
        purposes: purposes.map((p) => ({
          purpose: p.purpose,
          outcome: p.outcome,
          scriptId: p.script_id,
          scriptVersion: p.script_version,
        })),
        findings: findings.map((f) => ({
          id: f.id,
          stepId: f.step_id,
          category: f.category,
          severity: f.severity,
          about: f.about,
          textZh: f.text_zh,
          salespersonId: f.salesperson_id,
          recordingId: f.recording_id,
          offsetMs: f.offset_ms,
        })),
        recording: recording
          ? {
              id: recording.id,
              sha256: recording.sha256,
              sizeBytes: recording.size_bytes,
              durationMs: recording.duration_ms,
              status: recording.status,
              storedAt: recording.stored_at,
              retention: await retentionOf(hq, { id: recording.id, finishedAt: recording.finished_at }),
            }
          : null,
      };
    },
  );

  /**
   * A recording by id with its branch (from the seat that made it), or 404; 403 (audited) for another branch.
   * With `file`, also 404 when it is not uploaded yet and 410 when its retention period has ended.
   */
  async function recordingFor(
    req: Parameters<typeof auditRefusal>[1],
    user: UserPrincipal,
    id: string,
    file = true,
  ) {
    const rec = await hq.db.db
      .selectFrom('recordings')
      .innerJoin('seats', 'seats.id', 'recordings.seat_id')
      .select([
        'recordings.id',
        'recordings.seat_id',
        'recordings.sha256',
        'recordings.mime_type',
        'recordings.stored_at',
        'recordings.finished_at',
        'seats.branch_id',
      ])
      .where('recordings.id', '=', id)
      .executeTakeFirst();
    if (!rec) throw new HqError(404, 'NOT_FOUND', '录音不存在');
    await requireBranch(hq, req, user, rec.branch_id);
    if (file) {
      if (!rec.stored_at) throw new HqError(404, 'NOT_FOUND', '录音尚未从坐席上传');
      await requireKept(hq, rec.id);
    }
    return rec;
  }

  // Legal hold: compliance and administrators keep a recording past its retention period, with a reason.
  r.post(
    '/api/recordings/:id/hold',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        body: LegalHoldRequest,
        response: {
          200: RecordingRetention,
          401: SyncErrorBody,
          403: SyncErrorBody,
          404: SyncErrorBody,
          409: SyncErrorBody,
          410: SyncErrorBody,
        },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, ['compliance', 'admin']);
      const rec = await recordingFor(req, user, req.params.id, false);
      return setLegalHold(
        hq,
        user,
        req.ip,
        { id: rec.id, finishedAt: rec.finished_at },
        req.body.action,
        req.body.reason,
      );
    },
  );

  // Playback: the supervisor's session buys a grant (audited), bound to them and good for PLAYBACK_GRANT_MS;
  // the media element then streams the seekable copy with Range requests on the grant's path, each audited.
  r.post(
    '/api/recordings/:id/playback',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        response: {
          200: PlaybackGrant,
          401: SyncErrorBody,
          403: SyncErrorBody,
          404: SyncErrorBody,
          410: SyncErrorBody,
          503: SyncErrorBody,
        },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const rec = await recordingFor(req, user, req.params.id);
      const copy = await ensurePlaybackCopy(hq, rec.id);
      const token = newToken();
      const now = hq.now();
      const expiresAt = new Date(now.getTime() + PLAYBACK_GRANT_MS).toISOString();
      await hq.db.db
        .insertInto('playback_grants')
        .values({
          token_hash: tokenHash(token),
          recording_id: rec.id,
          user_id: user.id,
          seat_id: user.seatId,
          created_at: now.toISOString(),
          expires_at: expiresAt,
        })
        .execute();
      await auditUser(hq, user, req.ip, 'hq.recording_playback', ['recording', rec.id], {
        copySha256: copy.sha256,
      });
      return {
        path: `${PLAYBACK_PATH}${token}`,
        expiresAt,
        originalSha256: rec.sha256,
        sha256: copy.sha256,
        sizeBytes: copy.sizeBytes,
        durationMs: copy.durationMs,
        peaks: copy.peaks,
      };
    },
  );

  r.get(
    `${PLAYBACK_PATH}:token`,
    {
      schema: {
        params: z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
        response: {
          200: z.unknown(),
          206: z.unknown(),
          401: SyncErrorBody,
          403: SyncErrorBody,
          404: SyncErrorBody,
          410: SyncErrorBody,
          416: z.unknown(),
        },
      },
    },
    async (req, reply) => {
      const grant = await hq.db.db
        .selectFrom('playback_grants')
        .innerJoin('recordings', 'recordings.id', 'playback_grants.recording_id')
        .innerJoin('users', 'users.id', 'playback_grants.user_id')
        .select([
          'recordings.id',
          'recordings.seat_id',
          'playback_grants.expires_at',
          'playback_grants.user_id',
          'playback_grants.seat_id as grant_seat_id',
          'users.code',
          'users.role',
          'users.branch_id',
        ])
        .where('playback_grants.token_hash', '=', tokenHash(req.params.token))
        .executeTakeFirst();
      if (!grant) {
        await auditRefusal(hq, req, {}, 'unknown playback link');
        throw new HqError(403, 'FORBIDDEN', '回放链接无效或已过期，请重新打开录音');
      }
      // The link is bound to the user who asked for it. The player is a media element (the seat's
      // `/hq-playback/<token>`, streamed on by the seat), which cannot send an Authorization header, so the link
      // is used without a session by design; a signed link would need a bearer just the same. So the grant
      // keeps the user (and the seat they logged in from) and is honoured only while that user's session
      // from that seat is live: their logout or expiry ends it too. A request that does carry a session must
      // be that user's: another user's is refused. Either way only for PLAYBACK_GRANT_MS.
      const owner: UserPrincipal = {
        kind: 'user',
        id: grant.user_id,
        code: grant.code,
        role: grant.role,
        branchId: grant.branch_id,
        seatId: grant.grant_seat_id,
      };
      if (new Date(grant.expires_at).getTime() <= hq.now().getTime()) {
        await auditRefusal(hq, req, { userId: owner.id, seatId: owner.seatId }, 'playback link expired');
        throw new HqError(410, 'GONE', '回放链接已过期（有效期 10 分钟），请重新打开录音');
      }
      if (bearer(req, 'Bearer') !== null) {
        const presenter = await requireUser(hq, req, SUPERVISING);
        if (presenter.id !== owner.id) {
          await auditRefusal(
            hq,
            req,
            { userId: presenter.id, seatId: presenter.seatId },
            `playback link of user ${owner.code}`,
          );
          throw new HqError(403, 'FORBIDDEN', '此回放链接属于其他用户，不能使用；请自己打开录音');
        }
      } else {
        let live = hq.db.db
          .selectFrom('sessions')
          .select('token_hash')
          .where('user_id', '=', owner.id)
          .where('expires_at', '>', hq.now().toISOString());
        live =
          owner.seatId === null
            ? live.where('seat_id', 'is', null)
            : live.where('seat_id', '=', owner.seatId);
        if (!(await live.executeTakeFirst())) {
          await auditRefusal(
            hq,
            req,
            { userId: owner.id, seatId: owner.seatId },
            'playback link without session',
          );
          throw new HqError(
            403,
            'FORBIDDEN',
            '打开录音的用户已退出登录，回放链接已失效，请重新登录后打开录音',
          );
        }
      }
      await requireKept(hq, grant.id);
      const path = hq.recordings.playbackPath(grant.seat_id, grant.id);
      // Range, If-Range and 416 as the HTTP spec has them, from @fastify/send.
      const sent = await send(req.raw, `/${basename(path)}`, {
        root: dirname(path),
        index: false,
        cacheControl: false,
        dotfiles: 'deny',
      });
      if (sent.statusCode === 404) throw new HqError(404, 'NOT_FOUND', '回放副本不存在');
      // 200, 206, or 416 for a range outside the file (with its Content-Range).
      const status = sent.statusCode as 200 | 206 | 416;
      // Every range streamed is audited, as the grant was (a player asks for many; each one is a read).
      await auditUser(hq, owner, req.ip, 'hq.recording_range', ['recording', grant.id], {
        range: req.headers.range?.slice(0, 100) ?? null,
        status,
        served: sent.headers['Content-Range'] ?? (status === 200 ? 'all' : null),
      });
      if (status === 416) {
        // Its Content-Range (`bytes */size`) tells the player the length; the words are ours, not send's page.
        sent.stream.destroy();
        const range = sent.headers['Content-Range'];
        if (range) reply.header('content-range', range);
        return reply
          .code(416)
          .header('cache-control', 'private, no-store')
          .type('text/plain; charset=utf-8')
          .send('请求的范围超出了回放副本的长度\n');
      }
      reply.code(status).headers(sent.headers).header('cache-control', 'private, no-store');
      reply.header('content-type', 'audio/webm');
      return reply.send(sent.stream);
    },
  );

  r.get(
    '/api/recordings/:id/original',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        // The file itself (a stream, not serialised).
        response: {
          200: z.unknown(),
          401: SyncErrorBody,
          403: SyncErrorBody,
          404: SyncErrorBody,
          410: SyncErrorBody,
        },
      },
    },
    async (req, reply) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const rec = await recordingFor(req, user, req.params.id);
      const path = hq.recordings.localPath(rec.seat_id, rec.id);
      await auditUser(hq, user, req.ip, 'hq.recording_download', ['recording', rec.id], {});
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
