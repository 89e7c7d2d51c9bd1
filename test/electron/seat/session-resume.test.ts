/**
 * F5 keeps the session (#16, defect 5): `session.resumeToken` and `session.resume` on the seat, through the
 * in-process binding (the dispatcher every binding uses). A reload opens a new connection; its page gives the
 * token it kept, and the session moves to it. Single use, refused after a logout, after its page was gone
 * RESUME_GRACE_MS (the injected clock), for a wrong token and for an agent locked meanwhile; audited.
 * And the language is the agent's: A's English is not B's, and the login screen shows the last one used.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESUME_GRACE_MS } from '../../../electron/seat/auth/resume';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { SESSION_IDLE_MS, Seat } from '../../../electron/seat/seat';
import type { SeatBridge } from '../../../shared/contract';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';

type Answer<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

describe('session.resume: a reloaded page takes its session back', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let clock: Date;
  const bridges: (SeatBridge & { close(): void })[] = [];
  const open = () => {
    const b = inProcessBridge(seat);
    bridges.push(b);
    return b;
  };
  const ok = <T>(r: Answer<T>): T => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  const refusal = <T>(r: Answer<T>) => (r.ok ? ['ok'] : [r.error.code, r.error.message]);
  const later = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const audit = (action: string) =>
    (
      seat.store.db
        .prepare('SELECT agent_id AS agentId, detail FROM audit WHERE action = ? ORDER BY rowid')
        .all(action) as { agentId: string; detail: string }[]
    ).map((r) => ({ agentId: r.agentId, detail: JSON.parse(r.detail) }));

  /** A page that logged in and kept its token, as the renderer does. */
  async function loggedIn(agentCode = 'A001') {
    const page = open();
    const session = ok(await page.invoke('session.login', { agentCode, password: PASSWORD }));
    const { resumeToken } = ok(await page.invoke('session.resumeToken', {}));
    return { page, session, resumeToken };
  }

  beforeEach(async () => {
    tmp = tempDir();
    clock = new Date('2026-11-26T02:00:00.000Z');
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: '0.1.0-test',
      now: () => clock,
      onDefect: () => {},
    });
    seat.store.ensureSeat(BRANCH);
    seat.store.importReferenceData((await smallBranch()).batch);
  });
  afterEach(() => {
    for (const b of bridges.splice(0)) b.close();
    seat.close();
    tmp.cleanup();
  });

  it('moves the session to the new connection, once, with a fresh token; audited', async () => {
    const { page, session, resumeToken } = await loggedIn();
    expect(resumeToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The seat keeps a digest, never the token itself.
    expect(JSON.stringify(seat.store.db.prepare('SELECT * FROM settings').all())).not.toContain(resumeToken);
    page.close(); // F5: the old page's connection closes
    later(30_000);

    const reloaded = open();
    const events: unknown[] = [];
    reloaded.on('session.changed', (s) => events.push(s));
    expect(ok(await reloaded.invoke('session.current', {}))).toBeNull();
    const resumed = ok(await reloaded.invoke('session.resume', { resumeToken }));
    expect(resumed.session).toEqual(session);
    expect(resumed.resumeToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(resumed.resumeToken).not.toBe(resumeToken);
    expect(events).toEqual([session]);
    expect(ok(await reloaded.invoke('session.current', {}))).toEqual(session);
    expect(ok(await reloaded.invoke('worklist.list', {})).total).toBeGreaterThan(0);
    expect(audit('session.resumed')).toEqual([{ agentId: session.agentId, detail: {} }]);

    // Single use: the same token again (a second tab, a replay) opens nothing.
    const again = open();
    expect(refusal(await again.invoke('session.resume', { resumeToken }))).toEqual([
      'NOT_AUTHENTICATED',
      '登录已结束（已退出、已超时或已在其他页面恢复），请重新登录',
    ]);
    expect(ok(await again.invoke('session.current', {}))).toBeNull();

    // The fresh one works for the next reload, and the page it leaves is told its session went.
    const left: unknown[] = [];
    reloaded.on('session.changed', (s) => left.push(s));
    const next = open();
    expect(ok(await next.invoke('session.resume', { resumeToken: resumed.resumeToken })).session).toEqual(
      session,
    );
    expect(left).toEqual([null]);
    expect(refusal(await reloaded.invoke('worklist.list', {}))[0]).toBe('NOT_AUTHENTICATED');
    expect(audit('session.resumed')).toHaveLength(2);
  });

  it('refuses a wrong token, one issued before another, and one whose page is gone too long', async () => {
    const stranger = open();
    for (const resumeToken of ['x', 'A'.repeat(43), '../../etc/passwd', 'A'.repeat(64)]) {
      expect(refusal(await stranger.invoke('session.resume', { resumeToken }))[0]).toBe('NOT_AUTHENTICATED');
    }
    expect(refusal(await stranger.invoke('session.resume', { resumeToken: 'A'.repeat(65) }))[0]).toBe(
      'BAD_REQUEST',
    );
    expect(ok(await stranger.invoke('session.current', {}))).toBeNull();

    // Issuing another revokes the one before.
    const { page, resumeToken: first } = await loggedIn();
    const { resumeToken: second } = ok(await page.invoke('session.resumeToken', {}));
    expect(refusal(await open().invoke('session.resume', { resumeToken: first }))[0]).toBe(
      'NOT_AUTHENTICATED',
    );

    // Within RESUME_GRACE_MS of the page closing it resumes; a moment after, never (the seat's clock).
    page.close();
    later(RESUME_GRACE_MS + 1);
    expect(refusal(await open().invoke('session.resume', { resumeToken: second }))).toEqual([
      'NOT_AUTHENTICATED',
      '页面关闭已超过 2 分钟，登录已结束，请重新登录',
    ]);
    expect(audit('session.resume_refused').map((e) => e.detail)).toEqual([{ reason: 'expired' }]);
    expect(audit('session.resumed')).toEqual([]);
  });

  it('is refused after a logout (which revokes the token) and after the session lapsed', async () => {
    const { page, resumeToken } = await loggedIn();
    ok(await page.invoke('session.logout', {}));
    expect(refusal(await open().invoke('session.resume', { resumeToken }))[0]).toBe('NOT_AUTHENTICATED');
    expect(refusal(await page.invoke('session.resumeToken', {}))[0]).toBe('NOT_AUTHENTICATED');

    // An idle session does not come back by a reload: it ended, audited as such.
    const idle = await loggedIn();
    idle.page.close();
    later(SESSION_IDLE_MS);
    expect(refusal(await open().invoke('session.resume', { resumeToken: idle.resumeToken }))[0]).toBe(
      'NOT_AUTHENTICATED',
    );
    expect(audit('session.expired')).toHaveLength(1);
    expect(audit('session.resumed')).toEqual([]);
  });

  it('is refused for an agent locked meanwhile, with the lockout in Chinese', async () => {
    const { page, session, resumeToken } = await loggedIn();
    page.close();
    // Someone tries the agent's code with wrong passwords until the seat locks it.
    const other = open();
    for (let i = 0; i < 5; i++)
      await other.invoke('session.login', { agentCode: 'A001', password: 'wrong-pass' });
    const refused = refusal(await open().invoke('session.resume', { resumeToken }));
    expect(refused[0]).toBe('LOCKED_OUT');
    expect(refused[1]).toContain('账号已锁定');
    expect(audit('session.resume_refused')).toEqual([
      { agentId: session.agentId, detail: { reason: 'locked' } },
    ]);
  });

  it('keeps the language per agent; the login screen has the one last used at the seat', async () => {
    const info = async () => ok(await open().invoke('seat.info', {})).language;
    expect(await info()).toBe('zh-CN');
    const a = await loggedIn('A001');
    expect(ok(await a.page.invoke('settings.get', {}))['ui.language']).toBe('zh-CN');
    expect(ok(await a.page.invoke('settings.set', { key: 'ui.language', value: 'en' }))['ui.language']).toBe(
      'en',
    );
    ok(await a.page.invoke('session.logout', {}));
    expect(await info()).toBe('en');

    const b = await loggedIn('A002');
    expect(ok(await b.page.invoke('settings.get', {}))['ui.language']).toBe('zh-CN');
    expect(await info()).toBe('zh-CN');
    ok(await b.page.invoke('session.logout', {}));

    const again = await loggedIn('A001');
    expect(ok(await again.page.invoke('settings.get', {}))['ui.language']).toBe('en');
    expect(await info()).toBe('en');
    // A's choice is A's: the seat's settings proper carry no agent's row.
    expect(Object.keys(seat.store.settings())).not.toContain(`agent:${a.session.agentId}:ui.language`);
  });
});
