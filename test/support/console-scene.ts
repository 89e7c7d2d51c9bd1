/**
 * The seat's console as the browser end-to-end tests meet it: a seat (by default the demo one: seedDemo on the
 * seat's own clock, the shipped scripts and training personas, no PBX) behind the web host serving the built
 * renderer (out/renderer, `npm run build`), Debian's Chromium (test/support/chromium.ts) and a page on it.
 * `openConsoleScene(options)` gives `{ seat, host, browser, page, login(agent), close() }` and the store
 * queries the tests share; per-test differences (settings, the seat's clock, the microphone, a seat of the
 * test's own) are options. Also here: axe-core's serious findings, the script walked by keyboard, the training
 * customer's progress, persona files and China-time helpers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../../electron/seat/demo/seed';
import { Seat } from '../../electron/seat/seat';
import { readDraft } from '../../electron/seat/store/drafts';
import { startWebHost, type WebHost } from '../../electron/web-host';
import type { AnswerValue, SettingKey, Settings } from '../../shared/contract';
import { seatContentSecurityPolicy } from '../../shared/csp';
import { plainAnswer } from '../../shared/scripts/answers';
import { current, type StepView } from '../../shared/scripts/engine';
import { type Persona, parsePersona } from '../../shared/training/persona';
import { launchChromium } from './chromium';
import { tempDir } from './fixtures';

export const REPO = resolve(import.meta.dirname, '../..');
/** The renderer build the web host serves. */
export const STATIC = join(REPO, 'out/renderer');
const PERSONAS = join(REPO, 'assets/training/personas');
/** The scene's default wait (ms): the page's default timeout, and the tests' polls. */
export const T = 20_000;

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;
/** The calling window and retry times are China time (UTC+8), as renderer/components/WrapUp.tsx has them. */
export const CHINA_MS = 8 * HOUR;
/** Minutes since midnight of `HH:MM`. */
export const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
/** `YYYY-MM-DDTHH:MM` in China time, as the wrap-up's datetime-local field takes it. */
export const chinaField = (ms: number) => new Date(ms + CHINA_MS).toISOString().slice(0, 16);

/**
 * The agent's microphone:
 * - `fake`: Chromium's fake device (it beeps), media allowed without asking, audio autoplays and timers run
 *   in the background;
 * - `synthetic`: the same but the microphone is a 440 Hz tone, silent until `speak(page, ms)`;
 * - `none`: Chromium with none of these flags (screens with no call).
 */
export type Microphone = 'fake' | 'synthetic' | 'none';

export interface ConsoleSceneOptions {
  /** A seat the test has opened (e.g. enrolled with head office): served as it is, and not closed here. */
  seat?: Seat;
  /** The demo seat's clock (its deadlines are seeded around it). */
  now?: () => Date;
  /** The demo seat loads the shipped scripts (default true) and training personas (default true). */
  scripts?: boolean;
  personas?: boolean;
  /** Settings the demo seat's supervisor (A001) sets before anyone logs in. */
  settings?: Partial<Settings>;
  /** The seat's own content security policy (its PBX allowed), as the seat's host serves it. */
  seatCsp?: boolean;
  microphone?: Microphone;
  /** The page's default timeout (ms); T unless given. */
  timeout?: number;
  /** How often the demo seat announces due 约定回拨 (the seat's default unless given). */
  appointmentCheckMs?: number;
}

/**
 * The agent's synthetic microphone: a tone through a gain that is 0 until `__speak(ms)` (page context). Every
 * dial's getUserMedia gets a fresh one; `__speak` speaks into the latest.
 */
const SYNTHETIC_MIC = `(() => {
  let voice = null;
  let context = null;
  const devices = navigator.mediaDevices;
  if (!devices) return;
  devices.getUserMedia = async () => {
    if (context) context.close().catch(() => undefined);
    context = new AudioContext();
    const tone = context.createOscillator();
    tone.frequency.value = 440;
    voice = context.createGain();
    voice.gain.value = 0;
    const out = context.createMediaStreamDestination();
    tone.connect(voice).connect(out);
    tone.start();
    await context.resume();
    return out.stream;
  };
  window.__speak = (ms) => {
    if (!voice) throw new Error('no microphone open');
    voice.gain.value = 0.5;
    setTimeout(() => { voice.gain.value = 0; }, ms);
  };
})();`;

