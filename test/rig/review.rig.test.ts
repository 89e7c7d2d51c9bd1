/**
 * The supervisor workspace after a real call, on the SIP rig: a seat enrolled with a head-office process
 * (PGlite, inside the same private network) pulls a new-account task; the agent dials the customer phone
 * through Kamailio, walks the script by keyboard while the call is recorded, wraps up; the seat syncs the
 * result and uploads the recording. The branch supervisor then logs in, finds the callback by the customer's
 * ID number, plays it from the marker of its risk disclosure (the player lands within 1 s of the answer's
 * offset and plays on), downloads the original with its hash verified, and head office's audit shows each
 * action with the supervisor and the seat. Runs inside `unshare --net` (npm run test:rig).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { readDraft } from '../../electron/seat/store/drafts';
import type { WebHost } from '../../electron/web-host';
import { openHqDb } from '../../hq/db/database';
import { current } from '../../shared/scripts/engine';
import { launchChromium } from '../support/chromium';
import { BRANCH, PASSWORD } from '../support/fixtures';
import { freshDatabase, type TestDatabase } from '../support/hq-db';
import { freePort, startHqProcess } from '../support/hq-process';
import { seedHq } from '../support/hq-seed';
import { invoke } from '../support/review-scene';
import { plainAnswer } from '../support/script';
import { answerInRunner, CUSTOMER_NUMBER, dialConnected, openCustomer, rigHost, waitPhase } from './console';
import { type Kamailio, startKamailio } from './kamailio';
import { requirePrivateNetwork } from './netns';
import { type RigPages, rigChromiumArgs, startPages } from './pages';

const SCRIPTS = join(import.meta.dirname, '../../assets/scripts');

/** What the test reads of the page's audio element (compiled without the DOM's types). */
interface AudioLike {
  paused: boolean;
  currentTime: number;
}

