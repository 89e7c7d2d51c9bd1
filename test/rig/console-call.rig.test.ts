/**
 * The console's phone on the SIP rig: the built console in Chromium (440 Hz fake microphone) on a real seat,
 * Kamailio, and the customer phone (999 Hz). Register, dial from the task, audio both ways, hang up from
 * either side, the mandatory stereo recording checked with ffprobe and sox, the SIP outcomes, and
 * re-registration after Kamailio restarts. Runs inside `unshare --net` (npm run test:rig).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seat } from '../../electron/seat/seat';
import type { WebHost } from '../../electron/web-host';
import { launchChromium } from '../support/chromium';
import {
  checkRecording,
  dialConnected,
  expectTone,
  openConsole,
  openCustomer,
  rigHost,
  rigSeat,
  waitPhase,
} from './console';
import { type Kamailio, startKamailio } from './kamailio';
import { requirePrivateNetwork } from './netns';
import { type RigPages, rigChromiumArgs, startPages } from './pages';

describe.skipIf(process.env.SIP_RIG !== '1')('the console phone on the SIP rig', () => {
  let dir: string;
  let kamailio: Kamailio;
  let pages: RigPages;
  let browser: Browser;
  let seat: Seat;
  let host: WebHost;
  let consolePage: Page;
  let customer: Awaited<ReturnType<typeof openCustomer>>;
  const csp: string[] = [];

  const attempts = () =>
    seat.store.db
      .prepare(
        `SELECT e.outcome, e.sip_code AS sipCode FROM attempts a JOIN attempt_endings e ON e.attempt_id = a.id
         ORDER BY a.started_at`,
      )
      .all() as { outcome: string; sipCode: number | null }[];

  beforeAll(async () => {
    requirePrivateNetwork();
    dir = mkdtempSync(join(tmpdir(), 'rig-console-'));
    kamailio = await startKamailio();
    pages = await startPages();
    browser = await launchChromium(rigChromiumArgs(pages.toneWav));
    ({ seat } = await rigSeat(join(dir, 'seat.db'), kamailio.wsUrl, [
      { key: 'sip.ringTimeoutSec', value: 10 },
    ]));
    host = await rigHost(seat);
    customer = await openCustomer(browser, pages.customerUrl, kamailio.wsUrl);
    consolePage = await openConsole(browser, `${host.url}/#token=${host.token}`, csp);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    seat?.close();
    await pages?.close();
    await kamailio?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers, shown in the status bar, with the PBX allowed by the page CSP', async () => {
    await consolePage.getByText('电话：电话就绪').waitFor();
    expect(csp).toEqual([]);
  });

  it('dials the customer, carries audio both ways, records it in stereo, and hangs up', async () => {
    await customer.setMode('answer');
    await dialConnected(consolePage, customer);
    await consolePage.locator('.rec').waitFor();
    // The customer hears the agent's 440 Hz.
    await expect.poll(async () => (await customer.media()).rms, { timeout: 10_000 }).toBeGreaterThan(0.05);
    const heard = await customer.media();
    expect(heard.bytesReceived).toBeGreaterThan(0);
    expect(Math.abs(heard.peakHz - 440)).toBeLessThan(30);
    // The agent's side, as the console shows it: RTP both ways in the quality indicator (getStats), and the
    // customer's 999 Hz (sent at half scale, about −9 dBFS) on the customer-level meter, well above −30 dBFS.
    const quality = consolePage.locator('.call-quality');
    const counter = async (name: string) => Number((await quality.getAttribute(name)) ?? Number.NaN);
    await expect.poll(() => counter('data-bytes-sent'), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => counter('data-bytes-received'), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await quality.textContent()).toMatch(/^网络 (良好|一般|差)$/);
    expect(await quality.getAttribute('title')).toMatch(/已发送 [\d.]+ KB · 已接收 [\d.]+ KB/);
    const customerLevel = consolePage.getByRole('meter', { name: '客户音量' });
    await expect
      .poll(async () => Number((await customerLevel.getAttribute('value')) ?? Number.NaN), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0.5);
    // Three seconds of call: three chunks on the seat's disk.
    await expect
      .poll(
        () =>
          (
            seat.store.db.prepare('SELECT next_seq AS n FROM recordings_open').get() as
              | { n: number }
              | undefined
          )?.n ?? 0,
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThanOrEqual(3);
    await consolePage.screenshot({ path: join(import.meta.dirname, '../../docs/screenshots/call.png') });

    await consolePage.getByRole('button', { name: /^挂断/ }).click();
    await waitPhase(consolePage, /通话结束.*已接通/);
    await customer.waitCall('terminated');
    await expect
      .poll(
        () => seat.store.db.prepare("SELECT count(*) AS n FROM recordings WHERE status = 'finished'").get(),
        {
          timeout: 15_000,
        },
      )
      .toEqual({ n: 1 });
    const rec = seat.store.db.prepare('SELECT path, sha256, size_bytes AS size FROM recordings').get() as {
      path: string;
      sha256: string;
      size: number;
    };
    const check = checkRecording(rec.path, dir);
    expect(check.codec).toBe('opus');
    expect(check.channels).toBe(2);
    expect(check.sha256).toBe(rec.sha256);
    expectTone(check.left, 440);
    expectTone(check.right, 999);
    expect(check.seconds).toBeGreaterThan(2.5);
    expect(attempts().at(-1)).toEqual({ outcome: 'answered', sipCode: 200 });
  }, 90_000);

  it('plays the recording back in the seat, audited', async () => {
    await consolePage.getByRole('button', { name: '我的录音' }).click();
    const table = consolePage.getByRole('table', { name: '我的录音' });
    await table.getByRole('row').filter({ hasText: '张伟' }).first().waitFor();
    await table.getByRole('button', { name: '播放' }).first().click();
    const player = consolePage.getByLabel('录音播放器');
    await player.waitFor();
    // The browser decodes the seat's file: metadata loaded, and it plays.
    await consolePage.waitForFunction(() => {
      const audio = (
        globalThis as unknown as {
          document: { querySelector(s: string): { readyState: number; currentTime: number } | null };
        }
      ).document.querySelector('audio.player');
      return audio !== null && audio.readyState >= 2 && audio.currentTime > 0.2;
    });
    expect(
      seat.store.db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'recording.play'").get(),
    ).toEqual({ n: 1 });
    await consolePage.screenshot({
      path: join(import.meta.dirname, '../../docs/screenshots/recordings.png'),
    });
    await consolePage.getByRole('button', { name: '回访任务' }).click();
    await consolePage.getByRole('option').filter({ hasText: '张伟' }).click();
    await consolePage.getByRole('region', { name: '张伟' }).waitFor();
  }, 60_000);

  it('ends when the customer hangs up', async () => {
    await customer.setMode('answer');
    await dialConnected(consolePage, customer);
    await customer.hangup();
    await waitPhase(consolePage, /通话结束.*已接通/);
    await expect.poll(() => attempts().length).toBe(2);
    expect(attempts().at(-1)?.outcome).toBe('answered');
  }, 60_000);

  for (const [mode, text, outcome, code] of [
    ['busy', '忙线', 'busy', 486],
    ['reject', '拒接', 'declined', 603],
  ] as const) {
    it(`records a ${mode} customer as ${outcome} (${code})`, async () => {
      await customer.setMode(mode);
      const before = attempts().length;
      await consolePage.getByRole('button', { name: /^拨打/ }).click();
      await waitPhase(consolePage, new RegExp(`通话结束.*${text}`));
      await expect.poll(() => attempts().length).toBe(before + 1);
      expect(attempts().at(-1)).toEqual({ outcome, sipCode: code });
    }, 60_000);
  }

  it('cancels an unanswered call at the ring timeout and records no answer', async () => {
    await customer.setMode('no_answer');
    const before = attempts().length;
    await consolePage.getByRole('button', { name: /^拨打/ }).click();
    await waitPhase(consolePage, '振铃中');
    await waitPhase(consolePage, /通话结束.*无人接听/, 30_000);
    await expect.poll(() => attempts().length).toBe(before + 1);
    expect(attempts().at(-1)?.outcome).toBe('no_answer');
  }, 60_000);

  it('records a number nobody has as invalid (404)', async () => {
    // Customer B's number is registered by nobody on the rig.
    await consolePage.getByRole('button', { name: '返回列表' }).click();
    await consolePage.getByRole('option').filter({ hasText: '欧阳明月' }).click();
    await consolePage.getByRole('region', { name: '欧阳明月' }).waitFor();
    const before = attempts().length;
    await consolePage.getByRole('button', { name: /^拨打/ }).click();
    await waitPhase(consolePage, /通话结束.*空号/);
    await expect.poll(() => attempts().length).toBe(before + 1);
    expect(attempts().at(-1)).toEqual({ outcome: 'invalid_number', sipCode: 404 });
  }, 60_000);

  it('shows the loss when Kamailio stops, and registers again by itself within 30 s of its return', async () => {
    await kamailio.stop();
    await consolePage.getByText(/电话：(正在连接电话服务器|SIP 服务器无法连接)/).waitFor({ timeout: 20_000 });
    const back = Date.now();
    kamailio = await startKamailio();
    await consolePage.getByText('电话：电话就绪').waitFor({ timeout: 30_000 });
    expect(Date.now() - back).toBeLessThan(30_000);
  }, 90_000);
});
