import type { ServerOptions as HttpsOptions } from 'node:https';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { v4 as uuidv4 } from 'uuid';
import { z } from 'zod';
import {
  Enrolment,
  PullResponse,
  PushRequest,
  PushResponse,
  StoredResponse,
  SyncErrorBody,
} from '../shared/contract/sync';
import { hqAudit } from './audit';
import { newToken, tokenHash } from './auth/tokens';
import { publishScript, setBranchSetting } from './config';
import { ContactImportReport, importContacts } from './contact';
import type { Hq } from './context';
import { ImportReport, importFeeds } from './feeds';
import { auditRefusal, requireBranch, requireSeat, requireUser } from './http/access';
import { errorReply, HqError } from './http/errors';
import { loginRoutes } from './http/login';
import { qaRoutes } from './http/qa';
import { reenrolSeat, seatTokenRoutes } from './http/seats';
import { supervisionRoutes } from './http/supervision';
import { trainingRoutes } from './http/training';
import { chineseRefusals, createUploads, UPLOADS_PATH } from './http/uploads';
import { settlePlaybackCopies } from './recordings/playback';
import { DEFAULT_RULES, FeedKindSchema, holidayWarnings } from './rules';
import { recordSeatClock, seatClockOffset } from './sync/clock';
import { pull } from './sync/pull';
import { applyPush } from './sync/push';

/**
 * Head office heard from a seat (a pull: every sync round makes one, pushes set it too): what the supervisors'
 * watch shows as online. Written at most every 20 s per seat.
 */
async function markSeen(hq: Hq, seatId: string): Promise<void> {
  const now = hq.now();
  await hq.db.db
    .updateTable('seats')
    .set({ last_seen_at: now.toISOString() })
    .where('id', '=', seatId)
    .where((eb) =>
      eb.or([
        eb('last_seen_at', 'is', null),
        eb('last_seen_at', '<', new Date(now.getTime() - 20_000).toISOString()),
      ]),
    )
    .execute();
}

