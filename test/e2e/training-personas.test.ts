/**
 * Every training persona not covered by training-console.test.ts and training-callback.test.ts, end to end
 * through the console (#15, "done when"): the built renderer (out/renderer, `npm run build`) in Debian's
 * Chromium through the web host, on the demo seat with the training line allowed and no PBX; one task per
 * persona, the outcome the persona drives asserted in the UI and in the seat's SQLite store.
 *
 * - `no_answer`: rings until the seat's ring timeout (set to its smallest, 10 s, here) cancels it, as it does a
 *   real dial; the attempt ends 无人接听 (SIP 487 after that cancel), on the training line, with no recording;
 *   the wrap-up offers 无人接听. With the default timeout (45 s) the persona's own 480 ends it instead
 *   (training-phone.test.ts has both ends).
 * - `identity_fails`: a relative answers; the agent asks (speaks), hears "not me" and "I don't know the ID",
 *   records 核实未通过; the script ends; the practice result is `identity_not_verified`; the task stays open.
 * - `call_back_tomorrow`: the customer asks to be called tomorrow afternoon; the agent commits 稍后重拨 for
 *   tomorrow afternoon inside the seat's calling window (the date from the seat's clock); the practice result
 *   is `retry` at that time and the real task's next attempt is untouched.
 * - `hangs_up`: the customer hangs up mid-script; the result keeps exactly the steps answered before.
 *
 * The agent's microphone: a synthetic one (a 440 Hz tone, silent until the test "speaks", as in
 * training-phone.test.ts) in place of Chromium's fake device, so the agent can speak to the customer where
 * the script has nothing to record yet (the identity check). Elsewhere it stays silent and the customer is
 * cued by recorded script answers, as with Chromium's fake microphone.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerValue } from '../../shared/contract';
import { SETTING_SCHEMAS } from '../../shared/contract/settings';
import {
  CHINA_MS,
  type ConsoleScene,
  chinaField,
  customerOf,
  DAY,
  minutesOf,
  openConsoleScene,
  persona,
  speak,
  T,
} from '../support/console-scene';

/**
 * The seat's ring timeout here: the setting's smallest. The no_answer persona rings longer (45 s, as long as
 * the default timeout), so the seat cancels it at this, as it does a real dial, instead of the test waiting
 * for the persona's 480.
 */
const RING_TIMEOUT_SEC = 10;

