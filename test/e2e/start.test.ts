/**
 * `npm start` as a newcomer runs it (here without a display and without an Electron binary; the build step is
 * npm test's own, run before): it starts head office beside the browser seat on a fresh data directory, the
 * seat enrols and pulls the demo branch from it, prints the URL and the demo credentials, serves a console
 * an agent can log in to that shows head office online, where head office's reviewer finds the branch's recent
 * callbacks with their recordings and this month's re-check sample, and stops cleanly on Ctrl+C (SIGINT).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../electron/seat/demo/seed';
import { launchChromium } from '../support/chromium';
import { tempDir } from '../support/fixtures';

const REPO = resolve(import.meta.dirname, '../..');

describe('npm start (browser seat)', () => {
  const tmp = tempDir();
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    child?.kill('SIGKILL');
    tmp.cleanup();
  });

  it('comes up within 60 s with the demo branch, serves a usable console, and stops cleanly on SIGINT', async () => {
    const started = Date.now();
    // npm test has built out/ already; rebuilding here would empty it under the other browser tests.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SEAT_DATA_DIR: tmp.dir,
      SEAT_NO_BROWSER: '1',
      SEAT_SKIP_BUILD: '1',
      // Head office beside it on any free port (8610 may be another test's).
      SEAT_HQ_PORT: '0',
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    delete env.ELECTRON_OVERRIDE_DIST_PATH;
    const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: REPO, env });
    child = proc;
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 60 s:\n${out}`)), 60_000);
      proc.stdout?.on('data', () => {
        const m = out.match(/请在浏览器中打开：(\S+)/);
        if (m?.[1]) {
          clearTimeout(timer);
          resolveUrl(m[1]);
        }
      });
      proc.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
    });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(out).toContain('本机没有 Electron 运行文件');
    expect(out).toContain(`密码 ${DEMO_PASSWORD}`);
    expect(out).toMatch(/总部服务（本机）：http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/首次启动：已从总部载入演示营业部（\d+ 位客户，\d+ 个回访任务）/);
    expect(existsSync(join(tmp.dir, 'seat.db'))).toBe(true);

    browser = await launchChromium();
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(url);
    await page.getByLabel('工号').fill('A002');
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('listbox', { name: '回访任务列表' }).getByRole('option').first().waitFor();
    // Synced out of the box: the login went home, and the status bar says so.
    await page.getByText('总部同步：在线').waitFor({ timeout: 30_000 });

    // Head office holds the branch's recent callbacks, recorded: a reviewer finds them and this month's sample.
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByLabel('工号').fill('RV01');
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('button', { name: '查询' }).click();
    const results = page.getByRole('table', { name: '回访结果列表' }).locator('tbody tr');
    await expect.poll(() => results.count(), { timeout: 20_000 }).toBeGreaterThan(10);
    await results.first().getByRole('button').click();
    await page.getByRole('list', { name: '录音时间点' }).getByRole('button').first().waitFor();
    await page.getByRole('button', { name: '复核抽检' }).click();
    const sampled = page.getByRole('table', { name: '复核任务列表' }).locator('tbody tr');
    await expect.poll(() => sampled.count(), { timeout: 20_000 }).toBeGreaterThan(0);

    const exit = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
    proc.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(out).toContain('坐席已停止');
    child = undefined;
  }, 120_000);
});
