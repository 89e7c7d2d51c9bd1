/**
 * 坐席与时限 tells supervisors when deadlines reach a year whose holiday schedule head office does not have:
 * Chromium through the seat's web host, against head office in this process on a clock fixed at
 * 2 December 2026 (AML deadlines given then fall in 2027, which has no schedule yet).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { startWebHost, type WebHost } from '../../electron/web-host';
import { launchChromium } from '../support/chromium';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';
import { invoke } from '../support/review-scene';

const REPO = resolve(import.meta.dirname, '../..');
const STATIC = join(REPO, 'out/renderer');

describe('the holiday-schedule warning in 坐席与时限', () => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let host: WebHost;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(join(STATIC, 'index.html')))
      throw new Error('out/renderer is not built: run `npm run build`');
    t = await startHq('pglite', () => new Date('2026-12-02T02:00:00.000Z'));
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'watch-e2e', onDefect: () => {} });
    seat.store.ensureSeat(BRANCH);
    await invoke(inProcessBridge(seat), 'sync.enrol', {
      hqUrl: t.url,
      code: 'HQ01',
      password: HQ_PASSWORD,
      name: '上海 1 号坐席',
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

  it('shows the year that is missing to head office’s administrator', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    page.setDefaultTimeout(20_000);
    await page.goto(`${host.url}/#token=${host.token}`);
    await page.getByLabel('工号').fill('HQ01');
    await page.getByLabel('密码').fill(HQ_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('button', { name: '坐席与时限' }).click();
    const notices = page.getByRole('list', { name: '总部提示' });
    await notices.waitFor();
    expect(await notices.getByRole('listitem').allTextContents()).toEqual([
      '2027 年节假日安排尚未配置：截止时间暂按周末计算（请在回访规则文件 calendar.years 中添加）',
    ]);
    await page.screenshot({ path: join(REPO, 'docs/screenshots/watch-warning.png') });
    await page.close();
  });
});
