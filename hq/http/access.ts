import type { FastifyRequest } from 'fastify';
import type { Role } from '../../shared/contract';
import { hqAudit } from '../audit';
import { tokenHash } from '../auth/tokens';
import type { Hq } from '../context';
import { HqError } from './errors';

export interface UserPrincipal {
  kind: 'user';
  id: string;
  code: string;
  role: Role;
  /** Null for head-office roles, which see every branch. */
  branchId: string | null;
  /** The seat the user logged in from, when the login was made from one (audit entries name it). */
  seatId: string | null;
}

export interface SeatPrincipal {
  kind: 'seat';
  id: string;
  branchId: string;
}

export const bearer = (req: FastifyRequest, scheme: 'Bearer' | 'Seat') => {
  const header = req.headers.authorization ?? '';
  const [given, token] = header.split(' ');
  return given === scheme && token ? token : null;
};

/** Refusals are audited: who (if known) tried what, from where. */
export async function auditRefusal(
  hq: Hq,
  req: FastifyRequest,
  who: { userId?: string | null; seatId?: string | null },
  reason: string,
): Promise<void> {
  await hqAudit(hq.db.db, {
    at: hq.now().toISOString(),
    seatId: who.seatId ?? null,
    userId: who.userId ?? null,
    action: 'hq.refused',
    entityType: 'route',
    entityId: `${req.method} ${req.routeOptions.url ?? req.url}`,
    detail: { reason },
    ip: req.ip,
  });
}

/** A head-office session unused this long has ended (ASVS 7.3.1). */
export const SESSION_IDLE_MS = 30 * 60_000;

/** The logged-in user of the request, with one of `roles`; 401/403 otherwise (audited). */
export async function requireUser(
  hq: Hq,
  req: FastifyRequest,
  roles: readonly Role[],
): Promise<UserPrincipal> {
  const token = bearer(req, 'Bearer');
  const row = token
    ? await hq.db.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'users.id',
          'users.code',
          'users.role',
          'users.branch_id',
          'sessions.expires_at',
          'sessions.seat_id',
          'sessions.last_used_at',
          'sessions.created_at',
        ])
        .where('sessions.token_hash', '=', tokenHash(token))
        .executeTakeFirst()
    : undefined;
  const now = hq.now().getTime();
  if (!row || new Date(row.expires_at).getTime() <= now) {
    await auditRefusal(hq, req, {}, 'not authenticated');
    throw new HqError(401, 'UNAUTHENTICATED', '请先登录总部系统');
  }
  const lastUsed = new Date(row.last_used_at ?? row.created_at).getTime();
  if (lastUsed + SESSION_IDLE_MS <= now) {
    await auditRefusal(hq, req, { userId: row.id, seatId: row.seat_id }, 'session idle');
    throw new HqError(401, 'UNAUTHENTICATED', '总部登录已超时（30 分钟无操作），请重新登录');
  }
  // Written at most once a minute: a busy workspace costs no write per request.
  if (lastUsed + 60_000 <= now) {
    await hq.db.db
      .updateTable('sessions')
      .set({ last_used_at: new Date(now).toISOString() })
      .where('token_hash', '=', tokenHash(token ?? ''))
      .execute();
  }
  if (!roles.includes(row.role)) {
    await auditRefusal(hq, req, { userId: row.id, seatId: row.seat_id }, `role ${row.role}`);
    throw new HqError(403, 'FORBIDDEN', '您的角色无权执行此操作');
  }
  return {
    kind: 'user',
    id: row.id,
    code: row.code,
    role: row.role,
    branchId: row.branch_id,
    seatId: row.seat_id,
  };
}

/**
 * A user may act on a branch when it is theirs, or when theirs is head office (null). Audited when not. A
 * record of no known branch (null) is head office's only.
 */
