/**
 * The console phone against Kamailio with digest authentication: the right password registers and calls
 * (REGISTER challenged with 401, INVITE with 407); a wrong one (the rig answers 403) is shown as 被拒绝注册 with its
 * SIP code and not retried.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import {
  CUSTOMER_NUMBER,
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

describe.skipIf(process.env.SIP_RIG !== '1')('the console phone with digest authentication', () => {
  let dir: string;
  let kamailio: Kamailio;
  let pages: RigPages;
  let browser: Browser;

  beforeAll(async () => {
    requirePrivateNetwork();
    dir = mkdtempSync(join(tmpdir(), 'rig-auth-'));
    kamailio = await startKamailio({ auth: true });
    pages = await startPages();
    browser = await launchChromium(rigChromiumArgs(pages.toneWav));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await kamailio?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers with the right password and calls through the 407 challenge', async () => {
    const { seat } = await rigSeat(join(dir, 'good.db'), kamailio.wsUrl, [
      { key: 'sip.authUser', value: '8001' },
      { key: 'sip.password', value: 'secret8001' },
    ]);
    const host = await rigHost(seat);
    try {
      const customer = await openCustomer(
        browser,
        pages.customerUrl,
        kamailio.wsUrl,
        `secret${CUSTOMER_NUMBER}`,
      );
      expect(customer.registered).toBe(true);
      await customer.setMode('answer');
      const page = await openConsole(browser, `${host.url}/#token=${host.token}`, []);
      await page.getByText('电话：电话就绪').waitFor();
      await dialConnected(page, customer);
      await page.getByRole('button', { name: /^挂断/ }).click();
      await waitPhase(page, /通话结束.*已接通/);
      const log = kamailio.log();
      expect(log).toContain('AUTH challenge REGISTER 8001');
      expect(log).toContain('AUTH ok REGISTER 8001');
      expect(log).toContain('AUTH challenge INVITE 8001');
      expect(log).toContain('AUTH ok INVITE 8001');
    } finally {
      await host.close();
      seat.close();
    }
  }, 60_000);

  it('says 被拒绝注册（SIP 403） for a wrong password', async () => {
    const { seat } = await rigSeat(join(dir, 'bad.db'), kamailio.wsUrl, [
      { key: 'sip.authUser', value: '8001' },
      { key: 'sip.password', value: 'not-the-password' },
    ]);
    const host = await rigHost(seat);
    try {
      const page = await openConsole(browser, `${host.url}/#token=${host.token}`, []);
      await page.getByText('电话：被拒绝注册（SIP 403：').waitFor();
      await expect(page.getByRole('button', { name: /^拨打/ }).isDisabled()).resolves.toBe(true);
    } finally {
      await host.close();
      seat.close();
    }
  }, 60_000);
});
