/**
 * The supervisors' training view (演练记录) end to end, in Chromium through the seat's web host against a real
 * head-office process: before any practice the view says what to do; trainee A001 then practises on the
 * training line (the customer who reports promised returns, walked through with the finding raised; the same
 * customer cut short with the finding missed; a busy customer), the calls sync home, and the branch supervisor
 * sees each with its persona's name and completeness (✓ 发现正确 / ✗ 漏记), moves through the list with the
 * keyboard, opens the walked-through call and plays it from the marker of the answer that gave cause (the
 * player lands within 1 s of the answer's offset and plays on). Screenshot: docs/screenshots/training.png.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { launchChromium } from '../support/chromium';
import { PASSWORD } from '../support/fixtures';
import { invoke } from '../support/review-scene';
import { startTrainingScene } from '../support/training-scene';

const REPO = resolve(import.meta.dirname, '../..');
const STATIC = join(REPO, 'out/renderer');
const SHOTS = join(REPO, 'docs/screenshots');
const T = 20_000;
const SPACING_MS = 1500;

/** What the test reads of the page's audio element (test code is compiled without the DOM's types). */
interface AudioLike {
  readyState: number;
  duration: number;
  paused: boolean;
  currentTime: number;
  addEventListener(type: string, listener: (event: unknown) => void, options?: { once: boolean }): void;
}
interface PageGlobals {
  document: {
    querySelector(selector: string): AudioLike | null;
    activeElement: { closest(selector: string): { rowIndex: number } | null } | null;
  };
}

describe('the training view in Chromium', () => {
  let scene: Awaited<ReturnType<typeof startTrainingScene>>;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(STATIC, 'index.html')))
      throw new Error('out/renderer is not built: run `npm run build`');
    // 40 s calls, answers 1.5 s apart; no practice yet.
    scene = await startTrainingScene({ staticDir: STATIC, seconds: 40, spacingMs: SPACING_MS, empty: true });
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await scene?.close();
  });

  /** The row (1-based, header row 0) of the table holding the focused element. */
  const focusedRow = () =>
    page.evaluate(
      () => (globalThis as unknown as PageGlobals).document.activeElement?.closest('tr')?.rowIndex ?? -1,
    );

  it('shows a supervisor a trainee’s practice calls with their completeness, and plays one from a marker', async () => {
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    page.setDefaultTimeout(T);
    page.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) cspViolations.push(m.text());
    });
    await page.goto(`${scene.host.url}/#token=${scene.host.token}`);
    await page.getByLabel('工号').fill('SH01');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '录音复核' }).waitFor();

    // Nothing practised yet: the view says where practice calls come from.
    await page.getByRole('navigation', { name: '主导航' }).getByRole('button', { name: '演练记录' }).click();
    await page.getByRole('heading', { name: '演练记录', level: 1 }).waitFor();
    await page.getByText('演练通话会在学员使用演练线路后出现在这里').waitFor();

    const { right, missed, busy } = await scene.practise();
    await page.getByRole('button', { name: '查询' }).click();
    const table = page.getByRole('table', { name: '演练通话列表' });
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: T }).toBe(3);
    const cells = async (i: number) =>
      (await rows.nth(i).getByRole('cell').allTextContents()).map((c) => c.trim());

    // Newest first: the busy customer, the call cut short, the call walked through. Columns: time, trainee,
    // persona, call, result, steps, disclosures, findings, duration.
    const [b, m, r] = [await cells(0), await cells(1), await cells(2)];
    expect(b.slice(1, 5)).toEqual(['李静 A001', '忙线', '忙线', '未提交结果']);
    expect(b.slice(5)).toEqual(['—', '—', '—', '—']);
    expect(r.slice(1, 5)).toEqual(['李静 A001', '反映营销人员承诺保本保收益的客户', '已接通', '回访完成']);
    const [done, total] = (r[5] ?? '').split('/').map(Number);
    expect(done).toBe(total);
    expect(total).toBeGreaterThan(10);
    expect(r[6]).toMatch(/^(\d+)\/\1$/);
    expect(r[7]).toBe('1/1 ✓ 发现正确');
    expect(r[8]).toBe('0:40');
    expect(m[4]).toBe('客户拒绝回访');
    const [mDone, mTotal] = (m[5] ?? '').split('/').map(Number);
    expect(mDone).toBeLessThan(mTotal ?? 0);
    expect(m[7]).toBe('0/1 ✗ 漏记 1 项');

    // The keyboard: from the first row down to the walked-through call, Enter opens it.
    await rows.first().getByRole('button').focus();
    await page.keyboard.press('ArrowDown');
    expect(await focusedRow()).toBe(2);
    await page.keyboard.press('End');
    expect(await focusedRow()).toBe(3);
    await page.keyboard.press('Home');
    expect(await focusedRow()).toBe(1);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    expect(await rows.nth(2).getAttribute('aria-selected')).toBe('true');

    const completeness = page.getByRole('region', { name: '话术完成情况' });
    await completeness.getByText(`${done} / ${total} 步`).waitFor();
    await completeness.getByText(/^✓ 已记录发现：.*承诺过投资收益/).waitFor();

    // The player with a marker at every answer; from the one that gave cause.
    const markers = page.getByRole('list', { name: '录音时间点' });
    const cause = markers.getByRole('button', { name: /承诺过投资收益/ });
    await cause.waitFor();
    expect(await markers.getByRole('listitem').count()).toBeGreaterThan(10);
    expect(await page.locator('.waveform-marker').count()).toBe(await markers.getByRole('listitem').count());
    const audio = page.getByTestId('review-audio');
    await audio.evaluate((el: AudioLike) =>
      el.readyState >= 1
        ? undefined
        : new Promise((res) => el.addEventListener('loadedmetadata', res, { once: true })),
    );
    expect(await audio.evaluate((el: AudioLike) => el.duration)).toBeCloseTo(40, 0);
    // The answer's moment as head office holds it, read through the seat's contract.
    const reader = inProcessBridge(scene.seat);
    await invoke(reader, 'session.login', { agentCode: 'SH01', password: PASSWORD });
    const detail = await invoke(reader, 'review.result', { resultId: right.resultId });
    const at = detail.markers.find((mk) => mk.stepId === 'conduct.promised_returns')?.offsetMs ?? never();
    expect(at % SPACING_MS).toBe(0);
    await cause.click();
    await page.waitForFunction(
      (s) => {
        const el = (globalThis as unknown as PageGlobals).document.querySelector(
          '[data-testid="review-audio"]',
        );
        return el !== null && !el.paused && el.currentTime > s && el.currentTime < s + 1;
      },
      at / 1000,
      { timeout: T },
    );
    await page.screenshot({ path: join(SHOTS, 'training.png') });

    // The call cut short: the finding it missed, at its step.
    await rows.nth(1).getByRole('button').click();
    await completeness.getByText(/^✗ 漏记（客户的回答应记录发现）：/).waitFor();
    await page.getByRole('list', { name: '录音时间点' }).waitFor();
    expect(missed.resultId).not.toBe(right.resultId);
    // The busy customer: nothing to be complete about, nothing recorded.
    await rows.nth(0).getByRole('button').click();
    await page.getByText('这次演练没有提交结果，没有话术完成情况。').waitFor();
    await page.getByText('这次演练没有录音。').waitFor();
    expect(busy.recordingId).toBeNull();
    expect(cspViolations).toEqual([]);
  }, 120_000);
});

function never(): never {
  throw new Error('missing');
}