export interface AppOptions {
  /** Where unfinished uploads wait (tus parts). */
  uploadsDir: string;
  logger?: boolean;
  /** HTTPS with this certificate (PEM, the chain after it) and key; plain HTTP when not given. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

/** Head office's HTTP API: every body and query validated with zod, every refusal in Chinese. */
export async function buildApp(hq: Hq, options: AppOptions): Promise<FastifyInstance> {
  // One type for both: Fastify's HTTPS instance differs from the HTTP one only in its server's type.
  const app = (Fastify as (opts: FastifyServerOptions & { https?: HttpsOptions }) => FastifyInstance)({
    ...(options.tls
      ? { https: { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' } }
      : {}),
    logger: options.logger ?? false,
    bodyLimit: 32 * 1024 * 1024,
    // Closing (SIGINT/SIGTERM) ends every connection, not only idle ones: a download whose reader went away
    // must not keep head office from stopping.
    forceCloseConnections: true,
    // A path Fastify's router cannot decode (`%`, `%E4%B8`) or with an over-long param is answered before any
    // route or error handler, in English by default: a client's mistake, so a 4xx in Chinese (found by fuzzing).
    frameworkErrors: (error, _req, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const status: number = tooLong ? 414 : 400;
      return (reply as FastifyReply).status(status).send({
        code: 'BAD_REQUEST',
        message: tooLong ? '请求地址过长' : '请求地址无效：含有无法解码的字符',
      });
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // A client's mistake is a 4xx in Chinese, the database gone a 503; only head office's own faults are 5xx,
  // each logged with its stack and the request id (also on the console when Fastify's logger is off).
  app.setErrorHandler((error, req, reply) => {
    const answer = errorReply(error);
    if (answer.fault) {
      app.log.error({ err: error, reqId: req.id }, 'internal error');
      if (!options.logger)
        console.error(`总部服务内部错误（请求 ${req.id} ${req.method} ${req.url}）`, error);
    } else if (answer.status >= 500) {
      app.log.warn({ err: error, reqId: req.id }, answer.body.message);
      if (!options.logger) console.warn(`${answer.body.message}（请求 ${req.id}）：${String(error)}`);
    } else {
      app.log.info({ reqId: req.id, code: answer.body.code }, answer.body.message);
    }
    return reply.status(answer.status).send(answer.body);
  });

  // A path or method head office has no route for: Fastify's default 404 is English (found by fuzzing).
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({
      code: 'NOT_FOUND',
      message: `总部没有此接口：${req.method} ${(req.url.split('?')[0] ?? '').slice(0, 200)}`,
    }),
  );

  // `warnings`: what an operator should know, e.g. a year whose holiday schedule is not configured yet.
  app.get('/api/health', async () => ({
    ok: true,
    db: hq.db.kind,
    // The seat compares its clock with this at every round (a seat more than 2 minutes off says so).
    hqTime: hq.now().toISOString(),
    warnings: holidayWarnings(hq.rules ?? DEFAULT_RULES, hq.now().toISOString()),
  }));

  loginRoutes(app, hq);
  seatTokenRoutes(app, hq);

  // Enrolment: an administrator (any branch) or the branch's supervisor registers a seat; its token is
  // returned once and kept by the seat.
  app.post(
    '/api/seats',
    {
      schema: {
        body: z.object({
          branchId: z.string().min(1).max(40),
          name: z.string().trim().min(1).max(100),
          /** A seat that already has its identity (from its first start) keeps it. */
          seatId: z.uuid().optional(),
        }),
        response: {
          201: Enrolment,
          401: SyncErrorBody,
          403: SyncErrorBody,
          404: SyncErrorBody,
          409: SyncErrorBody,
        },
      },
    },
    async (req, reply) => {
      const user = await requireUser(hq, req, ['admin', 'supervisor']);
      await requireBranch(hq, req, user, req.body.branchId);
      const branch = await hq.db.db
        .selectFrom('branches')
        .select(['id', 'name'])
        .where('id', '=', req.body.branchId)
        .executeTakeFirst();
      if (!branch) throw new HqError(404, 'NOT_FOUND', '营业部不存在');
      const token = newToken();
      const seatId = req.body.seatId ?? uuidv4();
      const taken = await hq.db.db
        .selectFrom('seats')
        .select(['id', 'branch_id', 'revoked_at'])
        .where('id', '=', seatId)
        .executeTakeFirst();
      // A known seat again: only one whose token was revoked (hq/http/seats.ts), a live one stays 409.
      if (taken) {
        const renewed = await hq.db.db
          .transaction()
          .execute((tx) => reenrolSeat(hq, tx, user, taken, req.body, req.ip));
        return reply
          .status(201)
          .send({ seatId, branchId: branch.id, branchName: branch.name, token: renewed });
      }
      const now = hq.now().toISOString();
      await hq.db.db.transaction().execute(async (tx) => {
        await tx
          .insertInto('seats')
          .values({
            id: seatId,
            branch_id: branch.id,
            name: req.body.name,
            token_hash: tokenHash(token),
            enrolled_by: user.id,
            enrolled_at: now,
            last_seen_at: null,
            token_issued_at: now,
          })
          .execute();
        await hqAudit(tx, {
          at: now,
          seatId: seatId,
          userId: user.id,
          action: 'hq.seat_enrol',
          entityType: 'seat',
          entityId: seatId,
          detail: { branchId: branch.id, name: req.body.name },
          ip: req.ip,
        });
      });
      return reply.status(201).send({ seatId, branchId: branch.id, branchName: branch.name, token });
    },
  );

  app.post(
    '/api/sync/push',
    {
      schema: {
        body: PushRequest,
        response: {
          200: PushResponse,
          400: SyncErrorBody,
          401: SyncErrorBody,
          403: SyncErrorBody,
          409: SyncErrorBody,
        },
      },
    },
    async (req) => {
      const seat = await requireSeat(hq, req);
      try {
        return await applyPush(hq, seat, req.body, seatClockOffset(hq, req));
      } catch (error) {
        if (error instanceof HqError && error.code === 'SEAT_MISMATCH') {
          await auditRefusal(hq, req, { seatId: seat.id }, `push as seat ${req.body.seatId}`);
        }
        throw error;
      }
    },
  );

  app.get(
    '/api/sync/pull',
    {
      schema: {
        querystring: z.object({
          cursor: z.coerce.number().int().nonnegative().default(0),
          limit: z.coerce.number().int().min(1).max(2000).default(500),
        }),
        response: { 200: PullResponse, 401: SyncErrorBody },
      },
    },
    async (req) => {
      const seat = await requireSeat(hq, req);
      await markSeen(hq, seat.id);
      await recordSeatClock(hq, seat.id, seatClockOffset(hq, req));
      return pull(hq, seat, req.query.cursor, req.query.limit);
    },
  );

  // Whether head office holds a recording, verified: the seat's acknowledgement before it may delete its copy.
  app.get(
    '/api/recordings/:id/stored',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        response: {
          200: StoredResponse,
          401: SyncErrorBody,
        },
      },
    },
    async (req) => {
      const seat = await requireSeat(hq, req);
      const rec = await hq.db.db
        .selectFrom('recordings')
        .select(['sha256', 'stored_at'])
        .where('id', '=', req.params.id)
        .where('seat_id', '=', seat.id)
        .executeTakeFirst();
      return { stored: Boolean(rec?.stored_at), sha256: rec?.stored_at ? rec.sha256 : null };
    },
  );

  // Feeds (accounts opened, exchange and compliance lists, AML lists, departures, complaints, notices,
  // satisfaction campaigns): rows in, tasks out by the rules; a re-import creates nothing twice.
  app.post(
    '/api/feeds/:kind',
    {
      schema: {
        params: z.object({ kind: FeedKindSchema }),
        body: z.object({
          rows: z.array(z.unknown()).max(200_000),
          /** The number of rows[0] in the author's file (2 for a CSV under its header). */
          firstRow: z.number().int().positive().default(1),
        }),
        response: { 200: ImportReport, 401: SyncErrorBody, 403: SyncErrorBody },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, ['admin', 'compliance']);
      // A feed makes tasks in every branch it names: head office's alone (a branch's compliance is refused).
      await requireBranch(hq, req, user, null);
      const report = await importFeeds(
        hq,
        [{ kind: req.params.kind, rows: req.body.rows, firstRow: req.body.firstRow }],
        { userId: user.id, ...(hq.rules ? { rules: hq.rules } : {}) },
      );
      await hqAudit(hq.db.db, {
        at: hq.now().toISOString(),
        userId: user.id,
        action: 'hq.feed_import',
        entityType: 'feed',
        entityId: report.importId,
        detail: { kind: req.params.kind, rows: report.rows, tasksCreated: report.tasksCreated },
        ip: req.ip,
      });
      return report;
    },
  );

  // Customers' contact wishes (免打扰, 偏好时段): a feed of its own, one row a customer (hq/contact.ts).
  app.post(
    '/api/customers/contact',
    {
      schema: {
        body: z.object({
          rows: z.array(z.unknown()).max(200_000),
          firstRow: z.number().int().positive().default(1),
        }),
        response: { 200: ContactImportReport, 401: SyncErrorBody, 403: SyncErrorBody },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, ['admin', 'compliance']);
      // Customers of every branch: head office's alone, as the task feeds.
      await requireBranch(hq, req, user, null);
      const report = await importContacts(hq, req.body.rows, req.body.firstRow, {
        userId: user.id,
        code: user.code,
      });
      await hqAudit(hq.db.db, {
        at: hq.now().toISOString(),
        userId: user.id,
        action: 'hq.contact_import',
        entityType: 'feed',
        entityId: 'customer_contact',
        detail: { rows: report.rows, updated: report.updated, skipped: report.skipped.length },
        ip: req.ip,
      });
      return report;
    },
  );

  supervisionRoutes(app, hq);
  trainingRoutes(app, hq);
  qaRoutes(app, hq);

  // Scripts and branch settings go to the seats with their next pull.
  app.post(
    '/api/scripts',
    {
      schema: {
        body: z.object({ script: z.unknown() }),
        response: {
          200: z.object({ id: z.string(), version: z.number(), published: z.boolean() }),
          400: SyncErrorBody,
          401: SyncErrorBody,
          403: SyncErrorBody,
          409: SyncErrorBody,
        },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, ['admin']);
      const now = hq.now().toISOString();
      const { script, published } = await hq.db.db
        .transaction()
        .execute((tx) => publishScript(tx, req.body.script, user.id, now));
      if (published) {
        await hqAudit(hq.db.db, {
          at: now,
          userId: user.id,
          action: 'hq.script_publish',
          entityType: 'script',
          entityId: `${script.id}@${script.version}`,
          ip: req.ip,
        });
      }
      return { id: script.id, version: script.version, published };
    },
  );

  app.put(
    '/api/branches/:branchId/settings/:key',
    {
      schema: {
        params: z.object({ branchId: z.string().min(1).max(40), key: z.string().min(1).max(60) }),
        body: z.object({ value: z.unknown() }),
        response: { 200: z.object({}), 400: SyncErrorBody, 401: SyncErrorBody, 403: SyncErrorBody },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, ['admin', 'supervisor']);
      await requireBranch(hq, req, user, req.params.branchId);
      const now = hq.now().toISOString();
      await hq.db.db
        .transaction()
        .execute((tx) =>
          setBranchSetting(tx, req.params.branchId, req.params.key, req.body.value, user.id, now),
        );
      await hqAudit(hq.db.db, {
        at: now,
        userId: user.id,
        action: 'hq.setting_set',
        entityType: 'setting',
        entityId: `${req.params.branchId}:${req.params.key}`,
        ip: req.ip,
      });
      return {};
    },
  );

  // tus takes the raw request: no body parsing for its content type.
  const tus = createUploads(hq, options.uploadsDir);
  app.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));
  const handleTus = async (
    req: { raw: import('node:http').IncomingMessage },
    reply: { hijack(): void; raw: import('node:http').ServerResponse },
  ) => {
    reply.hijack();
    chineseRefusals(reply.raw);
    await tus.handle(req.raw, reply.raw);
  };
  app.all(UPLOADS_PATH, handleTus);
  app.all(`${UPLOADS_PATH}/*`, handleTus);
  // Closing waits for the playback copies under way, so none is cut off by the database closing after.
  app.addHook('onClose', () => settlePlaybackCopies(hq));

  return app;
}
