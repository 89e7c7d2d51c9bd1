/**
 * The real browser transport (renderer/transport, bundled with esbuild) in real Chromium against the web
 * host and a real seat on SQLite: login, the worklist, pushed events, the CSP, the token leaving the address
 * bar, and a dropped host answering pending calls and reconnecting.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { startWebHost, type WebHost } from '../../electron/web-host';
import { writeLaunchPage } from '../../scripts/launch-page';
import type { SeatBridge } from '../../shared/contract';
import { launchChromium } from '../support/chromium';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../support/fixtures';
import { resultFor } from '../support/seat';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TIMEOUT = 30_000;

/** The page's script: connectSeat() as the app will call it, with what it sees recorded for the test. */
const ENTRY = `
import { connectSeat } from './renderer/transport/index';
const w = window as any;
w.__states = [];
w.__events = [];
w.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  w.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
w.__hrefAtStart = location.href;
connectSeat().then(
  (seat) => {
    seat.onStateChange((s) => w.__states.push(s));
    for (const name of ['session.changed', 'worklist.changed', 'outbox.changed']) {
      seat.on(name as any, (payload: unknown) => w.__events.push({ event: name, payload }));
    }
    w.__hrefAfterConnect = location.href;
    w.__seat = seat;
  },
  (error: Error) => { w.__seatError = error.message; },
);
`;

