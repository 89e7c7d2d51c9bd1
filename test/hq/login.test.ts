/**
 * Head office's login cannot be guessed at (#14): wrong passwords per user code and per client are throttled
 * before scrypt runs (429 + Retry-After, doubling), a code is locked at ten until an administrator lifts it,
 * an unknown code costs what a known one does, no typed secret reaches the audit trail, hashes are re-made at
 * OWASP's cost, sessions end when idle and at logout, and a generated first password must be changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../hq/auth/password';
import { CODE_FREE, CODE_LOCK } from '../../hq/auth/throttle';
import { upsertUser } from '../../hq/reference';
import { BRANCH } from '../support/fixtures';
import { HQ_PASSWORD, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';
import { startHqProcess } from '../support/hq-process';

describe.each(DB_KINDS)('head office login on %s', (kind) => {
  let t: TestHq;
  let clock = new Date('2027-03-01T09:00:00+08:00').getTime();
  const tick = (ms: number) => {
    clock += ms;
  };
  beforeAll(async () => {
    t = await startHq(kind, () => new Date(clock));
  }, 60_000);
  afterAll(() => t?.close());

  const login = (code: string, password: string, ip = '10.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/login', payload: { code, password }, remoteAddress: ip });
  const audit = () =>
    t.hq.db.db.selectFrom('audit').selectAll().orderBy('at').execute() as Promise<Record<string, unknown>[]>;

  it('answers five wrong passwords, then makes the code wait, doubling, and locks it at ten', async () => {
    await t.addUser('GZ01', 'supervisor', BRANCH.branchId, '广州主管');
    for (let i = 0; i < CODE_FREE; i++) expect((await login('GZ01', `wrong-${i}`)).statusCode).toBe(401);
    // The sixth is not heard, right password or not: no scrypt, no answer about the password.
    const held = await login('GZ01', HQ_PASSWORD);
    expect(held.statusCode).toBe(429);
    expect(held.headers['retry-after']).toBe('60');
    expect(held.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 60 });
    expect(held.json().message).toMatch(/密码错误次数过多，请 60 秒后再试/);
    // From another address too: the code's own count holds.
    expect((await login('GZ01', HQ_PASSWORD, '10.0.0.99')).statusCode).toBe(429);
    const waits: number[] = [];
    for (let failures = CODE_FREE; failures < CODE_LOCK - 1; failures++) {
      const wait = Number((await login('GZ01', 'still-wrong')).headers['retry-after']);
      waits.push(wait);
      tick(wait * 1000);
      expect((await login('GZ01', 'still-wrong')).statusCode).toBe(401);
    }
    expect(waits).toEqual([60, 120, 240, 480]);
    tick(3600_000);
    expect((await login('GZ01', 'the-tenth')).statusCode).toBe(401);
    // Locked: days later, the right password is refused until an administrator lifts it.
    tick(3 * 24 * 3600_000);
    const locked = await login('GZ01', HQ_PASSWORD);
    expect(locked.statusCode).toBe(423);
    expect(locked.json()).toMatchObject({ code: 'LOCKED' });
    expect(locked.json().message).toMatch(/已被锁定，请联系总部管理员解锁/);
    const actions = (await audit()).map((a) => a.action);
    expect(actions).toContain('hq.login_throttled');
    expect(actions).toContain('hq.login_locked');

    // The branch's supervisor sees it; another branch's does not; only an administrator lifts it.
    const admin = await t.login('HQ01');
    const bj = await t.login('BJ01');
    const list = async (token: string) =>
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/login-locks',
          headers: { authorization: `Bearer ${token}` },
        })
      ).json().locks as { key: string; userCode: string | null; lockedAt: string | null }[];
    expect((await list(admin)).find((l) => l.userCode === 'GZ01')?.lockedAt).toBeTruthy();
    expect((await list(bj)).some((l) => l.userCode === 'GZ01')).toBe(false);
    const lift = (token: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/login-locks/lift',
        headers: { authorization: `Bearer ${token}` },
        payload: { key: 'code:GZ01' },
      });
    expect((await lift(bj)).statusCode).toBe(403);
    expect((await lift(admin)).statusCode).toBe(200);
    expect((await login('GZ01', HQ_PASSWORD)).statusCode).toBe(200);
    expect((await audit()).some((a) => a.action === 'hq.login_unlock')).toBe(true);
  });

  it('counts a burst of parallel guesses before any is checked: five get an answer, the rest wait', async () => {
    await t.addUser('GZ02', 'agent', BRANCH.branchId);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login('GZ02', `burst-${i}`, `10.0.1.${i}`)),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 401)).toHaveLength(CODE_FREE);
    expect(codes.filter((c) => c === 429)).toHaveLength(20 - CODE_FREE);
  });

  it('throttles one client guessing at many codes, and a code nobody has as one that exists', async () => {
    const ip = '10.0.2.1';
    for (let i = 0; i < 30; i++) expect((await login(`NOBODY${i}`, 'x', ip)).statusCode).toBe(401);
    const next = await login('HQ01', HQ_PASSWORD, ip);
    expect(next.statusCode).toBe(429);
    // Another client is not held by it.
    expect((await login('HQ01', HQ_PASSWORD, '10.0.2.2')).statusCode).toBe(200);
    // A code nobody has is throttled as well: no telling from the answers whether it exists.
    for (let i = 0; i < CODE_FREE; i++) await login('GHOST', 'x', `10.0.3.${i}`);
    expect((await login('GHOST', 'x', '10.0.3.200')).statusCode).toBe(429);
  });

  it('writes no typed secret to the audit trail or the throttle: a password typed into the code field', async () => {
    const typed = 'Mima#Secret-2027';
    expect((await login(typed, 'whatever', '10.0.4.1')).statusCode).toBe(401);
    const trail = JSON.stringify(await audit());
    expect(trail).not.toContain(typed);
    expect(trail).not.toContain('whatever');
    const keys = await t.hq.db.db.selectFrom('login_throttle').select('key').execute();
    expect(JSON.stringify(keys)).not.toContain(typed);
    expect(trail).toContain('login unknown user code');
  });

  it('ends a session after 30 idle minutes and at logout, and keeps one in use', async () => {
    const token = await t.login('HQ01');
    const me = () =>
      t.app.inject({ method: 'GET', url: '/api/login-locks', headers: { authorization: `Bearer ${token}` } });
    tick(29 * 60_000);
    expect((await me()).statusCode).toBe(200);
    tick(29 * 60_000); // 58 minutes after the login, 29 after its last use
    expect((await me()).statusCode).toBe(200);
    tick(30 * 60_000);
    const idle = await me();
    expect(idle.statusCode).toBe(401);
    expect(idle.json().message).toMatch(/总部登录已超时/);

    const other = await t.login('HQ01');
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/logout',
      headers: { authorization: `Bearer ${other}` },
    });
    expect(out.statusCode).toBe(200);
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/login-locks',
      headers: { authorization: `Bearer ${other}` },
    });
    expect(after.statusCode).toBe(401);
    expect((await audit()).some((a) => a.action === 'hq.logout')).toBe(true);
  });

  it('makes a user whose password must change change it first, to one that is not weak', async () => {
    const id = await upsertUser(t.hq.db.db, {
      code: 'GZ03',
      name: '新主管',
      role: 'supervisor',
      branchId: OTHER_BRANCH.branchId,
      passwordHash: await hashPassword('Chushi#Mima-01', { N: 1024 }),
    });
    await t.hq.db.db.updateTable('users').set({ must_change_password: true }).where('id', '=', id).execute();
    const first = await login('GZ03', 'Chushi#Mima-01', '10.0.5.1');
    expect(first.statusCode).toBe(403);
    expect(first.json()).toMatchObject({ code: 'PASSWORD_CHANGE_REQUIRED' });
    const change = (newPassword: string, password = 'Chushi#Mima-01') =>
      t.app.inject({
        method: 'POST',
        url: '/api/password',
        payload: { code: 'GZ03', password, newPassword },
        remoteAddress: '10.0.5.1',
      });
    expect((await change('short')).json().message).toBe('新密码至少 10 个字符');
    expect((await change('huifang123')).json().message).toBe('不能使用演示密码');
    expect((await change('xxGZ03xxxxxx')).json().message).toBe('新密码不能包含工号');
    expect((await change('Chushi#Mima-01')).json().message).toBe('新密码不能与原密码相同');
    expect((await change('Xin#Mima-2027', 'not-the-old')).statusCode).toBe(401);
    expect((await change('Xin#Mima-2027')).statusCode).toBe(200);
    expect((await login('GZ03', 'Chushi#Mima-01', '10.0.5.1')).statusCode).toBe(401);
    expect((await login('GZ03', 'Xin#Mima-2027', '10.0.5.1')).statusCode).toBe(200);
  });
});

describe('head office password hashes', () => {
  it('re-makes a weaker hash at OWASP’s cost (N=2^17, r=8, p=1) at the next right login', async () => {
    const t = await startHq('pglite', () => new Date(), { passwordCost: {} });
    try {
      await upsertUser(t.hq.db.db, {
        code: 'OLD1',
        name: '旧哈希',
        role: 'reviewer',
        branchId: null,
        passwordHash: await hashPassword('Jiu#Mima-2026', { N: 2 ** 15 }),
      });
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/login',
        payload: { code: 'OLD1', password: 'Jiu#Mima-2026' },
      });
      expect(res.statusCode).toBe(200);
      const row = await t.hq.db.db
        .selectFrom('users')
        .select('password_hash')
        .where('code', '=', 'OLD1')
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/login',
        payload: { code: 'OLD1', password: 'Jiu#Mima-2026' },
      });
      expect(again.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('takes as long for a code nobody has as for one that exists (a dummy hash of the same cost)', async () => {
    const t = await startHq('pglite', () => new Date(), { passwordCost: { N: 2 ** 15 } });
    try {
      await upsertUser(t.hq.db.db, {
        code: 'TIME1',
        name: '计时',
        role: 'reviewer',
        branchId: null,
        passwordHash: await hashPassword('Jishi#Mima-2026', { N: 2 ** 15 }),
      });
      const time = async (code: string, i: number) => {
        const started = performance.now();
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/login',
          payload: { code, password: 'wrong' },
          remoteAddress: `10.9.0.${i}`,
        });
        expect(res.statusCode).toBe(401);
        return performance.now() - started;
      };
      await time('WARM', 250); // the dummy hash is made once, at the first unknown code
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 4; i++) {
        known.push(await time('TIME1', i));
        unknown.push(await time(`NOSUCH${i}`, 100 + i));
      }
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      // Before: 3–5 ms for an unknown code against 100–200 ms for a known one.
      expect(median(unknown)).toBeGreaterThan(median(known) * 0.6);
      expect(median(unknown)).toBeLessThan(median(known) * 1.6);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe('head office’s first start', () => {
  it('has no default password: it makes one, prints it once, and HQ01 must change it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hq-first-'));
    const hq = startHqProcess({ HQ_DATA_DIR: dir, HQ_ADMIN_PASSWORD: null });
    try {
      const url = await hq.url;
      const printed = hq.output().match(/初始密码（仅显示这一次，首次登录须修改）：(\S+)/)?.[1] ?? '';
      expect(printed).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('/api/login', { code: 'HQ01', password: 'huifang123' })).status).toBe(401);
      const first = await post('/api/login', { code: 'HQ01', password: printed });
      expect(first.status).toBe(403);
      expect(((await first.json()) as { code: string }).code).toBe('PASSWORD_CHANGE_REQUIRED');
      expect(
        (await post('/api/password', { code: 'HQ01', password: printed, newPassword: 'Zongbu#Xin-2027' }))
          .status,
      ).toBe(200);
      expect((await post('/api/login', { code: 'HQ01', password: 'Zongbu#Xin-2027' })).status).toBe(200);
    } finally {
      await hq.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses the demo password or a weak one as HQ_ADMIN_PASSWORD', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hq-first-'));
    const hq = startHqProcess({ HQ_DATA_DIR: dir, HQ_ADMIN_PASSWORD: 'huifang123' });
    try {
      await expect(hq.url).rejects.toThrow(/HQ_ADMIN_PASSWORD 不可用：不能使用演示密码/);
    } finally {
      await hq.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
