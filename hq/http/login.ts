import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LoginResponse, SyncErrorBody } from '../../shared/contract/sync';
import { hqAudit } from '../audit';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from '../auth/password';
import {
  admit,
  CLIENT_FREE,
  CODE_FREE,
  type Counted,
  cleared,
  currentLocks,
  lift,
  type ThrottleKey,
} from '../auth/throttle';
import { newToken, tokenHash } from '../auth/tokens';
import type { Hq } from '../context';
import { auditRefusal, bearer, requireUser, type SeatPrincipal, seatByToken } from './access';
import { HqError } from './errors';

/** A session ends 12 hours after its login, after 30 idle minutes (access.ts), or at logout (ASVS 7.3). */
export const SESSION_HOURS = 12;

/** The demo's password (README): refused as anyone's real one. */
const DEMO_PASSWORD = 'huifang123';

/** What a new password must be: long, not the code, not the demo's, not the old one (ASVS 6.2). */
export function passwordProblem(code: string, password: string, old?: string): string | null {
  if (password.length < 10) return '新密码至少 10 个字符';
  if (password.length > 200) return '新密码不能超过 200 个字符';
  if (/\p{Cc}/u.test(password)) return '新密码不能含控制字符';
  if (password === DEMO_PASSWORD) return '不能使用演示密码';
  if (password.toLowerCase().includes(code.toLowerCase())) return '新密码不能包含工号';
  if (old !== undefined && password === old) return '新密码不能与原密码相同';
  if (new Set(password).size < 4) return '新密码过于简单';
  return null;
}

const Credentials = z.object({
  code: z.string().trim().min(1).max(32),
  password: z.string().min(1).max(200),
});

interface Checked {
  user: { id: string; code: string; name: string; role: string; branch_id: string | null };
  mustChange: boolean;
  seat: SeatPrincipal | null;
}

/**
 * Checks a user code and password as every route that takes a password does (login, password change): the
 * throttle first (429 with Retry-After, 423 when locked), then scrypt — against a dummy hash of the same cost
 * when the code is unknown — and a right password's hash re-made when it is weaker than head office's cost.
 * Refusals are audited without the typed code (a password typed into the code field must not reach the
 * trail); the user's id when the code is known.
 */
async function checkPassword(
  hq: Hq,
  req: FastifyRequest,
  code: string,
  password: string,
  reply: { header(name: string, value: string): unknown },
): Promise<Checked> {
  const seatToken = bearer(req, 'Seat');
  const seat = seatToken ? await seatByToken(hq, seatToken) : null;
  const user = await hq.db.db
    .selectFrom('users')
    .select(['id', 'code', 'name', 'role', 'branch_id', 'password_hash', 'must_change_password'])
    .where('code', '=', code)
    .executeTakeFirst();
  // A code nobody has is counted under its hash: what was typed may be a password.
  const codeKey: ThrottleKey = user ? `code:${user.code}` : `code:?${tokenHash(code).slice(0, 16)}`;
  const clientKey: ThrottleKey = seat ? `seat:${seat.id}` : `ip:${req.ip}`;
  const now = hq.now();
  const { admission, counted } = await admit(hq.db.db, [codeKey, clientKey], now);
  if (!admission.ok) {
    await auditRefusal(
      hq,
      req,
      { userId: user?.id ?? null, seatId: seat?.id ?? null },
      admission.reason === 'locked' ? 'login locked' : 'login throttled',
    );
    if (admission.reason === 'locked') {
      throw new HqError(423, 'LOCKED', '该工号或本机因多次密码错误已被锁定，请联系总部管理员解锁');
    }
    reply.header('retry-after', String(admission.retryAfterSeconds));
    throw new HqError(
      429,
      'TOO_MANY_ATTEMPTS',
      `密码错误次数过多，请 ${waitText(admission.retryAfterSeconds)}后再试`,
      { retryAfterSeconds: admission.retryAfterSeconds },
    );
  }
  const stored = user?.password_hash ?? (await dummyHash(hq.passwordCost));
  const right = await verifyPassword(password, stored);
  if (!user || !right) {
    await auditRefusal(
      hq,
      req,
      { userId: user?.id ?? null, seatId: seat?.id ?? null },
      user ? 'login wrong password' : 'login unknown user code',
    );
    await auditCounts(hq, req, counted, user?.id ?? null, seat?.id ?? null);
    throw new HqError(401, 'UNAUTHENTICATED', '工号或密码错误');
  }
  await cleared(hq.db.db, codeKey, clientKey);
  if (needsRehash(user.password_hash, hq.passwordCost)) {
    await hq.db.db
      .updateTable('users')
      .set({ password_hash: await hashPassword(password, hq.passwordCost) })
      .where('id', '=', user.id)
      .where('password_hash', '=', user.password_hash)
      .execute();
  }
  return { user, mustChange: user.must_change_password, seat };
}

