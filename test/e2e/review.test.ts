/**
 * The supervisor workspace end to end, in Chromium through the seat's web host against a real head-office
 * process: a callback completed at the seat (its recording written through the seat's recorder path, its
 * answers at their moments) syncs home; the branch supervisor logs in, finds it by the customer's ID number,
 * opens it, plays it from the marker of its risk disclosure (the player lands within 1 s of the answer's
 * recorded offset and plays on), listens to one channel, downloads the original and sees its hash verified;
 * head office's audit shows each action with the user and the seat. Screenshots go to docs/screenshots/.
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

/** What these tests read of the page's audio element (the test code is compiled without the DOM's types). */
interface AudioLike {
  readyState: number;
  duration: number;
  paused: boolean;
  currentTime: number;
  playbackRate: number;
  addEventListener(type: string, listener: (event: unknown) => void, options?: { once: boolean }): void;
}
interface PageGlobals {
  document: { querySelector(selector: string): AudioLike | null };
}

describe('the supervisor workspace in Chromium', () => {
  let scene: Awaited<ReturnType<typeof startReviewScene>>;
  let browser: Browser;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(STATIC, 'index.html')))
      throw new Error('out/renderer is not built: run `npm run build`');
    // 60 s of call, answers 9 s apart: the disclosure is answered 9 s in.
    scene = await startReviewScene({ staticDir: STATIC, seconds: 60, spacingMs: 9000 });
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await scene?.close();
  });

  async function openConsole(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    page.setDefaultTimeout(T);
    page.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) cspViolations.push(m.text());
    });
    await page.goto(`${scene.host.url}/#token=${scene.host.token}`);
    return page;
  }

  it('finds a callback by the customer, plays it from its risk disclosure, downloads it verified; all audited', async () => {
    // Where head office holds the disclosure's answer in the recording.
    const offsets = await scene.withHqStopped((db) =>
      db
        .selectFrom('answers')
        .select(['step_id', 'offset_ms'])
        .where('result_id', '=', scene.done.resultId)
        .execute(),
    );
    const disclosureAt = offsets.find((a) => a.step_id === 'notification.content')?.offset_ms;
    expect(disclosureAt).toBe(9000);

    const page = await openConsole();
    await page.getByLabel('工号').fill('SH01');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '录音复核' }).waitFor();

    await page.getByRole('textbox', { name: '客户' }).fill(scene.seeded.idNumbers[0] as string);
    await page.getByRole('button', { name: '查询' }).click();
    const results = page.getByRole('table', { name: '回访结果列表' });
    const rows = results.locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: T }).toBe(1);
    // Masked in the list: the ID number's middle never shows.
    expect(await rows.first().textContent()).not.toContain(
      (scene.seeded.idNumbers[0] as string).slice(6, 14),
    );
    await page.screenshot({ path: join(SHOTS, 'review-search.png') });

    await rows.first().getByRole('button').click();
    const markers = page.getByRole('list', { name: '录音时间点' });
    const disclosure = markers.getByRole('button', { name: /风险揭示/ });
    await disclosure.waitFor();

    const audio = page.getByTestId('review-audio');
    await audio.evaluate((el: AudioLike) =>
      el.readyState >= 1
        ? undefined
        : new Promise((r) => el.addEventListener('loadedmetadata', r, { once: true })),
    );
    // The playback copy is seekable: the player knows the call's length before playing a byte of it.
    expect(await audio.evaluate((el: AudioLike) => el.duration)).toBeCloseTo(60, 0);

    await disclosure.click();
    // Lands on the answer's moment and plays on from there.
    await page.waitForFunction(
      (at) => {
        const el = (globalThis as unknown as PageGlobals).document.querySelector(
          '[data-testid="review-audio"]',
        );
        return el !== null && !el.paused && el.currentTime > at && el.currentTime < at + 1;
      },
      (disclosureAt as number) / 1000,
      { timeout: T },
    );
    expect(await disclosure.getAttribute('aria-current')).toBe('true');

    await page.getByLabel('声道').selectOption('customer');
    await page.getByLabel('倍速').selectOption('1.5');
    expect(await audio.evaluate((el: AudioLike) => el.playbackRate)).toBe(1.5);
    await page.screenshot({ path: join(SHOTS, 'review-player.png') });

    await page.getByRole('button', { name: '下载录音原件' }).click();
    const verified = page.getByRole('status').filter({ hasText: 'SHA-256 与坐席记录一致' });
    await verified.waitFor();
    expect(await verified.textContent()).toContain(scene.done.sha256);

    const seatId = scene.seat.store.seat()?.id;
    const entries = await scene.withHqStopped((db) =>
      db
        .selectFrom('audit')
        .innerJoin('users', 'users.id', 'audit.user_id')
        .select(['audit.action', 'audit.entity_id', 'audit.seat_id'])
        .where('users.code', '=', 'SH01')
        .where('audit.action', 'in', [
          'hq.search',
          'hq.result_view',
          'hq.recording_playback',
          'hq.recording_download',
        ])
        .execute(),
    );
    expect(new Set(entries.map((e) => `${e.action} ${e.seat_id}`))).toEqual(
      new Set([
        `hq.search ${seatId}`,
        `hq.result_view ${seatId}`,
        `hq.recording_playback ${seatId}`,
        `hq.recording_download ${seatId}`,
      ]),
    );
    expect(cspViolations).toEqual([]);
  }, 120_000);
});