export async function requireBranch(
  hq: Hq,
  req: FastifyRequest,
  user: UserPrincipal,
  branchId: string | null,
): Promise<void> {
  if (user.branchId === null || user.branchId === branchId) return;
  await auditRefusal(hq, req, { userId: user.id, seatId: user.seatId }, `branch ${branchId ?? '?'}`);
  throw new HqError(403, 'FORBIDDEN', '您无权访问其他营业部的数据');
}

/**
 * Seats by token hash for a few seconds: every sync request (and every chunk of an upload) authenticates, and a
 * live seat's token and branch do not change. A revoked or rotated token is dropped from this process's cache
 * at once (`forgetSeat`); another head-office process may still accept it for at most SEAT_CACHE_MS, which is
 * why that is short.
 */
const SEAT_CACHE_MS = 10_000;
const seatCache = new WeakMap<Hq, Map<string, { seat: SeatPrincipal; until: number }>>();

/** A seat's tokens are no longer good (revoked, rotated, enrolled again): this process forgets them now. */
export function forgetSeat(hq: Hq, seatId: string): void {
  const cache = seatCache.get(hq);
  if (!cache) return;
  for (const [hash, hit] of cache) if (hit.seat.id === seatId) cache.delete(hash);
}

/** Why a seat token is refused when it is a revoked seat's (the seat shows this and stops syncing). */
export const SEAT_REVOKED_MESSAGE = '坐席凭据已被总部吊销，请主管重新登记本坐席';

/** The enrolled seat a `Seat <token>` authorisation names; null when unknown, `revoked` when revoked. */
export async function seatByToken(hq: Hq, token: string): Promise<SeatPrincipal | null>;
export async function seatByToken(
  hq: Hq,
  token: string,
  options: { revoked: true },
): Promise<SeatPrincipal | 'revoked' | null>;
export async function seatByToken(
  hq: Hq,
  token: string,
  options: { revoked?: boolean } = {},
): Promise<SeatPrincipal | 'revoked' | null> {
  const hash = tokenHash(token);
  const cache = seatCache.get(hq) ?? new Map<string, { seat: SeatPrincipal; until: number }>();
  seatCache.set(hq, cache);
  const hit = cache.get(hash);
  if (hit && hit.until > Date.now()) return hit.seat;
  const row = await hq.db.db
    .selectFrom('seats')
    .select(['id', 'branch_id', 'revoked_at'])
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  if (!row) return null;
  // Never cached: a revoked seat is looked up (and refused) at every request.
  if (row.revoked_at !== null) return options.revoked ? 'revoked' : null;
  const seat: SeatPrincipal = { kind: 'seat', id: row.id, branchId: row.branch_id };
  cache.set(hash, { seat, until: Date.now() + SEAT_CACHE_MS });
  return seat;
}

/** The enrolled seat the request comes from (its token), or 401 (audited). */
export async function requireSeat(hq: Hq, req: FastifyRequest): Promise<SeatPrincipal> {
  const token = bearer(req, 'Seat');
  const seat = token ? await seatByToken(hq, token, { revoked: true }) : null;
  if (seat === 'revoked') {
    await auditRefusal(hq, req, {}, 'revoked seat token');
    throw new HqError(401, 'UNAUTHENTICATED', SEAT_REVOKED_MESSAGE);
  }
  if (!seat) {
    await auditRefusal(hq, req, {}, 'unknown seat token');
    throw new HqError(401, 'UNAUTHENTICATED', '坐席未在总部登记或凭据无效');
  }
  return seat;
}

/** An audit entry of something a user did: who, from which seat (their login's), from where, what, on what. */
export async function auditUser(
  hq: Hq,
  user: UserPrincipal,
  ip: string,
  action: string,
  entity: [type: string, id: string],
  detail: object = {},
): Promise<void> {
  await hqAudit(hq.db.db, {
    at: hq.now().toISOString(),
    userId: user.id,
    seatId: user.seatId,
    action,
    entityType: entity[0],
    entityId: entity[1],
    detail: { ...detail },
    ip,
  });
}
