import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { SyncErrorBody } from '../../shared/contract/sync';
import { hqAudit } from '../audit';
import { newToken, tokenHash } from '../auth/tokens';
import type { Hq } from '../context';
import type { HqSchema } from '../db/schema';
import { forgetSeat, requireBranch, requireUser, type UserPrincipal } from './access';
import { HqError } from './errors';

/** The seat of a route's `:id`, or 404. */
async function seatRow(hq: Hq, id: string) {
  const seat = await hq.db.db
    .selectFrom('seats')
    .innerJoin('branches', 'branches.id', 'seats.branch_id')
    .select(['seats.id', 'seats.branch_id', 'branches.name as branch_name', 'seats.revoked_at'])
    .where('seats.id', '=', id)
    .executeTakeFirst();
  if (!seat) throw new HqError(404, 'NOT_FOUND', '坐席不存在');
  return seat;
}

/**
 * A revoked seat enrolled again under its own id (`POST /api/seats` with its `seatId`) by an administrator or
 * a supervisor of its branch: a new token, the revocation cleared. Its acknowledged sequence, pull cursor and
 * audit chain stay, so the seat's outbox goes on where head office's acknowledgement stands. A live seat's
 * enrolment is not taken over (409), nor a seat moved to another branch this way.
 */
export async function reenrolSeat(
  hq: Hq,
  tx: Transaction<HqSchema>,
  user: UserPrincipal,
  seat: { id: string; branch_id: string; revoked_at: string | null },
  body: { branchId: string; name: string },
  ip: string,
): Promise<string> {
  if (seat.revoked_at === null) throw new HqError(409, 'BAD_REQUEST', '该坐席已在总部登记');
  if (seat.branch_id !== body.branchId) {
    throw new HqError(409, 'BAD_REQUEST', '该坐席登记在其他营业部，不能改登记到本营业部');
  }
  const token = newToken();
  const now = hq.now().toISOString();
  await tx
    .updateTable('seats')
    .set({
      token_hash: tokenHash(token),
      name: body.name,
      revoked_at: null,
      revoked_by: null,
      token_issued_at: now,
    })
    .where('id', '=', seat.id)
    .execute();
  await hqAudit(tx, {
    at: now,
    seatId: seat.id,
    userId: user.id,
    action: 'hq.seat_enrol',
    entityType: 'seat',
    entityId: seat.id,
    detail: { branchId: seat.branch_id, name: body.name, reenrol: true, revokedAt: seat.revoked_at },
    ip,
  });
  forgetSeat(hq, seat.id);
  return token;
}

/**
 * The seat's token dead from now (revoked, or rotated: the seat gets a new one at its re-enrolment), audited
 * as `action`, and no process's cache of it kept. Returns the instant.
 */
async function retireToken(
  hq: Hq,
  user: UserPrincipal,
  seat: { id: string; branch_id: string },
  ip: string,
  action: 'hq.seat_revoke' | 'hq.seat_rotate',
  detail: Record<string, unknown> = {},
): Promise<string> {
  const now = hq.now().toISOString();
  await hq.db.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('seats')
      .set({ revoked_at: now, revoked_by: user.id })
      .where('id', '=', seat.id)
      .execute();
    await hqAudit(tx, {
      at: now,
      seatId: seat.id,
      userId: user.id,
      action,
      entityType: 'seat',
      entityId: seat.id,
      detail: { branchId: seat.branch_id, ...detail },
      ip,
    });
  });
  forgetSeat(hq, seat.id);
  return now;
}

/**
 * Revoking and rotating a seat's token (issue 14, point 3): an administrator's action, audited. Revoked, the
 * token is refused at the next request (the seat says so and stops syncing) until the seat is enrolled again;
 * rotated, likewise, the seat to be enrolled again by a supervisor at it, who gets it a new token.
 */
export function seatTokenRoutes(app: FastifyInstance, hq: Hq): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 401: SyncErrorBody, 403: SyncErrorBody, 404: SyncErrorBody, 409: SyncErrorBody };

  r.post(
    '/api/seats/:id/revoke',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        body: z.object({ reason: z.string().trim().max(200).optional() }).nullish(),
        response: { 200: z.object({ seatId: z.string(), revokedAt: z.string() }), ...errors },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, ['admin']);
      const seat = await seatRow(hq, req.params.id);
      await requireBranch(hq, req, user, seat.branch_id);
      if (seat.revoked_at !== null) throw new HqError(409, 'CONFLICT', '该坐席的凭据已吊销');
      const revokedAt = await retireToken(hq, user, seat, req.ip, 'hq.seat_revoke', {
        ...(req.body?.reason ? { reason: req.body.reason } : {}),
      });
      return { seatId: seat.id, revokedAt };
    },
  );

  // Rotation: the seat's token is retired and the seat gets a new one when a supervisor at it enrols it again
  // (its id, outbox and chain kept). No token leaves head office but to the seat itself: there is no way to
  // carry one to a seat by hand, and none is needed.
  r.post(
    '/api/seats/:id/rotate',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        response: { 200: z.object({ seatId: z.string(), retiredAt: z.string() }), ...errors },
      },
    },
    async (req) => {
      const user = await requireUser(hq, req, ['admin']);
      const seat = await seatRow(hq, req.params.id);
      await requireBranch(hq, req, user, seat.branch_id);
      if (seat.revoked_at !== null) {
        throw new HqError(409, 'CONFLICT', '该坐席的凭据已吊销：请由主管在坐席上重新登记');
      }
      const retiredAt = await retireToken(hq, user, seat, req.ip, 'hq.seat_rotate');
      return { seatId: seat.id, retiredAt };
    },
  );
}
