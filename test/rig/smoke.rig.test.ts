import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { type Kamailio, startKamailio } from './kamailio';
import { requirePrivateNetwork } from './netns';
import type {
  CallerWindow,
  CustomerMode,
  CustomerModeOptions,
  CustomerWindow,
  DialOptions,
  DialResult,
  MediaProof,
  RegisterResult,
  RigAccount,
} from './page-api';
import { type RigPages, rigChromiumArgs, startPages } from './pages';

/**
 * The SIP rig end to end: Kamailio (registrar + proxy over WebSocket), the customer phone and the bare sip.js
 * caller in Chromium, every packet on loopback inside `unshare --net` (run by `bash test/rig/run.sh …`, which
 * the rig's vitest config marks with SIP_RIG=1; the root config skips this file).
 */
const CUSTOMER = '13812345678';
const CALLER = '8001';
const WAIT = { timeout: 10_000 };
/** RMS of a received tone (sent at about 0.35 RMS) vs. silence. */
const AUDIBLE = 0.05;
const SILENT = 0.01;

const timings: Record<string, number[]> = {};
function record(name: string, ms: number | null | undefined): void {
  if (typeof ms !== 'number') return;
  timings[name] ??= [];
  timings[name].push(ms);
}

describe.skipIf(process.env.SIP_RIG !== '1')('SIP rig: Kamailio + customer phone + bare caller', () => {
  let pages: RigPages;
  let browser: Browser;
  let customerPage: Page;
  let callerPage: Page;
  const pageErrors: string[] = [];

  const customer = {
    start: (account: RigAccount) =>
      customerPage.evaluate((a) => (globalThis as unknown as CustomerWindow).customer.start(a), account),
    setMode: (mode: CustomerMode, options: CustomerModeOptions = {}) =>
      customerPage.evaluate(([m, o]) => (globalThis as unknown as CustomerWindow).customer.setMode(m, o), [
        mode,
        options,
      ] as const),
    calls: () => customerPage.evaluate(() => (globalThis as unknown as CustomerWindow).customer.calls),
    media: (): Promise<MediaProof> =>
      customerPage.evaluate(() => (globalThis as unknown as CustomerWindow).customer.media()),
    hangup: () => customerPage.evaluate(() => (globalThis as unknown as CustomerWindow).customer.hangup()),
    stop: () => customerPage.evaluate(() => (globalThis as unknown as CustomerWindow).customer.stop()),
    /** Waits until the customer's last call is in `state` (and ended as `end`, when given). */
    waitCall: (state: string, end?: string) =>
      customerPage.waitForFunction(
        ([s, e]) => {
          const calls = (globalThis as unknown as CustomerWindow).customer.calls;
          return calls.lastState === s && (e === undefined || calls.lastEnd === e);
        },
        [state, end] as const,
        WAIT,
      ),
  };
  const caller = {
    start: (account: RigAccount): Promise<RegisterResult> =>
      callerPage.evaluate((a) => (globalThis as unknown as CallerWindow).caller.start(a), account),
    dial: (target: string, options: DialOptions = {}): Promise<DialResult> =>
      callerPage.evaluate(([t, o]) => (globalThis as unknown as CallerWindow).caller.dial(t, o), [
        target,
        options,
      ] as const),
    call: () => callerPage.evaluate(() => (globalThis as unknown as CallerWindow).caller.call),
    media: (): Promise<MediaProof> =>
      callerPage.evaluate(() => (globalThis as unknown as CallerWindow).caller.media()),
    hangup: () => callerPage.evaluate(() => (globalThis as unknown as CallerWindow).caller.hangup()),
    stop: () => callerPage.evaluate(() => (globalThis as unknown as CallerWindow).caller.stop()),
  };

  async function openPage(url: string, title: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => pageErrors.push(`${title}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${title}: ${message.text()}`);
    });
    await page.goto(url);
    await page.waitForFunction(
      (t) => (globalThis as unknown as { document: { title: string } }).document.title === t,
      title,
      WAIT,
    );
    return page;
  }

  async function startRig(options: { auth?: boolean } = {}): Promise<Kamailio> {
    const t0 = performance.now();
    const kamailio = await startKamailio(options);
    record('kamailio spawn → ws accepting', performance.now() - t0);
    return kamailio;
  }

  /** Both phones registered; the caller's registration time recorded. */
  async function registerBoth(wsUrl: string, auth: boolean): Promise<void> {
    const customerResult = await customer.start({
      wsUrl,
      user: CUSTOMER,
      ...(auth ? { password: `secret${CUSTOMER}` } : {}),
    });
    expect(customerResult).toMatchObject({ registered: true, code: 200 });
    const callerResult = await caller.start({
      wsUrl,
      user: CALLER,
      ...(auth ? { password: `secret${CALLER}` } : {}),
    });
    expect(callerResult).toMatchObject({ registered: true, code: 200 });
    record(auth ? 'register with digest auth' : 'register', callerResult.ms);
  }

  /** An answered call with audio both ways, then the caller hangs up and the customer sees the BYE. */
  async function answeredCall(): Promise<void> {
    await customer.setMode('answer');
    const before = (await customer.calls()).received;
    const result = await caller.dial(CUSTOMER);
    expect(result).toMatchObject({ outcome: 'established', code: 200 });
    expect(result.provisional).toContain(180);
    record('invite() → INVITE on the wire', result.inviteToWireMs);
    record('INVITE on the wire → Established', result.wireToEstablishedMs);
    record('invite() → Established', result.inviteToEstablishedMs);
    await customer.waitCall('established');
    expect((await customer.calls()).received).toBe(before + 1);
    expect((await customer.calls()).lastFrom).toBe(CALLER);

    // The caller hears the customer's 999 Hz tone, the customer the caller's 440 Hz microphone.
    await expect
      .poll(caller.media, WAIT)
      .toSatisfy((m: MediaProof) => m.bytesReceived > 0 && m.bytesSent > 0 && m.rms > AUDIBLE);
    await expect
      .poll(customer.media, WAIT)
      .toSatisfy((m: MediaProof) => m.bytesReceived > 0 && m.bytesSent > 0 && m.rms > AUDIBLE);
    expect(Math.abs((await caller.media()).peakHz - 999)).toBeLessThan(30);
    expect(Math.abs((await customer.media()).peakHz - 440)).toBeLessThan(30);
    await expect.poll(async () => (await caller.call()).establishedToFirstRtpMs, WAIT).not.toBeNull();
    record('Established → first RTP received', (await caller.call()).establishedToFirstRtpMs);

    await caller.hangup();
    await customer.waitCall('terminated', 'bye_remote');
    expect((await caller.call()).state).toBe('terminated');
  }

  beforeAll(async () => {
    requirePrivateNetwork();
    pages = await startPages();
    const t0 = performance.now();
    browser = await launchChromium(rigChromiumArgs(pages.toneWav));
    record('chromium launch', performance.now() - t0);
    customerPage = await openPage(pages.customerUrl, 'customer phone ready');
    callerPage = await openPage(pages.callerUrl, 'bare caller ready');
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    const lines = Object.entries(timings).map(([name, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
      return `  ${name}: median ${median.toFixed(1)} ms (n=${values.length}, min ${sorted[0]?.toFixed(1)}, max ${sorted.at(-1)?.toFixed(1)})`;
    });
    process.stdout.write(`\nSIP rig timings:\n${lines.join('\n')}\n`);
    if (pageErrors.length > 0) process.stdout.write(`page errors:\n  ${pageErrors.join('\n  ')}\n`);
  });

  describe('open registrar (no auth)', () => {
    let kamailio: Kamailio;
    beforeAll(async () => {
      kamailio = await startRig();
    });
    afterAll(async () => {
      await customer.stop();
      await caller.stop();
      await kamailio?.stop();
    });

    it('registers the customer phone and the caller', async () => {
      await registerBoth(kamailio.wsUrl, false);
    });

    it('answer: established, audio both ways, the caller hangs up and the customer sees the BYE', async () => {
      await answeredCall();
    });

    it('times a few more answered calls (call setup only)', async () => {
      await customer.setMode('answer');
      for (let i = 0; i < 5; i++) {
        const result = await caller.dial(CUSTOMER);
        expect(result.outcome).toBe('established');
        record('invite() → INVITE on the wire', result.inviteToWireMs);
        record('INVITE on the wire → Established', result.wireToEstablishedMs);
        record('invite() → Established', result.inviteToEstablishedMs);
        await customer.waitCall('established');
        await caller.hangup();
        await customer.waitCall('terminated', 'bye_remote');
      }
    });

    it('silent: RTP flows but the caller hears nothing; the customer hangs up', async () => {
      await customer.setMode('silent', { answerDelayMs: 200 });
      const result = await caller.dial(CUSTOMER);
      expect(result.outcome).toBe('established');
      await expect.poll(caller.media, WAIT).toSatisfy((m: MediaProof) => m.packetsReceived > 20);
      expect((await caller.media()).rms).toBeLessThan(SILENT);
      await customer.hangup();
      await callerPage.waitForFunction(
        () => {
          const call = (globalThis as unknown as CallerWindow).caller.call;
          return call.state === 'terminated' && call.endedByRemote;
        },
        undefined,
        WAIT,
      );
      expect((await customer.calls()).lastEnd).toBe('bye_local');
    });

    it('busy: the caller gets 486', async () => {
      await customer.setMode('busy');
      const result = await caller.dial(CUSTOMER);
      expect(result).toMatchObject({ outcome: 'rejected', code: 486 });
      await customer.waitCall('terminated', 'rejected');
    });

    it('reject: the caller gets 603', async () => {
      await customer.setMode('reject');
      const result = await caller.dial(CUSTOMER);
      expect(result).toMatchObject({ outcome: 'rejected', code: 603 });
      await customer.waitCall('terminated', 'rejected');
    });

    it('no answer: 180 Ringing, the caller cancels after 1 s, 487', async () => {
      await customer.setMode('no_answer');
      const t0 = performance.now();
      const result = await caller.dial(CUSTOMER, { cancelAfterRingingMs: 1_000 });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(1_000);
      expect(result).toMatchObject({ outcome: 'rejected', code: 487, cancelled: true });
      expect(result.provisional).toContain(180);
      await customer.waitCall('terminated', 'cancelled');
    });

    it('unknown number: 404 from the registrar lookup, the customer never rings', async () => {
      const before = (await customer.calls()).received;
      const result = await caller.dial('13900000000');
      expect(result).toMatchObject({ outcome: 'rejected', code: 404 });
      expect((await customer.calls()).received).toBe(before);
    });
  });

  describe('digest authentication (-A WITH_AUTH)', () => {
    let kamailio: Kamailio;
    beforeAll(async () => {
      kamailio = await startRig({ auth: true });
    });
    afterAll(async () => {
      await customer.stop();
      await caller.stop();
      await kamailio?.stop();
    });

    it('registers with the right passwords and places a call through the 407 challenge', async () => {
      await registerBoth(kamailio.wsUrl, true);
      await answeredCall();
      const log = kamailio.log();
      expect(log).toContain(`AUTH challenge REGISTER ${CALLER}`);
      expect(log).toContain(`AUTH ok REGISTER ${CALLER}`);
      expect(log).toContain(`AUTH challenge INVITE ${CALLER}`);
      expect(log).toContain(`AUTH ok INVITE ${CALLER}`);
    });

    it('refuses a REGISTER with a wrong password', async () => {
      const result = await caller.start({ wsUrl: kamailio.wsUrl, user: '8002', password: 'wrong' });
      // The config refuses a wrong password with 403 (a re-challenge would end in 401 at sip.js).
      expect(result).toMatchObject({ registered: false, code: 403 });
      expect(kamailio.log()).toContain('AUTH refused 8002 for REGISTER (-2)');
    });

    it('unknown number: 404 after the challenge', async () => {
      const registered = await caller.start({
        wsUrl: kamailio.wsUrl,
        user: CALLER,
        password: `secret${CALLER}`,
      });
      expect(registered.registered).toBe(true);
      const result = await caller.dial('13900000000');
      expect(result).toMatchObject({ outcome: 'rejected', code: 404 });
    });
  });
});
