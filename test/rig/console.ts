/**
 * The console (the built renderer, through the web host, on a real seat) driven on the SIP rig, and the
 * checks of its recordings with ffprobe, ffmpeg and sox.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { Seat } from '../../electron/seat/seat';
import { startWebHost, type WebHost } from '../../electron/web-host';
import type { AnswerValue, SetSettingArgs } from '../../shared/contract';
import { seatContentSecurityPolicy } from '../../shared/csp';
import type { StepView } from '../../shared/scripts/engine';
import { BRANCH, PASSWORD, smallBranch } from '../support/fixtures';
import type { CustomerMode, CustomerWindow, MediaProof } from './page-api';

export const STATIC = join(resolve(import.meta.dirname, '../..'), 'out/renderer');
export const CUSTOMER_NUMBER = '13812345678';

/** A seat on `dbPath` with the small branch (customer A is 13812345678) and its phone set for the rig. */
export async function rigSeat(dbPath: string, wsUrl: string, extra: SetSettingArgs[] = []) {
  const seat = Seat.open({ dbPath, appVersion: 'rig', onDefect: (m, e) => console.error('defect', m, e) });
  seat.store.ensureSeat(BRANCH);
  const branch = await smallBranch();
  seat.store.importReferenceData(branch.batch);
  seat.loadScripts([join(resolve(import.meta.dirname, '../..'), 'assets/scripts')]);
  const agentId = branch.batch.agents[0]?.id ?? '';
  const settings: SetSettingArgs[] = [
    { key: 'sip.wsUrl', value: wsUrl },
    { key: 'sip.uri', value: 'sip:8001@127.0.0.1' },
    { key: 'sip.iceGatheringTimeoutMs', value: 100 },
    // A steady test tone loses ~19 dB to the speech processing (TESTRIG): off, to measure the channels.
    { key: 'audio.echoCancellation', value: false },
    { key: 'audio.noiseSuppression', value: false },
    { key: 'audio.autoGainControl', value: false },
    ...extra,
  ];
  for (const s of settings) seat.store.setSetting(agentId, s.key, s.value);
  return { seat, branch };
}

export async function rigHost(seat: Seat): Promise<WebHost> {
  return startWebHost({
    seat,
    staticDir: STATIC,
    contentSecurityPolicy: () => seatContentSecurityPolicy(seat.store.settings()['sip.wsUrl']),
  });
}

/** The console in a page, logged in as A001, with the first task of `customer` (task A of 张伟) open. */
export async function openConsole(
  browser: Browser,
  url: string,
  cspViolations: string[],
  customer = '张伟',
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(20_000);
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) cspViolations.push(m.text());
  });
  await page.goto(url);
  await page.getByLabel('工号').fill('A001');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('option').filter({ hasText: customer }).first().click();
  await page.getByRole('region', { name: customer }).waitFor();
  return page;
}

/**
 * Answers the runner's current step with the keyboard, as an agent does: number keys choose, Space confirms
 * a disclosure, Enter answers; typed answers go into the step's field. Focus starts on the page itself.
 */
export async function answerInRunner(page: Page, step: StepView, value: AnswerValue): Promise<void> {
  const runner = page.getByRole('region', { name: '回访脚本' });
  await runner.locator('.step-text').click();
  const press = (key: string) => page.keyboard.press(key);
  if (step.kind === 'identity') await press(value === true ? '1' : '2');
  if (step.kind === 'disclosure') await press('Space');
  if (step.kind === 'question') {
    if (step.input === 'yes_no') await press(value === true ? '1' : '2');
    if (step.input === 'single_choice' || step.input === 'multi_choice') {
      const ids = (step.options ?? []).map((o) => o.id);
      for (const id of Array.isArray(value) ? value : [String(value)])
        await press(String(ids.indexOf(id) + 1));
    }
    if (step.input === 'free_text' || step.input === 'date' || step.input === 'number') {
      await runner.getByLabel('回答').fill(String(value));
      await runner.getByLabel('回答').focus();
    }
  }
  await press('Enter');
}

export const phaseText = (page: Page) => page.locator('.call-phase');