const INDEX = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>回访坐席台 e2e</title><script type="module" src="/app.js"></script></head>
<body></body>
</html>
`;

type Recorded = { event: string; payload: unknown };

/** What the page's script records on `window`, and the browser globals the checks use (test/ has no DOM lib). */
interface PageWindow {
  __seat: SeatBridge & { readonly state: string };
  __seatError?: string;
  __states: string[];
  __events: Recorded[];
  __csp: string[];
  __hrefAtStart: string;
  __hrefAfterConnect: string;
  __pending: Promise<unknown>;
  location: { href: string; hash: string };
  sessionStorage: { getItem(key: string): string | null };
  WebSocket: new (url: string) => unknown;
}

describe('the browser transport in Chromium against the web host', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let branch: Awaited<ReturnType<typeof smallBranch>>;
  let staticDir: string;
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  const consoleLines: string[] = [];
  /** While set, `seat.info` is held unanswered (to have a call pending when the host goes away). */
  let hold: (() => void) | null = null;

  beforeAll(async () => {
    tmp = tempDir();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: '0.1.0-e2e',
      now: () => new Date('2026-11-26T02:00:00.000Z'),
      onDefect: () => {},
    });
    seat.store.ensureSeat(BRANCH);
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);

    staticDir = tmp.file('static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), INDEX);
    await build({
      stdin: { contents: ENTRY, resolveDir: REPO, loader: 'ts', sourcefile: 'e2e-entry.ts' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      outfile: join(staticDir, 'app.js'),
      logLevel: 'silent',
    });

    host = await startWebHost({
      seat: {
        connect: (push) => seat.connect(push),
        dispatch: (conn, method, args) =>
          method === 'seat.info' && hold !== null
            ? new Promise(() => hold?.())
            : seat.dispatch(conn, method, args),
      },
      staticDir,
    });
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    await page.goto(`${host.url}/#token=${host.token}`);
    await page.waitForFunction(() => {
      const w = globalThis as unknown as PageWindow;
      return w.__seat !== undefined || w.__seatError !== undefined;
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    seat?.close();
    tmp?.cleanup();
  });

  const events = () => page.evaluate(() => (globalThis as unknown as PageWindow).__events);
  const cspViolations = () =>
    consoleLines.filter((l) => /Content Security Policy|Refused to (connect|load|execute|evaluate)/i.test(l));

  it('connects, and the token is gone from the address bar', async () => {
    const state = await page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      return {
        error: w.__seatError,
        href: w.location.href,
        hash: w.location.hash,
        atStart: w.__hrefAtStart,
        afterConnect: w.__hrefAfterConnect,
        linkState: w.__seat.state,
        kept: w.sessionStorage.getItem('seat.token'),
      };
    });
    expect(state.error).toBeUndefined();
    expect(state.atStart).toBe(`${host.origin}/#token=${host.token}`);
    expect(state.href).toBe(`${host.origin}/`);
    expect(state.afterConnect).toBe(`${host.origin}/`);
    expect(state.href).not.toContain(host.token);
    expect(state.hash).toBe('');
    expect(state.linkState).toBe('open');
    expect(state.kept).toBe(host.token);
    expect(page.url()).not.toContain(host.token);
  });

  it('reaches the seat from a launch page only the user can read, gone once the page has connected', async () => {
    // npm start's way (#14): the token's URL never on Chromium's command line, which `ps` shows everyone.
    let launch: ReturnType<typeof writeLaunchPage> | null = null;
    const second = await startWebHost({
      seat: { connect: (push) => seat.connect(push), dispatch: (c, m, a) => seat.dispatch(c, m, a) },
      staticDir,
      onSocket: () => launch?.remove(),
    });
    launch = writeLaunchPage(tmp.dir, `${second.url}/#token=${second.token}`);
    const mine = launch;
    try {
      expect(statSync(mine.path).mode & 0o777).toBe(0o600);
      expect(mine.url).not.toContain(second.token);
      expect(readFileSync(mine.path, 'utf8')).toContain(second.token);
      const other = await browser.newPage();
      await other.goto(mine.url);
      await other.waitForFunction(() => (globalThis as unknown as PageWindow).__seat !== undefined);
      expect(await other.evaluate(() => (globalThis as unknown as PageWindow).location.href)).toBe(
        `${second.origin}/`,
      );
      expect(existsSync(mine.path)).toBe(false);
      await other.close();
    } finally {
      mine.remove();
      await second.close();
    }
  });

  it('logs in, lists the worklist and receives pushed events, with no CSP violation', async () => {
    const answers = await page.evaluate(
      async ({ password }) => {
        const s = (globalThis as unknown as PageWindow).__seat;
        const info = await s.invoke('seat.info', {});
        const login = await s.invoke('session.login', { agentCode: 'A001', password });
        const list = await s.invoke('worklist.list', { limit: 50 });
        return { info, login, list };
      },
      { password: PASSWORD },
    );
    expect(answers.info).toMatchObject({
      ok: true,
      value: { branchId: BRANCH.branchId, appVersion: '0.1.0-e2e' },
    });
    expect(answers.login).toMatchObject({ ok: true, value: { agentCode: 'A001' } });
    expect(answers.list.ok && answers.list.value.items.map((i) => i.taskId)).toEqual([
      branch.ids.taskC,
      branch.ids.taskB,
      branch.ids.taskA,
    ]);
    await page.waitForFunction(() =>
      (globalThis as unknown as PageWindow).__events.some(
        (e) => e.event === 'session.changed' && e.payload !== null,
      ),
    );
    expect((await events()).find((e) => e.event === 'session.changed')?.payload).toMatchObject({
      agentCode: 'A001',
    });

    // A commit by another agent on another binding is broadcast to this page.
    const other = inProcessBridge(seat);
    try {
      const login = await other.invoke('session.login', { agentCode: 'A003', password: PASSWORD });
      expect(login.ok).toBe(true);
      const commit = await other.invoke(
        'result.commit',
        resultFor(branch.ids.taskOther, { outcome: 'refused' }),
      );
      expect(commit.ok).toBe(true);
    } finally {
      other.close();
    }
    await page.waitForFunction(
      (taskId) =>
        (globalThis as unknown as PageWindow).__events.some(
          (e) =>
            e.event === 'worklist.changed' && (e.payload as { taskIds: string[] }).taskIds.includes(taskId),
        ),
      branch.ids.taskOther,
    );

    const violations = await page.evaluate(() => (globalThis as unknown as PageWindow).__csp);
    expect(violations).toEqual([]);
    expect(cspViolations()).toEqual([]);
  });

  it('enforces the CSP (a socket to another origin is a violation the checks above would see)', async () => {
    await page.evaluate(() => {
      try {
        new (globalThis as unknown as PageWindow).WebSocket('ws://127.0.0.1:9/elsewhere');
      } catch {
        // Older Chromium threw a SecurityError; either way the violation event fires.
      }
    });
    await page.waitForFunction(() => (globalThis as unknown as PageWindow).__csp.length > 0);
    const violations = await page.evaluate(() => (globalThis as unknown as PageWindow).__csp);
    expect(violations).toEqual(['connect-src ws://127.0.0.1:9/elsewhere']);
    expect(cspViolations()).not.toEqual([]);
    await page.evaluate(() => {
      (globalThis as unknown as PageWindow).__csp.length = 0;
    });
    consoleLines.length = 0;
  });

  it('answers a pending call when the host goes away, ends the session, and reconnects', async () => {
    const held = new Promise<void>((resolve) => {
      hold = resolve;
    });
    await page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      w.__pending = w.__seat.invoke('seat.info', {});
    });
    await held;
    hold = null;
    const { port } = new URL(host.origin);
    const { token } = host;
    await host.close();

    const pending = await page.evaluate(() => (globalThis as unknown as PageWindow).__pending);
    expect(pending).toEqual({ ok: false, error: { code: 'INTERNAL', message: '与坐席服务的连接已断开' } });
    await page.waitForFunction(() =>
      (globalThis as unknown as PageWindow).__events.some(
        (e) => e.event === 'session.changed' && e.payload === null,
      ),
    );
    const whileDown = await page.evaluate(() =>
      (globalThis as unknown as PageWindow).__seat.invoke('seat.info', {}),
    );
    expect(whileDown).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });

    // The seat comes back on the same address with the same launch token.
    host = await startWebHost({ seat, staticDir, port: Number(port), token });
    await page.waitForFunction(() => (globalThis as unknown as PageWindow).__seat.state === 'open');
    const states = await page.evaluate(() => (globalThis as unknown as PageWindow).__states);
    expect(states[0]).toBe('closed');
    expect(states.at(-1)).toBe('open');
    expect(states).toContain('connecting');
    const after = await page.evaluate(async () => {
      const s = (globalThis as unknown as PageWindow).__seat;
      return { current: await s.invoke('session.current', {}), list: await s.invoke('worklist.list', {}) };
    });
    // A new socket is a new connection: no session until the agent logs in again.
    expect(after.current).toEqual({ ok: true, value: null });
    expect(after.list).toMatchObject({ ok: false, error: { code: 'NOT_AUTHENTICATED' } });
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).__csp)).toEqual([]);
    expect(cspViolations()).toEqual([]);
  });
});