describe.skipIf(process.env.SIP_RIG !== '1')(
  'the supervisor workspace after a real call on the SIP rig',
  () => {
    let dir: string;
    let kamailio: Kamailio;
    let pages: RigPages;
    let browser: Browser;
    let database: TestDatabase;
    let hq: ReturnType<typeof startHqProcess>;
    let seat: Seat;
    let host: WebHost;
    let seeded: Awaited<ReturnType<typeof seedHq>>;
    let customer: Awaited<ReturnType<typeof openCustomer>>;

    beforeAll(async () => {
      requirePrivateNetwork();
      dir = mkdtempSync(join(tmpdir(), 'rig-review-'));
      const hqDir = join(dir, 'hq');
      mkdirSync(hqDir);
      database = await freshDatabase('pglite', hqDir);
      const db = await database.open();
      seeded = await seedHq(db, { customers: 1, purposes: ['new_account'] });
      // The customer answers on the rig's customer phone.
      await db.db.updateTable('customers').set({ phone: CUSTOMER_NUMBER }).execute();
      await db.close();
      hq = startHqProcess({
        HQ_DATA_DIR: hqDir,
        DATABASE_URL: database.options().databaseUrl,
        HQ_PORT: String(await freePort()),
      });
      const hqUrl = await hq.url;
      kamailio = await startKamailio();
      pages = await startPages();
      browser = await launchChromium(rigChromiumArgs(pages.toneWav));

      seat = Seat.open({
        dbPath: join(dir, 'seat.db'),
        appVersion: 'rig',
        onDefect: (m, e) => console.error(m, e),
      });
      seat.store.ensureSeat(BRANCH);
      seat.loadScripts([SCRIPTS]);
      await invoke(inProcessBridge(seat), 'sync.enrol', {
        hqUrl,
        code: 'SH01',
        password: PASSWORD,
        name: '审核坐席',
      });
      await seat.sync.round();
      for (const [key, value] of [
        ['sip.wsUrl', kamailio.wsUrl],
        ['sip.uri', 'sip:8001@127.0.0.1'],
        ['sip.iceGatheringTimeoutMs', 100],
        ['audio.echoCancellation', false],
        ['audio.noiseSuppression', false],
        ['audio.autoGainControl', false],
      ] as const) {
        seat.store.setSetting(seeded.agent, key, value);
      }
      host = await rigHost(seat);
      customer = await openCustomer(browser, pages.customerUrl, kamailio.wsUrl);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await host?.close();
      await seat?.shutdown();
      await hq?.stop();
      await pages?.close();
      await kamailio?.stop();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('calls, records and syncs a callback; the supervisor finds it, plays its disclosure and downloads it', async () => {
      const taskId = seeded.tasks[0] as string;
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      page.setDefaultTimeout(20_000);
      await page.goto(`${host.url}/#token=${host.token}`);
      await page.getByLabel('工号').fill('A001');
      await page.getByLabel('密码').fill(PASSWORD);
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByRole('option').filter({ hasText: '客户001' }).first().click();
      const runner = page.getByRole('region', { name: '回访脚本' });
      await runner.waitFor();
      await page.getByText('电话：电话就绪').waitFor();
      await customer.setMode('answer');
      await dialConnected(page, customer);
      await page.locator('.rec').waitFor();

      // The script by keyboard, each answer at its moment of the call.
      for (let guard = 0; guard < 80; guard++) {
        const draft = readDraft(seat.store.db, taskId);
        if (!draft) throw new Error('no draft');
        const step = current(draft.state);
        if (step.kind === 'end') break;
        const before = draft.state.trail.length;
        await answerInRunner(page, step, plainAnswer(step));
        await expect
          .poll(() => readDraft(seat.store.db, taskId)?.state.trail.length ?? 0, { timeout: 10_000 })
          .toBe(before + 1);
      }
      await page.getByRole('button', { name: /^挂断/ }).click();
      await waitPhase(page, /通话结束/);
      const wrapUp = page.getByRole('region', { name: '回访小结' });
      await wrapUp.waitFor();
      await expect.poll(() => wrapUp.getByLabel('回访结果').inputValue()).toBe('completed');
      await wrapUp.getByLabel('备注').fill('客户配合良好。');
      await page.keyboard.press('Control+Enter');
      await page.getByText('回访结果已保存').waitFor();
      // Home: the result, and the recording once it is closed and uploaded.
      await expect
        .poll(
          async () => {
            await seat.sync.round();
            return seat.store.outboxStatus().pending === 0 && seat.store.uploadsWaiting() === 0;
          },
          { timeout: 30_000 },
        )
        .toBe(true);
      await page.getByRole('button', { name: '退出登录' }).click();

      // The branch supervisor.
      await page.getByLabel('工号').fill('SH01');
      await page.getByLabel('密码').fill(PASSWORD);
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByRole('textbox', { name: '客户' }).fill(seeded.idNumbers[0] as string);
      await page.getByRole('button', { name: '查询' }).click();
      const rows = page.getByRole('table', { name: '回访结果列表' }).locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(1);
      await rows.first().getByRole('button').click();
      const disclosure = page
        .getByRole('list', { name: '录音时间点' })
        .getByRole('button', { name: /风险揭示/ })
        .first();
      await disclosure.waitFor();

      const seatId = seat.store.seat()?.id;
      const resultId = (
        seat.store.db.prepare('SELECT id FROM results WHERE task_id = ?').get(taskId) as { id: string }
      ).id;
      const offsets = seat.store.db
        .prepare(
          `SELECT a.step_id AS stepId, a.recording_offset_ms AS offset FROM answers a WHERE a.result_id = ?
         ORDER BY a.recording_offset_ms`,
        )
        .all(resultId) as { stepId: string; offset: number }[];
      // The first risk disclosure answered, by the script the call used (the first disclosure marker).
      const disclosures = new Set(
        (seat.store.script('new_account', 1)?.steps ?? [])
          .filter((st) => st.kind === 'disclosure')
          .map((st) => st.id),
      );
      const at = offsets.find((o) => disclosures.has(o.stepId))?.offset;
      expect(at).toBeGreaterThan(0);

      await disclosure.click();
      await page.waitForFunction(
        (target) => {
          const el = (
            globalThis as unknown as { document: { querySelector(s: string): AudioLike | null } }
          ).document.querySelector('[data-testid="review-audio"]');
          return el !== null && !el.paused && el.currentTime > target && el.currentTime < target + 1;
        },
        (at as number) / 1000,
        { timeout: 20_000 },
      );

      await page.getByRole('button', { name: '下载录音原件' }).click();
      const local = seat.store.db
        .prepare(
          'SELECT sha256 FROM recordings WHERE attempt_id = (SELECT attempt_id FROM results WHERE id = ?)',
        )
        .get(resultId) as { sha256: string };
      await page.getByRole('status').filter({ hasText: local.sha256 }).waitFor();
      await page.close();

      await hq.stop();
      const db = await openHqDb(database.options());
      try {
        const entries = await db.db
          .selectFrom('audit')
          .innerJoin('users', 'users.id', 'audit.user_id')
          .select(['audit.action', 'audit.seat_id'])
          .where('users.code', '=', 'SH01')
          .where('audit.action', 'in', [
            'hq.search',
            'hq.result_view',
            'hq.recording_playback',
            'hq.recording_download',
          ])
          .execute();
        expect(new Set(entries.map((e) => `${e.action} ${e.seat_id}`))).toEqual(
          new Set(
            ['hq.search', 'hq.result_view', 'hq.recording_playback', 'hq.recording_download'].map(
              (a) => `${a} ${seatId}`,
            ),
          ),
        );
      } finally {
        await db.close();
      }
    }, 240_000);
  },
);
