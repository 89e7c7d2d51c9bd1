/**
 * F5 keeps the session, and the language is the agent's (#16, defect 5), as an agent meets it: the built
 * renderer (out/renderer, `npm run build`) in Debian's Chromium through the web host, on the demo seat with
 * the training line and no PBX.
 *
 * - Logged in, a task open after a (busy) practice dial, its wrap-up notes typed and saved: F5 (a new page
 *   and a new connection) shows the same agent logged in, the same task open and the notes as typed. The
 *   token that did it lives in the tab's sessionStorage only, is used up, and the resume is audited.
 * - A002 switches to English and signs out: the login screen stays English, also after a reload (the seat's
 *   last used language); A003 logs in in Chinese; after A003's logout a reload shows the login screen (no
 *   session comes back) in Chinese; A002 logs in again in English.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../../electron/seat/demo/seed';
import { Seat } from '../../electron/seat/seat';
import { startWebHost, type WebHost } from '../../electron/web-host';
import { launchChromium } from '../support/chromium';
import { tempDir } from '../support/fixtures';

const REPO = resolve(import.meta.dirname, '../..');
const STATIC = join(REPO, 'out/renderer');
const T = 20_000;

describe('a reload of the browser seat (F5)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let host: WebHost;
  let browser: Browser;
  let page: Page;

  const db = () => seat.store.db;
  const audit = (action: string) =>
    (
      db()
        .prepare(
          `SELECT a.code FROM audit JOIN agents a ON a.id = audit.agent_id WHERE action = ? ORDER BY audit.rowid`,
        )
        .all(action) as { code: string }[]
    ).map((r) => r.code);
  /** The tab's resume token (sessionStorage) and every value of the seat origin's localStorage. */
  const kept = () =>
    page.evaluate(
      `({ session: sessionStorage.getItem('seat.resume'),
          local: Object.keys(localStorage).map((k) => localStorage.getItem(k)) })`,
    ) as Promise<{ session: string | null; local: (string | null)[] }>;

  async function login(code: string) {
    await page.getByRole('textbox', { name: /工号|Agent code/ }).fill(code);
    await page.getByLabel(/^(密码|Password)$/).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
    await page.getByRole('listbox').getByRole('option').first().waitFor();
  }

  beforeAll(async () => {
    if (!existsSync(join(STATIC, 'index.html')))
      throw new Error('out/renderer is not built: run `npm run build`');
    tmp = tempDir();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: '0.1.0-e2e',
      onDefect: () => {},
      demo: true,
    });
    await seedDemo(seat.store, new Date(seat.store.now()));
    seat.loadScripts([join(REPO, 'assets/scripts')]);
    expect(seat.loadPersonas(join(REPO, 'assets/training/personas')).rejected).toEqual([]);
    host = await startWebHost({ seat, staticDir: STATIC });
    browser = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
    ]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    page.setDefaultTimeout(T);
    await page.goto(`${host.url}/#token=${host.token}`);
    await page.getByRole('heading', { name: '坐席登录' }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    seat?.close();
    tmp?.cleanup();
  });

  it('keeps the agent logged in, the task open and the notes typed', async () => {
    await login('A002');
    const status = page.locator('.status-bar');
    await status.getByText('电话：演练线路').waitFor();
    const row = page.getByRole('listbox', { name: '回访任务列表' }).getByRole('option').first();
    const taskId = ((await row.getAttribute('id')) ?? '').replace(/^task-/, '');
    await row.click();
    await page.locator(`[id="task-${taskId}"].open`).waitFor();
    const task = page.locator('.task-view');
    const customer = await task.getByRole('heading', { level: 2 }).textContent();
    const panel = task.getByRole('region', { name: '通话' });
    await panel.getByRole('status').filter({ hasText: '演练线路就绪' }).waitFor();
    // A busy practice dial: the wrap-up is there, and its notes are typed and kept with the task's draft.
    await panel.getByLabel('演练客户').selectOption('busy');
    await panel.getByText('模拟客户：忙线').waitFor();
    await panel.getByRole('button', { name: /拨打/ }).click();
    await panel.getByRole('status').filter({ hasText: '通话结束 · 忙线 (SIP 486)' }).waitFor();
    const notes = task.getByRole('region', { name: /回访小结/ }).getByLabel('备注');
    const typed = '客户在开会，约好下午再打';
    await notes.fill(typed);
    await task.getByRole('status').filter({ hasText: '备注已保存' }).waitFor();
    const before = await kept();
    expect(before.session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(before.local).not.toContain(before.session);

    await page.reload();
    // The same agent, the same task, the notes as typed: nothing to log in again for.
    await status.getByText('A002').waitFor();
    await page.locator(`[id="task-${taskId}"].open`).waitFor();
    await task.getByRole('heading', { level: 2, name: customer ?? '' }).waitFor();
    await expect.poll(() => notes.inputValue(), { timeout: T }).toBe(typed);
    expect(await page.getByRole('heading', { name: '坐席登录' }).count()).toBe(0);
    // The phone came back on the line (a call does not survive a reload; the dial ended before it).
    await panel.getByRole('status').filter({ hasText: '演练线路就绪' }).waitFor();
    // The token was used up and a fresh one kept, in this tab's sessionStorage only; the resume audited.
    const after = await kept();
    expect(after.session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(after.session).not.toBe(before.session);
    expect(after.local).not.toContain(after.session);
    expect(audit('session.resumed')).toEqual(['A002']);

    // Notes typed and the page reloaded at once, within the half second before they would have been saved:
    // the page sends them as it goes (pagehide), and they are there after the reload.
    const more = `${typed}；客户说下午三点后方便`;
    await notes.fill(more);
    await page.reload();
    await page.locator(`[id="task-${taskId}"].open`).waitFor();
    await expect.poll(() => notes.inputValue(), { timeout: T }).toBe(more);
  }, 90_000);

  it("keeps each agent's language; after a logout a reload shows the login, in the seat's last used", async () => {
    // A002, logged in from the test before: English, then signs out.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Agent sign-in' }).waitFor();
    expect((await kept()).session).toBeNull();
    // A fresh page of the seat starts in the language last used at it: A002's English.
    await page.reload();
    await page.getByRole('heading', { name: 'Agent sign-in' }).waitFor();
    await expect(page.evaluate('document.documentElement.lang')).resolves.toBe('en');

    // A003 never chose: Chinese.
    await login('A003');
    await page.getByRole('heading', { name: '回访任务' }).waitFor();
    await expect(page.evaluate('document.documentElement.lang')).resolves.toBe('zh-CN');
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByRole('heading', { name: '坐席登录' }).waitFor();

    // Logged out, F5 brings no session back: the login screen, in A003's Chinese.
    await page.reload();
    await page.getByRole('heading', { name: '坐席登录' }).waitFor();
    expect(await page.getByRole('button', { name: '退出登录' }).count()).toBe(0);
    // Only the two reloads of the test before resumed a session; this one did not.
    expect(audit('session.resumed')).toEqual(['A002', 'A002']);

    // A002 again: English, as A002 left it.
    await login('A002');
    await page.getByRole('heading', { name: 'Callback tasks' }).waitFor();
    await expect(page.evaluate('document.documentElement.lang')).resolves.toBe('en');
  }, 90_000);
});
