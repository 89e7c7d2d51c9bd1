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
import { axeSeriousViolations } from '../support/console-scene';
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
    expect(await axeSeriousViolations(page), '录音复核').toEqual([]);

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

    // What reaches each ear: as recorded (agent's tone left at 0.5, customer's right at 0.25), then one voice
    // in both ears.
    const ears = async () =>
      Promise.all(
        ['左耳输出', '右耳输出'].map(async (name) =>
          Number(await page.getByRole('meter', { name }).getAttribute('value')),
        ),
      );
    const hearing = async (left: number, right: number) =>
      expect
        .poll(
          async () => {
            const [l, r] = await ears();
            return Math.abs((l ?? 0) - left) < 0.08 && Math.abs((r ?? 0) - right) < 0.08;
          },
          { timeout: T },
        )
        .toBe(true);
    await hearing(0.5, 0.25);
    await page.getByLabel('声道').selectOption('agent');
    await hearing(0.5, 0.5);
    await page.getByLabel('声道').selectOption('customer');
    await hearing(0.25, 0.25);
    await page.getByLabel('倍速').selectOption('1.5');
    expect(await audio.evaluate((el: AudioLike) => el.playbackRate)).toBe(1.5);
    await page.screenshot({ path: join(SHOTS, 'review-player.png') });

    await page.getByRole('button', { name: '下载录音原件' }).click();
    const verified = page.getByRole('status').filter({ hasText: 'SHA-256 与坐席记录一致' });
    await verified.waitFor();
    expect(await verified.textContent()).toContain(scene.done.sha256);

    // Something heard that the script did not catch: a finding raised by hand at the player's position.
    const raise = page.locator('details.raise');
    await raise.locator('summary').click();
    await raise.getByLabel('听到的问题（例如：营销人员承诺保本）').fill('营销人员在通话中暗示保本');
    await raise.getByLabel('严重程度').selectOption('high');
    await raise.getByRole('button', { name: '记录问题' }).click();
    await raise
      .getByRole('status')
      .filter({ hasText: /^已记录在录音 \d+:\d{2} 处，已进入问题跟踪$/ })
      .waitFor();
    await page.locator('.findings li').filter({ hasText: '营销人员在通话中暗示保本' }).waitFor();

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
          'hq.finding_raise',
        ])
        .execute(),
    );
    expect(new Set(entries.map((e) => `${e.action} ${e.seat_id}`))).toEqual(
      new Set([
        `hq.search ${seatId}`,
        `hq.result_view ${seatId}`,
        `hq.recording_playback ${seatId}`,
        `hq.recording_download ${seatId}`,
        `hq.finding_raise ${seatId}`,
      ]),
    );
    expect(cspViolations).toEqual([]);
  }, 120_000);

  async function login(page: Page, code: string) {
    await page.getByLabel('工号').fill(code);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
  }

  it('samples by plan, scores a re-check that fails on a critical item, works a finding and reads the report', async () => {
    // Head office's administrator sets Shanghai's plan and samples this month.
    const admin = await openConsole();
    await login(admin, 'HQ01');
    await admin.getByRole('button', { name: '复核抽检' }).click();
    await admin.getByText('抽查计划与抽样').click();
    await admin.getByRole('textbox', { name: '营业部' }).fill('BR-SH-001');
    await admin.getByRole('spinbutton', { name: /抽查比例/ }).fill('100');
    await admin.getByRole('button', { name: '保存计划' }).click();
    await admin.getByRole('cell', { name: '100%' }).waitFor();
    expect(await axeSeriousViolations(admin), '复核抽检 (plans)').toEqual([]);
    // The callback's month by the seat's clock (China time).
    const month = new Date(Date.parse(scene.done.committedAt) + 8 * 3_600_000).toISOString().slice(0, 7);
    await admin.getByRole('textbox', { name: '抽样期间' }).fill(month);
    await admin.getByRole('button', { name: '抽样', exact: true }).click();
    await admin
      .getByRole('status')
      .filter({ hasText: 'BR-SH-001：新抽 1 条，共 1 条（完成回访 1 条）' })
      .waitFor();
    await admin.close();

    // A finding on the callback, as a seat would have raised it (written at head office for this screen).
    await scene.withHqStopped(async (db) => {
      const result = await db
        .selectFrom('results')
        .select(['branch_id', 'customer_id'])
        .where('id', '=', scene.done.resultId)
        .executeTakeFirstOrThrow();
      await db
        .insertInto('findings')
        .values({
          id: crypto.randomUUID(),
          result_id: scene.done.resultId,
          step_id: 'notification.question',
          purposes: JSON.stringify(['notification']),
          category: 'promised_returns',
          severity: 'high',
          about: 'salesperson',
          text_zh: '客户称营销人员承诺保本收益',
          salesperson_id: scene.seeded.salesperson,
          branch_id: result.branch_id ?? '',
          customer_id: result.customer_id ?? '',
          recording_id: scene.done.recordingId,
          offset_ms: 27_000,
        })
        .execute();
    });

    // The reviewer scores it: everything met but the risk disclosure, a remark at the player's position.
    const page = await openConsole();
    await login(page, 'RV01');
    await page.getByRole('button', { name: '复核抽检' }).click();
    const list = page.getByRole('table', { name: '复核任务列表' });
    await list.locator('tbody tr').first().getByRole('button').click();
    const form = page.getByRole('form', { name: '回访复核评分表' });
    await form.waitFor();
    await page
      .getByRole('list', { name: '录音时间点' })
      .getByRole('button', { name: /风险揭示/ })
      .click();
    for (const group of await form.getByRole('group').all()) {
      const label = (await group.getAttribute('aria-label')) ?? '';
      await group
        .getByRole('radio', { name: label.startsWith('风险揭示') ? '不合格' : '合格', exact: true })
        .check();
    }
    await form.getByLabel('在录音当前位置添加备注').fill('此处风险揭示未读完');
    await form.getByRole('button', { name: '添加备注' }).click();
    // Placed where the player was (it played on from the disclosure at 0:09).
    const remark = form.getByText(/^\d+:\d\d 此处风险揭示未读完$/);
    await remark.waitFor();
    const [m, sec] = ((await remark.textContent()) ?? '').split(' ')[0]?.split(':').map(Number) ?? [];
    expect((m ?? 0) * 60 + (sec ?? 0)).toBeGreaterThanOrEqual(9);
    await form.getByLabel('复核意见').fill('风险揭示不完整，需由总部再次回访');
    await form.getByText('得分 80：不合格').waitFor();
    expect(await form.getByLabel('由总部呼叫中心再次回访该客户').isChecked()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'recheck-form.png') });
    expect(await axeSeriousViolations(page), '回访复核评分表').toEqual([]);
    await form.getByRole('button', { name: '提交复核结论' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: '已提交：不合格（80 分） 已为总部呼叫中心生成回访任务。' })
      .waitFor();
    await page.close();

    // Compliance work on the finding, then the report.
    const hq = await openConsole();
    await login(hq, 'HQ01');
    await hq.getByRole('button', { name: '问题跟踪' }).click();
    const findings = hq.getByRole('table', { name: '问题列表' });
    // The seat's finding (the first test raised another by hand).
    const promised = findings.getByRole('row', { name: /客户称营销人员承诺保本收益/ });
    await promised.waitFor();
    expect(await axeSeriousViolations(hq), '问题跟踪').toEqual([]);
    await promised.getByRole('combobox', { name: '指派给…' }).selectOption({ label: '上海主管（SH01）' });
    await promised.getByRole('button', { name: '指派' }).click();
    // Assigned, it leaves the list of open findings; then the list of those in hand shows it with its assignee.
    await promised.waitFor({ state: 'detached' });
    await hq.getByLabel('处理状态').selectOption('assigned');
    await findings.getByText('处理中 · 上海主管').waitFor();
    // From the finding straight to its moment in the recording.
    await findings.getByRole('button', { name: '从 0:27 处收听录音' }).click();
    await hq.waitForFunction(
      () => {
        const el = (globalThis as unknown as PageGlobals).document.querySelector(
          '[data-testid="review-audio"]',
        );
        return el !== null && !el.paused && el.currentTime > 27 && el.currentTime < 28;
      },
      undefined,
      { timeout: T },
    );
    await hq.screenshot({ path: join(SHOTS, 'findings.png') });
    // The recording is kept 3 years; compliance (here the administrator) keeps it longer with a legal hold.
    const retention = hq.getByRole('region', { name: '录音保存' });
    const until = new Date(Date.now() + 8 * 3_600_000);
    until.setUTCFullYear(until.getUTCFullYear() + 3);
    await retention.getByText(`总部保存至 ${until.toISOString().slice(0, 10)}`).waitFor();
    const hold = retention.getByRole('button', { name: '法律保全' });
    expect(await hold.isDisabled()).toBe(true); // not without a reason
    await retention.getByLabel('保全或解除的原因').fill('客户投诉调查中');
    await hold.click();
    await retention
      .getByRole('status')
      .filter({ hasText: /^法律保全中：总部管理员 于 \d{4}-\d{2}-\d{2} 保全，原因：客户投诉调查中$/ })
      .waitFor();
    await retention.getByRole('button', { name: '解除保全' }).waitFor();

    await hq.getByRole('button', { name: '统计报表' }).click();
    const coverage = hq.getByRole('table', { name: '回访覆盖与时限' });
    await coverage.getByRole('row', { name: /BR-SH-001 通知类/ }).waitFor();
    const rechecks = hq.getByRole('table', { name: '复核评分' });
    const cells = await rechecks.getByRole('row').nth(1).getByRole('cell').allTextContents();
    expect(cells.slice(0, 6)).toEqual(['BR-SH-001', '1', '1', '0', '1', '80']);
    await hq.getByRole('button', { name: '导出 Excel' }).click();
    const saved = hq.getByRole('status').filter({ hasText: '已保存到' });
    await saved.waitFor();
    expect(await saved.textContent()).toMatch(/\.xlsx$/);
    await hq.screenshot({ path: join(SHOTS, 'reports.png'), fullPage: true });
    expect(await axeSeriousViolations(hq), '统计报表').toEqual([]);

    // The seats and the deadlines: the branch's seat online (it syncs), holding the two callbacks not yet made.
    await hq.getByRole('button', { name: '坐席与时限' }).click();
    const seatRow = hq.getByRole('table', { name: '坐席状态' }).getByRole('row', { name: /上海 1 号坐席/ });
    await seatRow.waitFor();
    const seatCells = await seatRow.getByRole('cell').allTextContents();
    expect([seatCells[0], seatCells[1], seatCells[2], seatCells[4], seatCells[5]]).toEqual([
      '上海 1 号坐席',
      'BR-SH-001',
      '在线',
      '2',
      '0',
    ]);
    const branchRow = hq
      .getByRole('table', { name: '各营业部待办回访' })
      .getByRole('row', { name: /BR-SH-001/ });
    expect((await branchRow.getByRole('cell').allTextContents())[1]).toBe('2');
    await hq.screenshot({ path: join(SHOTS, 'watch.png') });
    expect(await axeSeriousViolations(hq), '坐席与时限').toEqual([]);
    expect(cspViolations).toEqual([]);
  }, 120_000);
});
