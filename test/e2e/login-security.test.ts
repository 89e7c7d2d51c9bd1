/**
 * The login screens of #14 in Chromium, against a head-office process: a first password that must change is
 * changed on the login screen and the login goes on; an agent locked at the seat after five wrong passwords is
 * seen and unlocked by the branch supervisor at 登录锁定. Screenshots of both go to docs/screenshots.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { PASSWORD } from '../support/fixtures';
import { startReviewScene } from '../support/review-scene';

const REPO = resolve(import.meta.dirname, '../..');
const STATIC = join(REPO, 'out/renderer');
const SHOTS = join(REPO, 'docs/screenshots');
const T = 20_000;
const NEW_PASSWORD = 'Zhuguan#Xin-2027';

describe('logging in, in Chromium', () => {
  let scene: Awaited<ReturnType<typeof startReviewScene>>;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(join(STATIC, 'index.html')))
      throw new Error('out/renderer is not built: run `npm run build`');
    scene = await startReviewScene({ staticDir: STATIC, seconds: 4, spacingMs: 1000 });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await scene?.close();
  });

  async function openConsole(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    page.setDefaultTimeout(T);
    await page.goto(`${scene.host.url}/#token=${scene.host.token}`);
    await page.getByRole('heading', { name: '坐席登录' }).waitFor();
    return page;
  }
  async function login(page: Page, code: string, password: string) {
    await page.getByLabel('工号').fill(code);
    await page.getByLabel('密码', { exact: true }).fill(password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
  }

  it('changes a first password that must change on the login screen, then logs in', async () => {
    await scene.withHqStopped((db) =>
      db.updateTable('users').set({ must_change_password: true }).where('code', '=', 'SH01').execute(),
    );
    const page = await openConsole();
    await login(page, 'SH01', PASSWORD);
    await page.getByRole('heading', { name: '首次登录须修改密码' }).waitFor();
    await page.getByLabel('新密码', { exact: true }).fill('short');
    await page.getByLabel('确认新密码').fill('short');
    await page.getByRole('button', { name: '修改密码并登录' }).click();
    await page.getByRole('alert').filter({ hasText: '新密码至少 10 个字符' }).waitFor();
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('确认新密码').fill('Zhuguan#Xin-2028');
    await page.getByRole('button', { name: '修改密码并登录' }).click();
    await page.getByRole('alert').filter({ hasText: '两次输入的新密码不一致' }).waitFor();
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('确认新密码').fill(NEW_PASSWORD);
    await page.screenshot({ path: join(SHOTS, 'password-change.png') });
    await page.getByRole('button', { name: '修改密码并登录' }).click();
    await page.getByRole('button', { name: '录音复核' }).waitFor();
    await page.close();
  });

  it('shows an agent locked at this seat to the supervisor, who unlocks them', async () => {
    const page = await openConsole();
    for (let i = 1; i <= 5; i++) {
      await login(page, 'A001', `wrong-${i}`);
      await page
        .getByRole('alert')
        .filter({ hasText: i < 5 ? `还可尝试 ${5 - i} 次` : '已锁定' })
        .waitFor();
    }
    await login(page, 'SH01', NEW_PASSWORD);
    await page.getByRole('button', { name: '登录锁定' }).click();
    const table = page.getByRole('table', { name: '当前被锁定或暂停登录的账号' });
    // Both sides counted the five: the seat locked A001 for 15 minutes, head office holds the code a minute.
    const atSeat = table.getByRole('row').filter({ hasText: 'A001' }).filter({ hasText: '本坐席' });
    const atHq = table.getByRole('row').filter({ hasText: 'A001' }).filter({ hasText: '总部' });
    await atSeat.waitFor();
    await atHq.waitFor();
    // A branch supervisor lifts the seat's; head office's is an administrator's.
    expect(await atHq.getByRole('button', { name: '解锁' }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'lockouts.png') });
    await atSeat.getByRole('button', { name: '解锁' }).click();
    await page.getByRole('status').filter({ hasText: '已解锁 A001' }).waitFor();
    await atSeat.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '退出登录' }).click();

    await login(page, 'HQ01', PASSWORD);
    await page.getByRole('button', { name: '登录锁定' }).click();
    await atHq.getByRole('button', { name: '解锁' }).click();
    await page.getByText('目前没有被锁定的账号').waitFor();
    await page.getByRole('button', { name: '退出登录' }).click();
    await login(page, 'A001', PASSWORD);
    await page.getByRole('listbox', { name: '回访任务列表' }).waitFor();
    await page.close();
  });
});