const ALLOW_MEDIA = '--use-fake-ui-for-media-stream';
const FAKE_DEVICE = '--use-fake-device-for-media-stream';
const IN_CALL = [
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];
const CHROMIUM_FLAGS: Record<Microphone, string[]> = {
  fake: [ALLOW_MEDIA, FAKE_DEVICE, ...IN_CALL],
  synthetic: [ALLOW_MEDIA, ...IN_CALL],
  none: [],
};

/** The agent speaks `ms` into the synthetic microphone (`microphone: 'synthetic'`). */
export function speak(page: Page, ms: number): Promise<void> {
  return page.evaluate((m) => (globalThis as unknown as { __speak(ms: number): void }).__speak(m), ms);
}

export type ConsoleScene = Awaited<ReturnType<typeof openConsoleScene>>;

/** One attempt of a task as the store has it: its persona (training), ending and recordings. */
export interface AttemptRow {
  id: string;
  personaId: string | null;
  outcome: string | null;
  sipCode: number | null;
  answeredAt: string | null;
  recordings: number;
}

export async function openConsoleScene(options: ConsoleSceneOptions = {}) {
  if (!existsSync(join(STATIC, 'index.html')))
    throw new Error('out/renderer is not built: run `npm run build`');
  const timeout = options.timeout ?? T;
  const microphone = options.microphone ?? 'fake';
  const tmp = options.seat ? null : tempDir();
  let seat: Seat | null = options.seat ?? null;
  let host: WebHost | null = null;
  let browser: Browser | null = null;
  const close = async () => {
    await browser?.close();
    await host?.close();
    if (!options.seat) seat?.close();
    tmp?.cleanup();
  };
  try {
    if (tmp) {
      seat = Seat.open({
        dbPath: tmp.file('seat.db'),
        appVersion: '0.1.0-e2e',
        onDefect: () => {},
        demo: true,
        ...(options.now ? { now: options.now } : {}),
        ...(options.appointmentCheckMs ? { appointmentCheckMs: options.appointmentCheckMs } : {}),
      });
      // The demo seat: no PBX, the training line allowed; its deadlines around the seat's own clock.
      await seedDemo(seat.store, new Date(seat.store.now()));
      if (options.scripts ?? true) seat.loadScripts([join(REPO, 'assets/scripts')]);
      if (options.personas ?? true) expect(seat.loadPersonas(PERSONAS).rejected).toEqual([]);
      const supervisor = agentIdIn(seat, 'A001');
      for (const [key, value] of Object.entries(options.settings ?? {}))
        seat.store.setSetting(supervisor, key as SettingKey, value);
    }
    const served = seat as Seat;
    host = await startWebHost({
      seat: served,
      staticDir: STATIC,
      ...(options.seatCsp
        ? { contentSecurityPolicy: () => seatContentSecurityPolicy(served.store.settings()['sip.wsUrl']) }
        : {}),
    });
    browser = await launchChromium(CHROMIUM_FLAGS[microphone]);
  } catch (error) {
    await close();
    throw error;
  }
  // Open from here on.
  const opened = { seat: seat as Seat, host, browser };
  const db = () => opened.seat.store.db;

  /** A page as an agent's: 1440×900, zh-CN, the scene's timeout and microphone. */
  async function newPage(): Promise<Page> {
    const p = await opened.browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    p.setDefaultTimeout(timeout);
    if (microphone === 'synthetic') await p.addInitScript(SYNTHETIC_MIC);
    return p;
  }
  const page = await newPage().catch(async (error: unknown) => {
    await close();
    throw error;
  });

  /** The seat's console on `page` (the scene's by default), logged in as `code`. */
  async function login(code: string, o: { password?: string; page?: Page } = {}): Promise<void> {
    const p = o.page ?? page;
    await p.goto(`${opened.host.url}/#token=${opened.host.token}`);
    await signIn(p, code, o.password);
  }

  /** The step the task's script is at, from the seat's draft. */
  function stepOf(taskId: string): StepView {
    const draft = readDraft(db(), taskId);
    if (!draft) throw new Error('no draft');
    return current(draft.state);
  }
  const trailOf = (taskId: string) => readDraft(db(), taskId)?.state.trail ?? [];

  return {
    ...opened,
    page,
    newPage,
    login,
    close,
    /** The id of the agent with `code`. */
    agentId: (code: string) => agentIdIn(opened.seat, code),
    attemptsOf: (taskId: string) =>
      db()
        .prepare(
          `SELECT a.id, a.training_persona_id AS personaId, e.outcome, e.sip_code AS sipCode,
                  e.answered_at AS answeredAt,
                  (SELECT count(*) FROM recordings r WHERE r.attempt_id = a.id)
                    + (SELECT count(*) FROM recordings_open o WHERE o.attempt_id = a.id) AS recordings
           FROM attempts a LEFT JOIN attempt_endings e ON e.attempt_id = a.id
           WHERE a.task_id = ? ORDER BY a.started_at, a.id`,
        )
        .all(taskId) as AttemptRow[],
    taskRow: (taskId: string) =>
      db()
        .prepare(
          'SELECT status, next_attempt_at AS nextAttemptAt, deadline_at AS deadlineAt FROM tasks WHERE id = ?',
        )
        .get(taskId) as { status: string; nextAttemptAt: string | null; deadlineAt: string },
    stepOf,
    trailOf,
    /**
     * Records the answer of the step the runner shows (plain unless `value`), by keyboard, once the runner
     * shows it (its keys would otherwise go to the step before, still on screen); returns the step.
     */
    async answerStep(taskId: string, runner: Locator, value?: AnswerValue): Promise<StepView> {
      const step = stepOf(taskId);
      const before = trailOf(taskId).length;
      await runner.locator(`progress.script-progress[value="${before}"]`).waitFor({ state: 'attached' });
      await runner.locator('.step-text').filter({ hasText: step.text.zh }).waitFor();
      await pressAnswer(page, runner, step, value ?? plainAnswer(step));
      await expect.poll(() => trailOf(taskId).length, { timeout }).toBe(before + 1);
      return step;
    },
  };
}