/** Each wait begun and each lock is an audit entry of its own (who was guessed at, from where). */
async function auditCounts(
  hq: Hq,
  req: FastifyRequest,
  counted: Counted[],
  userId: string | null,
  seatId: string | null,
): Promise<void> {
  for (const c of counted) {
    const code = c.key.startsWith('code:');
    if (!c.lockedNow && c.failures !== (code ? CODE_FREE : CLIENT_FREE)) continue;
    await hqAudit(hq.db.db, {
      at: hq.now().toISOString(),
      userId,
      seatId,
      action: c.lockedNow ? 'hq.login_locked' : 'hq.login_throttled',
      // A code's key names the code as typed; it is audited only for a code that exists (no password).
      entityType: code ? 'user' : 'client',
      entityId: code ? (userId ?? c.key) : c.key,
      detail: { failures: c.failures },
      ip: req.ip,
    });
  }
}

const waitText = (seconds: number) => (seconds >= 120 ? `${Math.ceil(seconds / 60)} 分钟` : `${seconds} 秒`);

/** Login, logout, password change and the administrator's lifting of locks. */
export function loginRoutes(app: FastifyInstance, hq: Hq): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/login',
    {
      schema: {
        body: Credentials,
        response: {
          200: LoginResponse,
          401: SyncErrorBody,
          403: SyncErrorBody,
          423: SyncErrorBody,
          429: SyncErrorBody,
        },
      },
    },
    async (req, reply) => {
      const { user, mustChange, seat } = await checkPassword(
        hq,
        req,
        req.body.code,
        req.body.password,
        reply,
      );
      if (mustChange) {
        throw new HqError(403, 'PASSWORD_CHANGE_REQUIRED', '首次登录须先修改密码');
      }
      // A branch's user logs in at that branch's seats only (head-office roles at any): a session bound to
      // another branch's seat would name that seat in every audit entry it makes.
      if (seat && user.branch_id !== null && user.branch_id !== seat.branchId) {
        await auditRefusal(
          hq,
          req,
          { userId: user.id, seatId: seat.id },
          `login at seat of branch ${seat.branchId}`,
        );
        throw new HqError(403, 'FORBIDDEN', '该工号不属于本坐席所在的营业部，不能在本坐席登录');
      }
      // A login made from an enrolled seat (its `Seat` token) binds the session to that seat.
      const token = newToken();
      const now = hq.now();
      await hq.db.db
        .insertInto('sessions')
        .values({
          token_hash: tokenHash(token),
          user_id: user.id,
          seat_id: seat?.id ?? null,
          created_at: now.toISOString(),
          last_used_at: now.toISOString(),
          expires_at: new Date(now.getTime() + SESSION_HOURS * 3600_000).toISOString(),
        })
        .execute();
      await hqAudit(hq.db.db, {
        at: now.toISOString(),
        userId: user.id,
        seatId: seat?.id ?? null,
        action: 'hq.login',
        entityType: 'user',
        entityId: user.id,
        ip: req.ip,
      });
      return {
        token,
        user: { id: user.id, code: user.code, name: user.name, role: user.role, branchId: user.branch_id },
      };
    },
  );

  // The session of the request ends (the seat calls it at its own logout).
  r.post('/api/logout', { schema: { response: { 200: z.object({}), 401: SyncErrorBody } } }, async (req) => {
    const user = await requireUser(hq, req, ['agent', 'reviewer', 'supervisor', 'compliance', 'admin']);
    const token = bearer(req, 'Bearer') ?? '';
    await hq.db.db.deleteFrom('sessions').where('token_hash', '=', tokenHash(token)).execute();
    await hqAudit(hq.db.db, {
      at: hq.now().toISOString(),
      userId: user.id,
      seatId: user.seatId,
      action: 'hq.logout',
      entityType: 'user',
      entityId: user.id,
      ip: req.ip,
    });
    return {};
  });

  // A password change proves the old one (throttled as a login); every session of the user ends with it.
  r.post(
    '/api/password',
    {
      schema: {
        body: Credentials.extend({ newPassword: z.string().min(1).max(200) }),
        response: {
          200: z.object({}),
          400: SyncErrorBody,
          401: SyncErrorBody,
          423: SyncErrorBody,
          429: SyncErrorBody,
        },
      },
    },
    async (req, reply) => {
      const { user } = await checkPassword(hq, req, req.body.code, req.body.password, reply);
      const problem = passwordProblem(user.code, req.body.newPassword, req.body.password);
      if (problem) throw new HqError(400, 'BAD_REQUEST', problem);
      const hash = await hashPassword(req.body.newPassword, hq.passwordCost);
      const now = hq.now().toISOString();
      await hq.db.db.transaction().execute(async (tx) => {
        await tx
          .updateTable('users')
          .set({ password_hash: hash, must_change_password: false })
          .where('id', '=', user.id)
          .execute();
        await tx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
        await hqAudit(tx, {
          at: now,
          userId: user.id,
          action: 'hq.password_change',
          entityType: 'user',
          entityId: user.id,
          ip: req.ip,
        });
      });
      return {};
    },
  );

  // Locks and waits now in force: administrators see all; a branch supervisor those of the branch's users.
  r.get(
    '/api/login-locks',
    {
      schema: {
        response: {
          200: z.object({
            locks: z.array(
              z.object({
                key: z.string(),
                userCode: z.string().nullable(),
                userName: z.string().nullable(),
                failures: z.number(),
                lastFailureAt: z.string(),
                blockedUntil: z.string().nullable(),
                lockedAt: z.string().nullable(),
              }),
            ),
          }),
          401: SyncErrorBody,
          403: SyncErrorBody,
        },
      },
    },
    async (req) => {
      const viewer = await requireUser(hq, req, ['admin', 'supervisor']);
      const locks = await currentLocks(hq.db.db, hq.now());
      const codes = locks.filter((l) => /^code:[^?]/.test(l.key)).map((l) => l.key.slice(5));
      const users = codes.length
        ? await hq.db.db
            .selectFrom('users')
            .select(['code', 'name', 'branch_id'])
            .where('code', 'in', codes)
            .execute()
        : [];
      const byCode = new Map(users.map((u) => [u.code, u]));
      const shown = locks.flatMap((l) => {
        const u = l.key.startsWith('code:') ? byCode.get(l.key.slice(5)) : undefined;
        // A supervisor sees the branch's users only; codes nobody has and client keys are head office's.
        if (viewer.branchId !== null && (!u || u.branch_id !== viewer.branchId)) return [];
        return [{ ...l, userCode: u?.code ?? null, userName: u?.name ?? null }];
      });
      await hqAudit(hq.db.db, {
        at: hq.now().toISOString(),
        userId: viewer.id,
        seatId: viewer.seatId,
        action: 'hq.login_locks_view',
        entityType: 'login_throttle',
        entityId: '*',
        detail: { shown: shown.length },
        ip: req.ip,
      });
      return { locks: shown };
    },
  );

  // Lifting a lock or wait is an administrator's act, audited.
  r.post(
    '/api/login-locks/lift',
    {
      schema: {
        /** A key as the list names it: `code:<user code>`, `seat:<id>`, `ip:<address>`, `code:?<hash>`. */
        body: z.object({ key: z.string().trim().min(3).max(200) }),
        response: { 200: z.object({}), 401: SyncErrorBody, 403: SyncErrorBody, 404: SyncErrorBody },
      },
    },
    async (req) => {
      const admin = await requireUser(hq, req, ['admin']);
      if (!(await lift(hq.db.db, req.body.key))) throw new HqError(404, 'NOT_FOUND', '没有这项锁定');
      const target = req.body.key.startsWith('code:')
        ? await hq.db.db
            .selectFrom('users')
            .select('id')
            .where('code', '=', req.body.key.slice(5))
            .executeTakeFirst()
        : undefined;
      await hqAudit(hq.db.db, {
        at: hq.now().toISOString(),
        userId: admin.id,
        seatId: admin.seatId,
        action: 'hq.login_unlock',
        entityType: target ? 'user' : 'client',
        entityId: target?.id ?? req.body.key,
        ip: req.ip,
      });
      return {};
    },
  );
}
