/**
 * What an administrator and an agent see of head office's quarantine and of a wrong clock (issue 13): Chromium
 * through the seat's web host, against head office in this process. The seat's clock is 8 minutes slow and a
 * callback it made (by an agent head office does not know as a user of the branch) is quarantined: 坐席与时限
 * lists it with the reason and the seat's clock offset; 总部同步 lists it at the seat; the status bar says both.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { startWebHost, type WebHost } from '../../electron/web-host';
import { launchChromium } from '../support/chromium';
import { BRANCH, smallBranch, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';
import { invoke } from '../support/review-scene';
import { answeredCall, walkScript } from '../support/script';
import { resultFor } from '../support/seat';

const REPO = resolve(import.meta.dirname, '../..');
const STATIC = join(REPO, 'out/renderer');
const SLOW_MS = -8 * 60_000;

describe('the quarantine and a slow clock, as people see them', () => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let host: WebHost;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(join(STATIC, 'index.html')))
      throw new Error('out/renderer is not built: run `npm run build`');
    t = await startHq('pglite');
    tmp = tempDir();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: 'quarantine-e2e',
      onDefect: () => {},
      now: () => new Date(Date.now() + SLOW_MS),
      sync: { intervalMs: 200, maxBackoffMs: 400 },
    });
    seat.store.ensureSeat(BRANCH);
    await invoke(inProcessBridge(seat), 'sync.enrol', {
      hqUrl: t.url,
      code: 'HQ01',
      password: HQ_PASSWORD,
      name: '上海 1 号坐席',
    });
    const branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    seat.loadScripts([join(REPO, 'assets/scripts')]);
    const { agent, taskA } = branch.ids;
    const call = answeredCall(seat.store, agent, taskA, join(dirname(tmp.file('seat.db')), 'recordings'));
    walkScript(seat.store, agent, taskA, call.recordingId);
    seat.store.commitResult(agent, resultFor(taskA, { attemptId: call.attemptId }));
    // Syncing as the running seat does (every 200 ms here), until head office has answered for the callback.
    seat.startSync();
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error('the seat did not sync')), 30_000);
      const check = () => {
        const s = seat.sync.status();
        if (s.state === 'online' && s.pending === 0 && s.refused === 1) {
          clearTimeout(timer);
          done();
        } else setTimeout(check, 50);
      };
      check();
    });
    host = await startWebHost({ seat, staticDir: STATIC });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await seat?.shutdown();
    await t?.close();
    tmp?.cleanup();
  });

  it('lists the quarantined callback in 坐席与时限 and 总部同步, and says the clock is off', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    page.setDefaultTimeout(20_000);
    await page.goto(`${host.url}/#token=${host.token}`);
    await page.getByLabel('工号').fill('HQ01');
    await page.getByLabel('密码').fill(HQ_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    // The status bar: the clock and the quarantine, as every screen shows them.
    await expect
      .poll(() => page.getByRole('alert').filter({ hasText: '本机时钟' }).textContent())
      .toBe('本机时钟比总部慢 8 分');
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('总部隔离 1 条记录');

    await page.getByRole('button', { name: '坐席与时限' }).click();
    const table = page.getByRole('table', { name: '总部隔离的同步记录' });
    await table.waitFor();
    const row = table.getByRole('row').nth(1);
    expect(await row.textContent()).toMatch(
      /上海 1 号坐席.*result.*不是本营业部（BR-SH-001）的用户.*\(403\)/,
    );
    const seats = page.getByRole('table', { name: '坐席状态' });
    expect(await seats.getByRole('row').nth(1).textContent()).toContain('偏差 −8 分');
    await page.screenshot({ path: join(REPO, 'docs/screenshots/watch-quarantine.png') });

    await page.getByRole('button', { name: '总部同步' }).click();
    const refused = page.getByRole('table', { name: '总部隔离的记录' });
    await refused.waitFor();
    expect(await refused.getByRole('row').nth(1).textContent()).toMatch(/result.*不是本营业部.*\(403\)/);
    await expect.poll(() => page.locator('.facts').textContent()).toContain('比总部慢 8 分，请校准本机时间');
    await page.screenshot({ path: join(REPO, 'docs/screenshots/sync-refused.png') });
    await page.close();
  });
});