function agentIdIn(seat: Seat, code: string): string {
  return (seat.store.db.prepare('SELECT id FROM agents WHERE code = ?').get(code) as { id: string }).id;
}

/** The login form on `page`, filled in and sent (the demo's password unless given). */
export async function signIn(page: Page, code: string, password = DEMO_PASSWORD): Promise<void> {
  await page.getByLabel('工号').fill(code);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

/** One answer by keyboard: a number key for a choice, Space for a disclosure, typed text, then Enter. */
export async function pressAnswer(
  page: Page,
  runner: Locator,
  step: StepView,
  value: AnswerValue,
): Promise<void> {
  if (step.kind === 'identity' || (step.kind === 'question' && step.input === 'yes_no')) {
    await page.keyboard.press(value === true ? '1' : '2');
  } else if (step.kind === 'disclosure') {
    await page.keyboard.press(' ');
  } else if (step.kind === 'question' && (step.input === 'single_choice' || step.input === 'multi_choice')) {
    const id = Array.isArray(value) ? value[0] : value;
    const index = (step.options ?? []).findIndex((o) => o.id === id);
    await page.keyboard.press(String(index + 1));
  } else if (step.kind === 'question') {
    await runner.getByRole('textbox').first().focus();
    await page.keyboard.type(String(value));
  }
  await page.keyboard.press('Enter');
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

let axeSource: string | null = null;

/** axe-core in the page (evaluated over DevTools, so the page's CSP stays as strict as in production). */
export async function axeSeriousViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(join(REPO, 'node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(`${axeSource}\n;undefined`);
  const violations = (await page.evaluate('axe.run(document).then((r) => r.violations)')) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The training customer's progress line (`.training-progress`): turns started, finished, of all; waiting. */
export interface Customer {
  played: number;
  spoken: number;
  listening: boolean;
  total: number;
}

export function customerOf(progress: Locator): Promise<Customer> {
  return progress.evaluate((el) => {
    const d = (el as unknown as { dataset: Record<string, string | undefined> }).dataset;
    return {
      played: Number(d.played),
      spoken: Number(d.spoken),
      listening: d.listening === 'true',
      total: Number(d.total),
    };
  });
}

/** As an agent waits: the customer has said their piece and listens (or has no more to say). */
export async function untilCustomerListens(progress: Locator, timeout = T): Promise<void> {
  await expect
    .poll(
      async () => {
        const c = await customerOf(progress);
        return c.played === c.spoken && (c.listening || c.played === c.total);
      },
      { timeout },
    )
    .toBe(true);
}

/** A shipped training persona (assets/training/personas), parsed as the seat parses it. */
export function persona(id: string): Persona {
  const parsed = parsePersona(JSON.parse(readFileSync(join(PERSONAS, `${id}.json`), 'utf8')), `${id}.json`);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.persona;
}