/** Presses 拨打 and waits until the call is connected at both ends (the customer phone set to answer). */
export async function dialConnected(page: Page, customer: { waitCall(state: string): Promise<unknown> }) {
  await page.getByRole('button', { name: /^拨打/ }).click();
  await waitPhase(page, '通话中');
  await customer.waitCall('established');
}

export async function waitPhase(page: Page, text: string | RegExp, timeout = 20_000): Promise<void> {
  await page.locator('.call-phase', { hasText: text }).waitFor({ timeout });
}

/**
 * The customer phone, registered as 13812345678 (with its digest password when Kamailio challenges), in
 * `mode` at once; `registered` tells whether the REGISTER succeeded.
 */
export async function openCustomer(browser: Browser, url: string, wsUrl: string, password?: string) {
  const page = await browser.newPage();
  await page.goto(url);
  const result = await page.evaluate((a) => (globalThis as unknown as CustomerWindow).customer.start(a), {
    wsUrl,
    user: CUSTOMER_NUMBER,
    iceGatheringTimeoutMs: 100,
    ...(password === undefined ? {} : { password }),
  });
  return { page, registered: result.registered, ...customerApi(page) };
}

export function customerApi(page: Page) {
  return {
    setMode: (mode: CustomerMode) =>
      page.evaluate((m) => (globalThis as unknown as CustomerWindow).customer.setMode(m), mode),
    media: (): Promise<MediaProof> =>
      page.evaluate(() => (globalThis as unknown as CustomerWindow).customer.media()),
    hangup: () => page.evaluate(() => (globalThis as unknown as CustomerWindow).customer.hangup()),
    vanish: () => page.evaluate(() => (globalThis as unknown as CustomerWindow).customer.vanish()),
    waitCall: (state: string, timeout = 20_000) =>
      page.waitForFunction(
        (s) => (globalThis as unknown as CustomerWindow).customer.calls.lastState === s,
        state,
        { timeout },
      ),
  };
}

export interface RecordingCheck {
  codec: string;
  channels: number;
  sha256: string;
  /** Dominant frequency and RMS of each channel, by sox `stat` on the decoded audio. */
  left: { hz: number; rms: number };
  right: { hz: number; rms: number };
  /** Decoded length, seconds. */
  seconds: number;
}

/** ffprobe the WebM, decode it with ffmpeg (into a separate file: the original is evidence), measure with sox. */
export function checkRecording(path: string, scratchDir: string): RecordingCheck {
  const probe = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_name,channels', '-of', 'json', path],
      {
        encoding: 'utf8',
      },
    ),
  ) as { streams: { codec_name: string; channels: number }[] };
  const wav = join(scratchDir, `${createHash('md5').update(path).digest('hex')}.wav`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path, '-ac', '2', '-ar', '48000', wav]);
  // sox prints `stat` on stderr; the first half second (connection set-up) is left out.
  const stat = (n: 1 | 2) => {
    const text = spawnSync('sox', [wav, '-n', 'trim', '0.5', 'remix', String(n), 'stat'], {
      encoding: 'utf8',
    }).stderr;
    const num = (label: string) =>
      Number(text.match(new RegExp(`${label}:\\s+(-?[\\d.]+)`))?.[1] ?? Number.NaN);
    return {
      hz: num('Rough\\s+frequency'),
      rms: num('RMS\\s+amplitude'),
      seconds: num('Length \\(seconds\\)'),
    };
  };
  const left = stat(1);
  const right = stat(2);
  return {
    codec: probe.streams[0]?.codec_name ?? '',
    channels: probe.streams[0]?.channels ?? 0,
    sha256: createHash('sha256').update(readFileSync(path)).digest('hex'),
    left: { hz: left.hz, rms: left.rms },
    right: { hz: right.hz, rms: right.rms },
    seconds: left.seconds + 0.5,
  };
}

export function expectTone(measured: { hz: number; rms: number }, hz: number): void {
  expect(measured.rms).toBeGreaterThan(0.05);
  expect(Math.abs(measured.hz - hz)).toBeLessThan(hz * 0.05);
}
