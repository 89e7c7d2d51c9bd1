/**
 * `npm start` as a newcomer runs it (here without a display and without an Electron binary; the build step is
 * npm test's own, run before): it starts head office beside the browser seat on a fresh data directory, the
 * seat enrols and pulls the demo branch from it, prints the URL and the demo credentials, serves a console
 * an agent can log in to that shows head office online, where head office's reviewer finds the branch's recent
 * callbacks with their recordings and this month's re-check sample, and stops cleanly on Ctrl+C (SIGINT). On
 * the way, the README's first callback: A002 places a call on the training line (no PBX in the demo), walks the
 * script by keyboard and commits it as practice; A001 finds it in 演练记录 and plays it from a marker.
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

    // A headset as Chromium fakes one (a beeping microphone), granted without a prompt.
    browser = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ]);
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    // An uncaught error in the console is a defect, whatever the screens still show.
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    await page.getByLabel('工号').fill('A002');
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('listbox', { name: '回访任务列表' }).getByRole('option').first().waitFor();
    // Synced out of the box: the login went home, and the status bar says so.
    await page.getByText('总部同步：在线').waitFor({ timeout: 30_000 });

    // The newcomer's first callback, on the training line (no PBX in the demo): open the first task, F9, the
    // customer answers and speaks, the script walked by keyboard, the wrap-up committed as practice.
    await page.locator('.status-bar').getByText('电话：演练线路').waitFor();
    await page.getByRole('listbox', { name: '回访任务列表' }).getByRole('option').first().click();
    const task = page.locator('.task-view');
    const panel = task.getByRole('region', { name: '通话' });
    await panel.getByText('演练', { exact: true }).waitFor();
    await page.keyboard.press('F9');
    await panel.getByRole('status').filter({ hasText: '通话中' }).waitFor({ timeout: 30_000 });
    await panel.locator('.training-progress:not([data-played="0"])').waitFor();
    const runner = task.getByRole('region', { name: '回访脚本' });
    const step = runner.locator('.step');
    const total = await panel.locator('.training-progress').getAttribute('data-total');
    for (let answered = 0; !(await step.getAttribute('class'))?.includes('step-end'); answered++) {
      expect(answered).toBeLessThan(60);
      // As a newcomer does: let the customer say their piece first (until they wait, or have said it all).
      await panel
        .locator(`.training-progress[data-listening="true"], .training-progress[data-spoken="${total}"]`)
        .waitFor();
      const kind = (await step.getAttribute('class'))?.match(/step-(\w+)/)?.[1];
      if (kind === 'disclosure') await page.keyboard.press(' ');
      else if (kind === 'question' && (await runner.getByRole('textbox').count()) > 0) {
        await runner.getByRole('textbox').first().focus();
        await page.keyboard.type('无');
      } else if (kind !== 'say') await page.keyboard.press('1');
      await page.keyboard.press('Enter');
      await runner
        .locator(`progress.script-progress[value="${answered + 1}"]`)
        .waitFor({ state: 'attached' });
    }
    // The customer has spoken more than their greeting: the recorded answers cued their lines.
    expect(Number(await panel.locator('.training-progress').getAttribute('data-played'))).toBeGreaterThan(1);
    await page.keyboard.press('F10');
    await panel.getByRole('status').filter({ hasText: '通话结束' }).waitFor();
    await task.getByRole('button', { name: /提交结果/ }).click();
    await task.getByRole('status').filter({ hasText: '已保存为演练结果' }).waitFor();

    // A001, a supervisor, finds it in 演练记录 once it has reached head office, and plays it from a marker.
    await page.getByRole('button', { name: '退出登录' }).click();
    // The login form, not a screen still on its way out (演练记录's 学员工号 matched '工号' once).
    await page.getByRole('heading', { name: '坐席登录' }).waitFor();
    await page.getByLabel('工号', { exact: true }).fill('A001');
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('button', { name: '演练记录' }).click();
    const practice = page.getByRole('table', { name: '演练通话列表' }).locator('tbody tr');
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: '查询' }).click();
          return practice.filter({ hasText: 'A002' }).count();
        },
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    // Its recording follows the result home (an upload of its own): opened again until the player has it.
    const markers = page.getByRole('list', { name: '录音时间点' }).getByRole('button');
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: '查询' }).click();
          await practice.filter({ hasText: 'A002' }).first().getByRole('button').first().click();
          await page
            .getByRole('list', { name: '录音时间点' })
            .or(page.getByText('录音尚未从坐席上传到总部'))
            .first()
            .waitFor();
          return markers.count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBeGreaterThan(0);

    // Head office holds the branch's recent callbacks, recorded: a reviewer finds them and this month's sample.
    await page.getByRole('button', { name: '退出登录' }).click();
    // The login form, not a screen still on its way out (演练记录's 学员工号 matched '工号' once).
    await page.getByRole('heading', { name: '坐席登录' }).waitFor();
    await page.getByLabel('工号', { exact: true }).fill('RV01');
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page
      .getByRole('button', { name: '查询' })
      .click()
      .catch(async (e: Error) => {
        // What the page says instead (a refused login names why).
        throw new Error(
          `${e.message}\npage: ${((await page.locator('body').textContent()) ?? '').slice(0, 600)}`,
        );
      });
    const results = page.getByRole('table', { name: '回访结果列表' }).locator('tbody tr');
    await expect.poll(() => results.count(), { timeout: 20_000 }).toBeGreaterThan(10);
    await results.first().getByRole('button').click();
    await page.getByRole('list', { name: '录音时间点' }).getByRole('button').first().waitFor();
    await page.getByRole('button', { name: '复核抽检' }).click();
    const sampled = page.getByRole('table', { name: '复核任务列表' }).locator('tbody tr');
    await expect.poll(() => sampled.count(), { timeout: 20_000 }).toBeGreaterThan(0);

    expect(pageErrors).toEqual([]);

    const exit = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
    proc.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(out).toContain('坐席已停止');
    child = undefined;
  }, 240_000);
});
