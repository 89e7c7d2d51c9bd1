import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import { SyncErrorBody } from '../../shared/contract/sync';
import { type TrainingCall, TrainingPage, TrainingQuery } from '../../shared/contract/training';
import type { Hq } from '../context';
import { auditUser, requireBranch, requireUser } from './access';
import { HqError } from './errors';

const SUPERVISING = ['supervisor', 'reviewer', 'compliance', 'admin'] as const;
const NOBODY = '00000000-0000-0000-0000-000000000000';

/** The raised findings are exactly those the persona gives cause for: none missed, none without cause. */
export function findingsCorrect(expected: readonly string[], raised: readonly string[]): boolean {
  const want = new Set(expected);
  const got = new Set(raised);
  return want.size === got.size && [...want].every((step) => got.has(step));
}

/**
 * The supervisors' training view (演练线路, issue #15): the practice calls (attempts placed on the training line),
 * newest first and keyset-paged like `/api/results`, each with the result committed on it (the newest, should
 * it have been corrected), the script's completeness, whether the findings were right, and its recording for
 * the player (`/api/results/:id` and `/api/recordings/:id/playback` open it). Access as the results search:
 * supervising roles, a branch's people their branch only, agents nothing; every list audited.
 */
export function trainingRoutes(app: FastifyInstance, hq: Hq): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/training',
    {
      schema: {
        querystring: TrainingQuery,
        response: { 200: TrainingPage, 400: SyncErrorBody, 401: SyncErrorBody, 403: SyncErrorBody },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, SUPERVISING);
      const q = req.query;
      if (q.branchId !== undefined) await requireBranch(hq, req, user, q.branchId);
      const branchId = user.branchId ?? q.branchId ?? null;
      const limit = q.limit ?? 50;
      const [beforeAt, beforeId] = q.before ? q.before.split('|') : [];
      // The pattern lets through what no instant or id is (`2026-99-99…`, 36 dashes): a 400, not the database's.
      if (q.before && (Number.isNaN(Date.parse(beforeAt ?? '')) || !z.uuid().safeParse(beforeId).success)) {
        throw new HqError(400, 'BAD_REQUEST', '翻页位置无效：请从第一页重新查询');
      }
      let query = hq.db.db
        .selectFrom('attempts as a')
        .innerJoin('seats as s', 's.id', 'a.seat_id')
        .leftJoin('users as u', 'u.id', 'a.agent_id')
        .leftJoinLateral(
          (eb) =>
            eb
              .selectFrom('results as r')
              .select(['r.id', 'r.outcome', 'r.disposition', 'r.training'])
              .whereRef('r.attempt_id', '=', 'a.id')
              .orderBy('r.created_at', 'desc')
              .orderBy('r.id', 'desc')
              .limit(1)
              .as('res'),
          (join) => join.onTrue(),
        )
        .leftJoinLateral(
          (eb) =>
            eb
              .selectFrom('recordings as rec')
              .leftJoin('playback_copies as pc', 'pc.recording_id', 'rec.id')
              .select([
                'rec.id',
                sql<number | null>`coalesce(rec.duration_ms, pc.duration_ms)`.as('duration_ms'),
              ])
              .whereRef('rec.attempt_id', '=', 'a.id')
              .orderBy('rec.id')
              .limit(1)
              .as('rec'),
          (join) => join.onTrue(),
        )
        .select([
          'a.id',
          'a.started_at',
          's.branch_id',
          'a.agent_id',
          'u.code as agent_code',
          'u.name as agent_name',
          'a.persona_id',
          'a.persona_version',
          'a.outcome',
          'a.sip_code',
          'res.id as result_id',
          'res.outcome as result_outcome',
          'res.disposition',
          'res.training',
          'rec.id as recording_id',
          'rec.duration_ms',
        ])
        .where('a.persona_id', 'is not', null)
        .orderBy('a.started_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(limit + 1);
      if (branchId !== null) query = query.where('s.branch_id', '=', branchId);
      if (q.agentId) query = query.where('a.agent_id', '=', q.agentId);
      if (q.agentCode) {
        const agent = await hq.db.db
          .selectFrom('users')
          .select('id')
          .where('code', '=', q.agentCode)
          .executeTakeFirst();
        query = query.where('a.agent_id', '=', agent?.id ?? NOBODY);
      }
      if (beforeAt && beforeId) {
        query = query.where((eb) =>
          eb.or([
            eb('a.started_at', '<', beforeAt),
            eb.and([eb('a.started_at', '=', beforeAt), eb('a.id', '<', beforeId)]),
          ]),
        );
      }
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      await auditUser(hq, user, req.ip, 'hq.training_list', ['training', branchId ?? '*'], {
        filters: Object.keys(q).filter((k) => k !== 'limit' && k !== 'before'),
        results: page.length,
      });
      const last = page.at(-1);
      return {
        items: page.map((x): TrainingCall => {
          const t = x.training ?? null;
          return {
            attemptId: x.id,
            startedAt: x.started_at,
            branchId: x.branch_id,
            agentId: x.agent_id,
            agentCode: x.agent_code,
            agentName: x.agent_name,
            personaId: x.persona_id ?? '',
            personaVersion: Number(x.persona_version),
            attemptOutcome: x.outcome,
            sipCode: x.sip_code,
            resultId: x.result_id ?? null,
            resultOutcome: x.result_outcome ?? null,
            disposition: x.disposition ?? null,
            completeness:
              t === null
                ? null
                : {
                    stepsDone: t.stepsDone,
                    stepsTotal: t.stepsTotal,
                    disclosuresConfirmed: t.disclosuresConfirmed,
                    disclosuresTotal: t.disclosuresTotal,
                    findingsExpected: t.findingsExpected,
                    findingsRaised: t.findingsRaised,
                  },
            findingsCorrect: t === null ? null : findingsCorrect(t.findingsExpected, t.findingsRaised),
            recordingId: x.recording_id ?? null,
            durationMs: x.duration_ms === null || x.duration_ms === undefined ? null : Number(x.duration_ms),
          };
        }),
        next: rows.length > limit && last ? `${last.started_at}|${last.id}` : null,
      };
    },
  );
}