describe('each training persona through the console (browser seat)', () => {
  let scene: ConsoleScene;
  let seat: ConsoleScene['seat'];
  let page: ConsoleScene['page'];

  const db = () => seat.store.db;
  const attemptsOf = (taskId: string) => scene.attemptsOf(taskId);
  const taskRow = (taskId: string) => scene.taskRow(taskId);
  const resultsOf = (taskId: string) =>
    (
      db()
        .prepare(
          `SELECT id, attempt_id AS attemptId, outcome, disposition, retry_at AS retryAt, training
           FROM results WHERE task_id = ? ORDER BY created_at`,
        )
        .all(taskId) as {
        id: string;
        attemptId: string | null;
        outcome: string;
        disposition: string;
        retryAt: string | null;
        training: string | null;
      }[]
    ).map((r) => ({
      ...r,
      training: r.training === null ? null : (JSON.parse(r.training) as { personaId: string }),
    }));
  const answersOf = (resultId: string) =>
    (
      db()
        .prepare(
          'SELECT step_id AS stepId, value FROM answers WHERE result_id = ? ORDER BY answered_at, rowid',
        )
        .all(resultId) as { stepId: string; value: string }[]
    ).map((a) => ({ stepId: a.stepId, value: JSON.parse(a.value) as AnswerValue }));
  const trailOf = (taskId: string) => scene.trailOf(taskId);

  beforeAll(async () => {
    // The demo seat: no PBX, the training line allowed, the shipped personas and their clips; the agent's
    // microphone the synthetic one.
    scene = await openConsoleScene({
      microphone: 'synthetic',
      settings: { 'sip.ringTimeoutSec': RING_TIMEOUT_SEC },
    });
    seat = scene.seat;
    page = scene.page;
    expect(seat.store.settings()['training.enabled']).toBe(true);
    expect(seat.store.settings()['sip.wsUrl']).toBe('');
    expect(seat.store.settings()['sip.ringTimeoutSec']).toBe(RING_TIMEOUT_SEC);
    await scene.login('A002');
    await page.locator('.status-bar').getByText('电话：演练线路').waitFor();
    await page.getByRole('listbox', { name: '回访任务列表' }).getByRole('option').first().waitFor();
  }, 60_000);

  afterAll(async () => {
    await scene?.close();
  });

  /** Focus leaves whatever field has it, so number keys and Enter go to the script runner. */
  const blur = () => page.evaluate('document.activeElement && document.activeElement.blur()');

  /**
   * Opens a task of the worklist by keyboard (Home or End, then arrows, then Enter), as an agent does, and
   * picks the persona; returns the task's id and its view's parts.
   */
  async function openTask(from: 'Home' | 'End', arrows: number, personaId: string) {
    const list = page.getByRole('listbox', { name: '回访任务列表' });
    await list.focus();
    await page.keyboard.press(from);
    for (let i = 0; i < arrows; i++) await page.keyboard.press(from === 'Home' ? 'ArrowDown' : 'ArrowUp');
    // The active row is paged in (the list is virtualised) before Enter can open it.
    await expect.poll(() => list.getAttribute('aria-activedescendant'), { timeout: T }).toMatch(/^task-/);
    const active = (await list.getAttribute('aria-activedescendant')) ?? '';
    await list.locator(`[id="${active}"][aria-selected="true"]`).waitFor();
    await page.keyboard.press('Enter');
    const taskId = active.replace(/^task-/, '');
    await page.locator(`[id="${active}"].open`).waitFor();
    const task = page.locator('.task-view');
    const panel = task.getByRole('region', { name: '通话' });
    const runner = task.getByRole('region', { name: '回访脚本' });
    await panel.getByRole('status').filter({ hasText: '演练线路就绪' }).waitFor();
    // Nothing of this task yet: a persona's own task.
    expect(attemptsOf(taskId)).toEqual([]);
    expect(resultsOf(taskId)).toEqual([]);
    const picker = panel.getByLabel('演练客户');
    await picker.selectOption(personaId);
    await panel.getByText(`模拟客户：${persona(personaId).name}`).waitFor();
    await blur();
    const progress = panel.locator('.training-progress');
    const customer = () => customerOf(progress);
    const ended = () =>
      panel
        .locator('.call-phase.phase-ended')
        .count()
        .then((n) => n > 0);
    return { taskId, task, panel, runner, progress, customer, ended };
  }

  /** The answer of the step the runner shows, by keyboard (see console-scene's `answerStep`). */
  const answerStep = (taskId: string, runner: Locator, value?: AnswerValue) =>
    scene.answerStep(taskId, runner, value);

  it('no_answer: it rings until the seat gives up, 无人接听 (SIP 487), a training attempt with no recording; the wrap-up offers it', async () => {
    const { taskId, task, panel, progress } = await openTask('Home', 0, 'no_answer');
    const line = persona('no_answer').line;
    expect(line).toMatchObject({ kind: 'no_answer', sipCode: 480 });
    // The persona rings longer than this seat's ring timeout, and no longer than the default one (so that,
    // by default, it is the persona's 480 that ends it).
    const ringLimitMs = RING_TIMEOUT_SEC * 1000;
    expect(line.ringMs).toBeGreaterThan(ringLimitMs);
    expect(line.ringMs).toBeLessThanOrEqual(SETTING_SCHEMAS['sip.ringTimeoutSec'].parse(undefined) * 1000);
    const started = Date.now();
    await page.keyboard.press('F9');
    await panel.getByRole('status').filter({ hasText: '振铃中' }).waitFor();
    // Rings for the seat's ring timeout, then the seat cancels it (487): no answer.
    await panel
      .getByRole('status')
      .filter({ hasText: '通话结束 · 无人接听 (SIP 487)' })
      .waitFor({ timeout: ringLimitMs + 15_000 });
    const rang = Date.now() - started;
    expect(rang).toBeGreaterThanOrEqual(ringLimitMs - 1000);
    expect(rang).toBeLessThan(line.ringMs);
    // No customer ever spoke: no progress line.
    expect(await progress.count()).toBe(0);
    await expect
      .poll(() => attemptsOf(taskId), { timeout: T })
      .toEqual([
        expect.objectContaining({
          personaId: 'no_answer',
          outcome: 'no_answer',
          sipCode: 487,
          answeredAt: null,
          recordings: 0,
        }),
      ]);
    // The attempt is listed as training; the wrap-up says practice and offers 无人接听.
    await task.locator('.history li').filter({ hasText: '演练' }).filter({ hasText: '无人接听' }).waitFor();
    const wrapup = task.getByRole('region', { name: /回访小结/ });
    await wrapup.getByText('演练通话：结果将保存为练习记录，不作为回访记录。').waitFor();
    const disposition = wrapup.getByLabel('通话情况');
    await expect.poll(() => disposition.inputValue(), { timeout: T }).toBe('no_answer');
    expect(await disposition.locator('option:checked').textContent()).toBe('无人接听');
    expect(await wrapup.getByLabel('回访结果').locator('option').allTextContents()).toEqual([
      '稍后重拨',
      '客户拒绝回访',
      '无法联系',
    ]);
    expect(taskRow(taskId).status).toBe('open');
  }, 90_000);

  it('identity_fails: a relative answers, the agent records 核实未通过, the script ends; the result is identity_not_verified', async () => {
    const who = persona('identity_fails');
    const { taskId, task, panel, runner, customer } = await openTask('Home', 1, 'identity_fails');
    const first = scene.stepOf(taskId);
    expect(first.kind).toBe('identity');
    await page.keyboard.press('F9');
    await panel.getByRole('status').filter({ hasText: '通话中' }).waitFor();
    const total = who.turns.length;
    // "喂，您好，哪位？", then the customer waits.
    await expect.poll(customer, { timeout: T }).toEqual({ played: 1, spoken: 1, listening: true, total });

    // The agent reads the identity check aloud; the customer answers each time (the persona's identity turns).
    const identityTurns = who.turns.filter((t) => t.expect === 'identity');
    expect(identityTurns.map((t) => t.text)).toEqual(
      expect.arrayContaining([expect.stringContaining('不是'), expect.stringContaining('不清楚')]),
    );
    await speak(page, 600);
    await expect.poll(customer, { timeout: T }).toEqual({ played: 2, spoken: 2, listening: true, total });
    expect(who.turns[1]?.text).toContain('不是，我是他爱人');
    await speak(page, 600);
    await expect.poll(customer, { timeout: T }).toEqual({ played: 3, spoken: 3, listening: true, total });
    expect(who.turns[2]?.text).toContain('身份证号我不清楚');
    // Nothing was recorded in the runner meanwhile.
    expect(trailOf(taskId)).toEqual([]);

    // Not the customer, who does not know the details: 核实未通过 (number key 2), Enter.
    await runner.getByRole('button', { name: /核实未通过/ }).waitFor();
    await answerStep(taskId, runner, false);
    expect(trailOf(taskId)).toEqual([{ stepId: first.id, value: false }]);
    // The script ends politely; the customer says goodbye to the agent's closing words.
    await runner
      .getByRole('status')
      .filter({ hasText: '身份未能核实：已礼貌结束通话，请填写回访小结' })
      .waitFor();
    expect(scene.stepOf(taskId)).toMatchObject({
      kind: 'end',
      identityFailed: true,
    });
    await expect
      .poll(customer, { timeout: T })
      .toEqual({ played: total, spoken: total, listening: false, total });

    await page.keyboard.press('F10');
    await panel.getByRole('status').filter({ hasText: '通话结束 · 已接通' }).waitFor();
    const wrapup = task.getByRole('region', { name: /回访小结/ });
    await wrapup.getByText('演练通话：结果将保存为练习记录，不作为回访记录。').waitFor();
    // The script's own outcome, and only it.
    const outcome = wrapup.getByLabel('回访结果');
    expect(await outcome.locator('option').allTextContents()).toEqual(['身份未核实']);
    expect(await outcome.inputValue()).toBe('identity_not_verified');
    await wrapup.getByLabel('通话情况').selectOption({ label: '非本人' });
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await task
      .getByRole('status')
      .filter({ hasText: '已保存为演练结果。任务仍为待回访，需通过电话线路完成真实回访。' })
      .waitFor();

    const attempts = attemptsOf(taskId);
    expect(attempts).toEqual([
      expect.objectContaining({ personaId: 'identity_fails', outcome: 'answered', recordings: 1 }),
    ]);
    const results = resultsOf(taskId);
    expect(results).toEqual([
      expect.objectContaining({
        attemptId: attempts[0]?.id,
        outcome: 'identity_not_verified',
        disposition: 'wrong_person',
        retryAt: null,
        training: expect.objectContaining({ personaId: 'identity_fails' }),
      }),
    ]);
    expect(answersOf(results[0]?.id ?? '')).toEqual([{ stepId: first.id, value: false }]);
    expect(taskRow(taskId).status).toBe('open');
  }, 90_000);

  it('call_back_tomorrow: the agent commits 稍后重拨 for tomorrow afternoon in the calling window; the task is untouched', async () => {
    const who = persona('call_back_tomorrow');
    // The retry time: tomorrow (by the seat's clock, China time), from 14:00 ("两点以后都可以") to 18:00, the
    // first quarter hour inside the seat's calling window.
    const windows = seat.store.settings()['calling.window'];
    const nowMs = Date.parse(seat.store.now());
    const tomorrow = Math.floor((nowMs + CHINA_MS) / DAY) * DAY + DAY - CHINA_MS;
    let retryAt: number | null = null;
    for (let m = 14 * 60; m < 18 * 60 && retryAt === null; m += 15) {
      if (windows.some((w) => m >= minutesOf(w.start) && m < minutesOf(w.end)))
        retryAt = tomorrow + m * 60_000;
    }
    if (retryAt === null) {
      throw new Error(
        `the seat's calling window (${windows.map((w) => `${w.start}–${w.end}`).join(', ')}) has no time tomorrow between 14:00 and 18:00`,
      );
    }
    // The last task of the worklist: the latest deadline, well after tomorrow.
    const { taskId, task, panel, runner, customer } = await openTask('End', 0, 'call_back_tomorrow');
    const before = taskRow(taskId);
    expect(Date.parse(before.deadlineAt)).toBeGreaterThan(retryAt);

    await page.keyboard.press('F9');
    await panel.getByRole('status').filter({ hasText: '通话中' }).waitFor();
    const total = who.turns.length;
    await expect.poll(customer, { timeout: T }).toEqual({ played: 1, spoken: 1, listening: true, total });
    // It is the customer: 核实通过; they say so, and that they are driving: call again tomorrow afternoon.
    const identity = await answerStep(taskId, runner, true);
    expect(identity.kind).toBe('identity');
    await expect.poll(customer, { timeout: T }).toEqual({ played: 3, spoken: 3, listening: true, total });
    expect(who.turns.slice(0, 3).map((t) => t.text)).toEqual(
      expect.arrayContaining([expect.stringContaining('请明天下午再打来')]),
    );
    // The script is not finished: the agent ends the call as the customer asked.
    expect(scene.stepOf(taskId).kind).not.toBe('end');
    await page.keyboard.press('F10');
    await panel.getByRole('status').filter({ hasText: '通话结束 · 已接通' }).waitFor();

    const wrapup = task.getByRole('region', { name: /回访小结/ });
    await wrapup.getByText('演练通话：结果将保存为练习记录，不作为回访记录。').waitFor();
    await wrapup.getByText('脚本未完成：已回答的内容会随结果一并保存').waitFor();
    const outcome = wrapup.getByLabel('回访结果');
    await outcome.selectOption({ label: '稍后重拨' });
    await wrapup.getByLabel('通话情况').selectOption({ label: '约定回拨' });
    const field = wrapup.getByLabel('重拨时间');
    await field.fill(chinaField(retryAt));
    expect(await field.inputValue()).toBe(chinaField(retryAt));
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await task
      .getByRole('status')
      .filter({ hasText: '已保存为演练结果。任务仍为待回访，需通过电话线路完成真实回访。' })
      .waitFor();

    const attempts = attemptsOf(taskId);
    expect(attempts).toEqual([
      expect.objectContaining({ personaId: 'call_back_tomorrow', outcome: 'answered' }),
    ]);
    const results = resultsOf(taskId);
    expect(results).toEqual([
      expect.objectContaining({
        attemptId: attempts[0]?.id,
        outcome: 'retry',
        disposition: 'call_back_later',
        retryAt: new Date(retryAt).toISOString(),
        training: expect.objectContaining({ personaId: 'call_back_tomorrow' }),
      }),
    ]);
    // Tomorrow afternoon, China time, inside the window.
    const local = new Date(retryAt + CHINA_MS);
    expect(Math.floor((retryAt + CHINA_MS) / DAY) - Math.floor((nowMs + CHINA_MS) / DAY)).toBe(1);
    expect(local.getUTCHours()).toBeGreaterThanOrEqual(14);
    expect(local.getUTCHours()).toBeLessThan(18);
    expect(answersOf(results[0]?.id ?? '')).toEqual([{ stepId: identity.id, value: true }]);
    // Practice: the real task keeps its status and its next attempt.
    expect(taskRow(taskId)).toEqual(before);
    expect(before.status).toBe('open');
  }, 90_000);

  it('hangs_up: the customer hangs up mid-script; the result keeps exactly the steps answered before', async () => {
    const who = persona('hangs_up');
    expect(who.hangUpAfterMs).toBeGreaterThan(0);
    // Another task with a later deadline, so that 稍后重拨 has a time to offer.
    const { taskId, task, panel, runner, customer, ended } = await openTask('End', 1, 'hangs_up');
    await page.keyboard.press('F9');
    await panel.getByRole('status').filter({ hasText: '通话中' }).waitFor();
    const total = who.turns.length;

    // The script, by keyboard, one answer each time the customer has said their piece and waits; until the
    // call ends without the agent hanging up.
    let answered = 0;
    for (let guard = 0; guard < 40; guard++) {
      await expect
        .poll(
          async () => {
            if (await ended()) return 'ended';
            const c = await customer();
            return c.listening && c.played === c.spoken && c.played > answered ? 'waits' : 'busy';
          },
          { timeout: T },
        )
        .not.toBe('busy');
      if (await ended()) break;
      await answerStep(taskId, runner);
      answered++;
    }
    await panel.getByRole('status').filter({ hasText: '通话结束 · 已接通' }).waitFor();
    // The customer said everything, then hung up: one answer cued each of their agent_speaks turns.
    expect(await customer()).toEqual({ played: total, spoken: total, listening: false, total });
    const trail = trailOf(taskId);
    expect(answered).toBe(who.turns.filter((t) => t.after === 'agent_speaks').length);
    expect(trail).toHaveLength(answered);
    // Mid-way: the runner still shows the next step, which can no longer be answered.
    const next = scene.stepOf(taskId);
    expect(next.kind).not.toBe('end');
    await runner.locator(`progress.script-progress[value="${trail.length}"]`).waitFor({ state: 'attached' });
    await runner.locator('.step-text').filter({ hasText: next.text.zh }).waitFor();
    await runner.getByText('接通客户并开始录音后才能记录回答').waitFor();
    expect(await panel.getByRole('button', { name: /挂断/ }).isDisabled()).toBe(true);
    await expect
      .poll(() => attemptsOf(taskId), { timeout: T })
      .toEqual([expect.objectContaining({ personaId: 'hangs_up', outcome: 'answered', recordings: 1 })]);

    const wrapup = task.getByRole('region', { name: /回访小结/ });
    await wrapup.getByText('演练通话：结果将保存为练习记录，不作为回访记录。').waitFor();
    await wrapup.getByText('脚本未完成：已回答的内容会随结果一并保存').waitFor();
    // What the UI offers: 稍后重拨 at its suggested time.
    expect(await wrapup.getByLabel('回访结果').inputValue()).toBe('retry');
    const field = wrapup.getByLabel('重拨时间');
    await expect.poll(() => field.inputValue(), { timeout: T }).not.toBe('');
    const suggested = await field.inputValue();
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await task
      .getByRole('status')
      .filter({ hasText: '已保存为演练结果。任务仍为待回访，需通过电话线路完成真实回访。' })
      .waitFor();

    const results = resultsOf(taskId);
    expect(results).toEqual([
      expect.objectContaining({
        outcome: 'retry',
        retryAt: new Date(Date.parse(`${suggested}:00.000Z`) - CHINA_MS).toISOString(),
        training: expect.objectContaining({ personaId: 'hangs_up' }),
      }),
    ]);
    expect(answersOf(results[0]?.id ?? '')).toEqual(trail);
    expect(taskRow(taskId).status).toBe('open');
  }, 90_000);
});
