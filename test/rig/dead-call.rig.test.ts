/**
 * Dead calls on the SIP rig (issue 16, point 3): the far end is gone but nothing said so. The console (built
 * renderer, web host, real seat, Kamailio, the customer phone in Chromium) must notice, end the call as
 * 通话中断 with a clear message, close the recording and record the attempt truthfully (answered, then
 * `interrupted`), and warn the agent first. Cases:
 *
 * - media that never flows (the customer answers and sends no RTP at all);
 * - a BYE that cannot reach the seat (Kamailio killed, then the customer hangs up; Kamailio comes back);
 * - the far end's peer connection vanishing with no BYE (ICE goes disconnected, then failed), on a seat whose
 *   no-media limit is long, so that it is ICE failure that ends the call;
 * - and the control: a customer who is silent but whose line is alive is warned about, never hung up on.
 *
 * The limits are the seat's settings (`sip.silenceWarnSec`, `sip.deadCallSec`), set short here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seat } from '../../electron/seat/seat';
import type { WebHost } from '../../electron/web-host';
import type { SetSettingArgs } from '../../shared/contract';
import { launchChromium } from '../support/chromium';
import {
  checkRecording,
  dialConnected,
  openConsole,
  openCustomer,
  rigHost,
  rigSeat,
  waitPhase,
} from './console';
import { type Kamailio, startKamailio } from './kamailio';
import { requirePrivateNetwork } from './netns';
import { type RigPages, rigChromiumArgs, startPages } from './pages';

interface Ending {
  outcome: string;
  sipCode: number | null;
  answeredAt: string | null;
  endedAt: string;
}

describe.skipIf(process.env.SIP_RIG !== '1')('dead calls on the SIP rig', () => {
  let dir: string;
  let kamailio: Kamailio;
  let pages: RigPages;
  let browser: Browser;
  let customer: Awaited<ReturnType<typeof openCustomer>>;
  let seat: Seat;
  let host: WebHost;
  let page: Page;
  const csp: string[] = [];
  const iceLog: string[] = [];

  const lastEnding = () =>
    seat.store.db
      .prepare(
        `SELECT e.outcome, e.sip_code AS sipCode, e.answered_at AS answeredAt, e.ended_at AS endedAt
         FROM attempts a JOIN attempt_endings e ON e.attempt_id = a.id ORDER BY a.started_at DESC LIMIT 1`,
      )
      .get() as Ending | undefined;
  const endings = () =>
    (seat.store.db.prepare('SELECT count(*) AS n FROM attempt_endings').get() as { n: number }).n;
  const lastRecording = () =>
    seat.store.db
      .prepare(
        `SELECT r.path, r.sha256, r.status FROM recordings r JOIN attempts a ON a.id = r.attempt_id
         ORDER BY a.started_at DESC LIMIT 1`,
      )
      .get() as { path: string; sha256: string; status: string } | undefined;

  /** A seat with these limits and its console, logged in with task A (张伟) open and the phone registered. */
  async function openSeat(name: string, extra: SetSettingArgs[]) {
    ({ seat } = await rigSeat(join(dir, `${name}.db`), kamailio.wsUrl, extra));
    host = await rigHost(seat);
    page = await openConsole(browser, `${host.url}/#token=${host.token}`, csp);
    page.on('console', (m) => {
      if (m.text().startsWith('ICE ') || m.text().startsWith('call ended by the phone'))
        iceLog.push(m.text());
    });
    await page.getByText('电话：电话就绪').waitFor();
  }
  async function closeSeat() {
    await page?.close();
    await host?.close();
    seat?.close();
  }

  beforeAll(async () => {
    requirePrivateNetwork();
    dir = mkdtempSync(join(tmpdir(), 'rig-dead-'));
    kamailio = await startKamailio();
    pages = await startPages();
    browser = await launchChromium(rigChromiumArgs(pages.toneWav));
    customer = await openCustomer(browser, pages.customerUrl, kamailio.wsUrl);
  }, 60_000);

  afterAll(async () => {
    await closeSeat();
    await browser?.close();
    await pages?.close();
    await kamailio?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('no-media limit 6 s, warning at 3 s', () => {
    beforeAll(
      () =>
        openSeat('short', [
          { key: 'sip.deadCallSec', value: 6 },
          { key: 'sip.silenceWarnSec', value: 3 },
        ]),
      60_000,
    );
    afterAll(closeSeat);

    it('ends a call whose media never flows as 通话中断, after a warning, recording closed', async () => {
      await customer.setMode('no_media');
      const before = endings();
      await dialConnected(page, customer);
      const warning = page.locator('.call-warning[data-warning="no_media"]');
      await warning.waitFor({ timeout: 10_000 });
      expect(await warning.textContent()).toContain('收不到客户的语音数据');
      await waitPhase(page, /通话结束 · 通话中断 · 收不到客户语音，已自动挂断/, 15_000);
      expect(await page.getByRole('alert').filter({ hasText: '通话已中断' }).textContent()).toContain(
        '录音已保存',
      );
      // The seat's BYE reached the customer: the dialog is over at both ends.
      await customer.waitCall('terminated');
      await expect.poll(endings).toBe(before + 1);
      const ending = lastEnding();
      expect(ending).toMatchObject({ outcome: 'interrupted', sipCode: 200 });
      const talked = Date.parse(ending?.endedAt ?? '') - Date.parse(ending?.answeredAt ?? '');
      // Six seconds without a packet from the answer, checked once a second.
      expect(talked).toBeGreaterThanOrEqual(6_000);
      expect(talked).toBeLessThan(9_500);
      await expect.poll(() => lastRecording()?.status, { timeout: 15_000 }).toBe('finished');
      const rec = lastRecording();
      const check = checkRecording(rec?.path ?? '', dir);
      expect(check.channels).toBe(2);
      expect(check.sha256).toBe(rec?.sha256);
      // The agent's 440 Hz on the left; the customer's channel holds nothing.
      expect(check.left.rms).toBeGreaterThan(0.05);
      expect(check.right.rms).toBeLessThan(0.01);
    }, 60_000);

    it('warns about a silent customer whose line is alive, and never hangs up on them', async () => {
      await customer.setMode('silent');
      const before = endings();
      await dialConnected(page, customer);
      const warning = page.locator('.call-warning[data-warning="customer_silent"]');
      await warning.waitFor({ timeout: 10_000 });
      expect(await warning.textContent()).toContain('客户长时间没有声音');
      // Twice the no-media limit later the call is still up: RTP keeps arriving.
      await page.waitForTimeout(12_000);
      expect(await page.locator('.call-phase').textContent()).toBe('通话中');
      expect(endings()).toBe(before);
      await page.getByRole('button', { name: /^挂断/ }).click();
      await waitPhase(page, /通话结束 · 已接通 · 坐席挂断/);
      await expect.poll(endings).toBe(before + 1);
      expect(lastEnding()).toMatchObject({ outcome: 'answered', sipCode: 200 });
    }, 60_000);

    it('shows who hung up when the customer does', async () => {
      await customer.setMode('answer');
      const before = endings();
      await dialConnected(page, customer);
      await customer.hangup();
      await waitPhase(page, /通话结束 · 已接通 · 客户挂断/);
      await expect.poll(endings).toBe(before + 1);
      expect(lastEnding()).toMatchObject({ outcome: 'answered' });
    }, 60_000);

    it('ends the call when the customer’s BYE is lost (Kamailio killed mid-call), and the phone comes back', async () => {
      await customer.setMode('answer');
      const before = endings();
      await dialConnected(page, customer);
      await kamailio.stop();
      // The customer hangs up; the BYE has nowhere to go.
      await customer.hangup();
      await waitPhase(page, /通话结束 · 通话中断 · (收不到客户语音|网络连接中断)，已自动挂断/, 20_000);
      await expect.poll(endings).toBe(before + 1);
      expect(lastEnding()).toMatchObject({ outcome: 'interrupted', sipCode: 200 });
      await expect.poll(() => lastRecording()?.status, { timeout: 15_000 }).toBe('finished');
      const check = checkRecording(lastRecording()?.path ?? '', dir);
      expect(check.channels).toBe(2);
      expect(check.sha256).toBe(lastRecording()?.sha256);
      // The recording runs from the answer until the seat ended the call: the customer's short tone, then the
      // six seconds without a packet. (Its frequency is not measured: the channel is mostly that silence.)
      expect(check.seconds).toBeGreaterThanOrEqual(6);
      kamailio = await startKamailio();
      await page.getByText('电话：电话就绪').waitFor({ timeout: 30_000 });
      // The new Kamailio knows no one: the customer phone registers afresh.
      await customer.page.close();
      customer = await openCustomer(browser, pages.customerUrl, kamailio.wsUrl);
      expect(customer.registered).toBe(true);
    }, 90_000);
  });

  describe('no-media limit 120 s: ICE failure ends the call', () => {
    beforeAll(
      () =>
        openSeat('long', [
          { key: 'sip.deadCallSec', value: 120 },
          { key: 'sip.silenceWarnSec', value: 60 },
        ]),
      60_000,
    );
    afterAll(closeSeat);

    it('warns while ICE is disconnected and ends as 通话中断 when it fails', async () => {
      await customer.setMode('answer');
      const before = endings();
      await dialConnected(page, customer);
      const vanished = Date.now();
      await customer.vanish();
      await page.locator('.call-warning[data-warning="network"]').waitFor({ timeout: 30_000 });
      await waitPhase(page, /通话结束 · 通话中断 · 网络连接中断，已自动挂断/, 60_000);
      const took = Date.now() - vanished;
      // Chromium fails the connection some 15 s after the far end stops answering its consent checks.
      expect(took).toBeLessThan(60_000);
      expect(iceLog.at(-1)).toBe('call ended by the phone: ice_failed');
      expect(iceLog.some((line) => /^ICE (failed|\w+, connection failed)/.test(line))).toBe(true);
      await expect.poll(endings).toBe(before + 1);
      expect(lastEnding()).toMatchObject({ outcome: 'interrupted', sipCode: 200 });
      await expect.poll(() => lastRecording()?.status, { timeout: 15_000 }).toBe('finished');
      expect(csp).toEqual([]);
    }, 120_000);
  });
});
