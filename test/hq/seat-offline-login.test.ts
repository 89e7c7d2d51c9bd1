/**
 * #14 finding 3, "no other users' password hashes on a seat": head office's pull carries no hash; a seat makes
 * an offline verifier at an agent's own successful online login there, and offline checks only that; an agent
 * who never logged in online at the seat cannot log in offline; head office's 401 removes the verifier; the
 * seat's lockout still holds, online and offline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../electron/seat/auth/password';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { hashPassword } from '../../hq/auth/password';
import { upsertUser } from '../../hq/reference';
import type { SeatBridge } from '../../shared/contract';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';
import { freePort } from '../support/hq-process';

const NEW_PASSWORD = 'Xin-Mima#2026';
const NO_VERIFIER = '此坐席尚未在线登录过该工号，请连接总部后登录';

describe.each(DB_KINDS)('offline login verifiers made at the seat, against head office on %s', (kind) => {
  let hq: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let api: SeatBridge;
  let hqUrl: string;
  let deadUrl: string;
  const ids: Record<string, string> = {};

  const login = (agentCode: string, password: string) => api.invoke('session.login', { agentCode, password });
  const error = async (agentCode: string, password: string) => {
    const r = await login(agentCode, password);
    if (r.ok) throw new Error(`${agentCode} logged in`);
    return r.error;
  };
  /** Head office out of reach (nothing listens there): a network error, not a refusal. */
  const offline = async <T>(fn: () => Promise<T>): Promise<T> => {
    const config = seat.store.syncConfig();
    if (!config) throw new Error('not enrolled');
    seat.store.setSyncConfig({ ...config, hqUrl: deadUrl });
    try {
      return await fn();
    } finally {
      seat.store.setSyncConfig(config);
    }
  };
  const verifier = (code: string) => seat.store.offlineVerifier(ids[code] as string);
  const failures = (code: string) => seat.store.agentByCode(code)?.failedLogins;
  const hqSessions = async (code: string) =>
    Number(
      (
        await hq.hq.db.db
          .selectFrom('sessions')
          .innerJoin('users', 'users.id', 'sessions.user_id')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('users.code', '=', code)
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    hq = await startHq(kind);
    hqUrl = hq.url;
    deadUrl = `http://127.0.0.1:${await freePort()}`;
    for (const [code, role] of [
      ['A001', 'agent'],
      ['A002', 'agent'],
      ['A003', 'agent'],
      ['SH01', 'supervisor'],
    ] as const) {
      ids[code] = await hq.addUser(code, role, BRANCH.branchId);
    }
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'offline-login-test', onDefect: () => {} });
    seat.store.ensureSeat(BRANCH);
    api = inProcessBridge(seat);
    const enrolled = await api.invoke('sync.enrol', {
      hqUrl,
      code: 'HQ01',
      password: HQ_PASSWORD,
      name: '1 号坐席',
    });
    if (!enrolled.ok) throw new Error(enrolled.error.message);
    await seat.sync.round();
  }, 120_000);

  afterAll(async () => {
    await seat?.shutdown();
    await hq?.close();
    tmp?.cleanup();
  });

  it('the pull carries no password hash, and the seat holds none of head office’s', async () => {
    const token = seat.store.syncConfig()?.token as string;
    const res = await fetch(`${hqUrl}/api/sync/pull?cursor=0&limit=500`, {
      headers: { authorization: `Seat ${token}` },
    });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect((JSON.parse(body) as { agents: { code: string }[] }).agents.map((a) => a.code)).toEqual(
      expect.arrayContaining(['A001', 'A002', 'SH01']),
    );
    expect(body).not.toContain('passwordHash');
    expect(body).not.toContain('scrypt$');
    expect(seat.store.agentByCode('A001')?.id).toBe(ids.A001);

    const hashes = await hq.hq.db.db.selectFrom('users').select('password_hash').execute();
    const path = tmp.file('seat.db');
    const raw = Buffer.concat([path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p)));
    for (const { password_hash } of hashes) expect(raw.includes(password_hash)).toBe(false);
  });

  it('an agent’s own online login makes the verifier; offline, it is all the seat checks', async () => {
    expect(verifier('A001')).toBeNull();
    const online = await login('A001', HQ_PASSWORD);
    expect(online.ok && online.value).toMatchObject({ agentCode: 'A001', online: true, local: true });
    const made = verifier('A001') as string;
    expect(await verifyPassword(HQ_PASSWORD, made)).toBe(true);
    // Made at OWASP's cost (N=2^17, r=8, p=1), as head office's hashes are.
    expect(made).toMatch(/^scrypt\$131072\$8\$1\$/);

    await offline(async () => {
      const local = await login('A001', HQ_PASSWORD);
      expect(local.ok && local.value).toMatchObject({ agentCode: 'A001', online: false, local: true });
      expect(await error('A001', 'wrong')).toEqual({
        code: 'WRONG_CREDENTIALS',
        message: '工号或密码错误，还可尝试 4 次',
      });
      // Never logged in online here: nothing to check against, and no failure counted.
      expect(await error('A002', HQ_PASSWORD)).toEqual({ code: 'HQ_UNAVAILABLE', message: NO_VERIFIER });
      expect(failures('A002')).toBe(0);
    });
    expect(await login('A001', HQ_PASSWORD)).toMatchObject({ ok: true });
    expect(failures('A001')).toBe(0);
    // Each online login makes a fresh verifier (its own salt).
    expect(verifier('A001')).not.toBe(made);
  }, 60_000);

  it('head office’s 401 removes the verifier: an old password no longer opens the seat offline', async () => {
    await login('A001', HQ_PASSWORD);
    expect(verifier('A001')).not.toBeNull();
    await upsertUser(hq.hq.db.db, {
      id: ids.A001 as string,
      code: 'A001',
      name: 'A001',
      role: 'agent',
      branchId: BRANCH.branchId,
      passwordHash: await hashPassword(NEW_PASSWORD, { N: 1024 }),
    });
    expect(await error('A001', HQ_PASSWORD)).toEqual({
      code: 'WRONG_CREDENTIALS',
      message: '工号或密码错误，还可尝试 4 次',
    });
    expect(verifier('A001')).toBeNull();
    await offline(async () => {
      expect(await error('A001', HQ_PASSWORD)).toEqual({ code: 'HQ_UNAVAILABLE', message: NO_VERIFIER });
    });
    expect(await login('A001', NEW_PASSWORD)).toMatchObject({ ok: true });
    expect(await verifyPassword(NEW_PASSWORD, verifier('A001') as string)).toBe(true);
    await offline(async () => {
      expect(await login('A001', NEW_PASSWORD)).toMatchObject({ ok: true, value: { online: false } });
    });
  }, 60_000);

  it('a supervisor logs in online first, then offline with the verifier the seat made', async () => {
    await offline(async () => {
      expect(await error('SH01', HQ_PASSWORD)).toEqual({ code: 'HQ_UNAVAILABLE', message: NO_VERIFIER });
    });
    const online = await login('SH01', HQ_PASSWORD);
    expect(online.ok && online.value).toMatchObject({ role: 'supervisor', online: true, local: true });
    await offline(async () => {
      expect(await login('SH01', HQ_PASSWORD)).toMatchObject({ ok: true, value: { online: false } });
    });
  }, 60_000);

  it('keeps the seat’s lockout: five failures offline lock the agent, and head office is not asked meanwhile', async () => {
    await login('A003', HQ_PASSWORD);
    await offline(async () => {
      for (let i = 0; i < 4; i++) expect((await error('A003', 'wrong')).code).toBe('WRONG_CREDENTIALS');
      expect((await error('A003', 'wrong')).code).toBe('LOCKED_OUT');
    });
    const before = await hqSessions('A003');
    const locked = await error('A003', HQ_PASSWORD);
    expect(locked.code).toBe('LOCKED_OUT');
    expect(locked.message).toMatch(/^密码错误次数过多，账号已锁定至 \d\d:\d\d/);
    expect(await hqSessions('A003')).toBe(before);
  }, 60_000);
});
