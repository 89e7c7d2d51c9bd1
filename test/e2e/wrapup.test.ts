/**
 * A wrap-up that always works (#16), as an agent meets it: the built renderer (out/renderer, `npm run
 * build`) in Debian's Chromium through the web host, on the demo seat with the training line and no PBX.
 *
 * - The 通话情况 follows the task's last call: a 忙线 dial left uncommitted, then the cooperative customer
 *   answers; once that call ends the wrap-up says 接通, never the stale 忙线 (nor the agent's choice made
 *   after the busy call).
 * - An overdue task (the demo seat's first tasks are) is committed as 稍后重拨 after a busy call, with a retry
 *   time after its deadline: the wrap-up warns that the task stays overdue, the seat accepts it, and the
 *   worklist still says 已逾期.
 * - 号码错误/空号 without a dial: the wrap-up asks for the reason; with it the result is a real one, audited
 *   as recorded without a dial, and the overdue task stays open and 已逾期 with its retry time.
 *
 * Every date comes from the seat's clock.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHINA_MS,
  type ConsoleScene,
  chinaField,
  HOUR,
  minutesOf,
  openConsoleScene,
  T,
} from '../support/console-scene';

describe('the wrap-up (browser seat, training line)', () => {
  let scene: ConsoleScene;
  let seat: ConsoleScene['seat'];
  let page: ConsoleScene['page'];

  const db = () => seat.store.db;
  const attemptsOf = (taskId: string) => scene.attemptsOf(taskId);
  const resultsOf = (taskId: string) =>
    db()
      .prepare(
        `SELECT id, attempt_id AS attemptId, outcome, disposition, notes, retry_at AS retryAt,
                training IS NOT NULL AS training
         FROM results WHERE task_id = ? ORDER BY created_at`,
      )
      .all(taskId) as {
      id: string;
      attemptId: string | null;
      outcome: string;
      disposition: string;
      notes: string;
      retryAt: string | null;
      training: number;
    }[];
  const taskRow = (taskId: string) => scene.taskRow(taskId);

  /**
   * The first quarter hour at least two hours from the seat's clock inside its calling window (China time):
   * a retry time the seat accepts, and after the deadline of an overdue task.
   */
  function retrySlot(): number {
    const windows = seat.store.settings()['calling.window'];
    const from = Math.ceil((Date.parse(seat.store.now()) + 2 * HOUR) / 900_000) * 900_000;
    for (let t = from; t < from + 8 * 24 * HOUR; t += 900_000) {
      const local = new Date(t + CHINA_MS);
      const m = local.getUTCHours() * 60 + local.getUTCMinutes();
      if (windows.some((w) => m >= minutesOf(w.start) && m < minutesOf(w.end))) return t;
    }
    throw new Error('the calling window leaves no time in the next week');
  }

  beforeAll(async () => {
    // The demo seat, its deadlines around the seat's own clock: no PBX, the training line, its personas.
    scene = await openConsoleScene();
    seat = scene.seat;
    page = scene.page;
    expect(seat.store.settings()['sip.wsUrl']).toBe('');
    await scene.login('A002');
    await page.locator('.status-bar').getByText('电话：演练线路').waitFor();
    await page.getByRole('listbox', { name: '回访任务列表' }).getByRole('option').first().waitFor();
  }, 60_000);

  afterAll(async () => {
    await scene?.close();
  });

  /** The worklist row `index` (from the top: the most overdue first), which must be overdue; opened. */
  async function openOverdue(index: number) {
    const row = page.getByRole('listbox', { name: '回访任务列表' }).getByRole('option').nth(index);
    const taskId = ((await row.getAttribute('id')) ?? '').replace(/^task-/, '');
    expect(Date.parse(taskRow(taskId).deadlineAt)).toBeLessThan(Date.parse(seat.store.now()));
    await row.getByText('已逾期', { exact: true }).waitFor();
    expect(attemptsOf(taskId)).toEqual([]);
    await row.click();
    // The row by its task from now on (the list is virtualised and re-renders as tasks change).
    const own = page.locator(`[id="task-${taskId}"]`);
    await page.locator(`[id="task-${taskId}"].open`).waitFor();
    const task = page.locator('.task-view');
    const panel = task.getByRole('region', { name: '通话' });
    await panel.getByRole('status').filter({ hasText: '演练线路就绪' }).waitFor();
    return { taskId, row: own, task, panel, wrapup: task.getByRole('region', { name: /回访小结/ }) };
  }

  /** A dial of the persona that ends busy (SIP 486). */
  async function busyDial(panel: Locator) {
    await panel.getByLabel('演练客户').selectOption('busy');
    await panel.getByText('模拟客户：忙线').waitFor();
    await panel.getByRole('button', { name: /拨打/ }).click();
    await panel.getByRole('status').filter({ hasText: '通话结束 · 忙线 (SIP 486)' }).waitFor();
  }

  it('follows the last call: 忙线, not committed, then the customer answers: 接通', async () => {
    const { taskId, task, panel, wrapup } = await openOverdue(0);
    await busyDial(panel);
    const disposition = wrapup.getByLabel('通话情况');
    await expect.poll(() => disposition.inputValue(), { timeout: T }).toBe('busy');
    // The agent's own choice holds until the next call ends.
    await disposition.selectOption({ label: '约定回拨' });
    expect(await disposition.inputValue()).toBe('call_back_later');

    // Not committed: the agent dials again, and the cooperative customer answers.
    await panel.getByLabel('演练客户').selectOption('cooperative');
    await panel.getByText('模拟客户：配合的客户').waitFor();
    await panel.getByRole('button', { name: /拨打/ }).click();
    await panel.getByRole('status').filter({ hasText: '通话中' }).waitFor();
    await panel.getByText('客户台词 1/').waitFor();
    await panel.getByRole('button', { name: /挂断/ }).click();
    await panel.getByRole('status').filter({ hasText: '通话结束 · 已接通' }).waitFor();
    await expect
      .poll(() => attemptsOf(taskId).map((a) => a.outcome), { timeout: T })
      .toEqual(['busy', 'answered']);
    await expect.poll(() => disposition.inputValue(), { timeout: T }).toBe('connected');
    expect(await disposition.locator('option:checked').textContent()).toBe('接通');

    // Committed, it is the last call's disposition and attempt that are kept.
    await wrapup.getByLabel('回访结果').selectOption({ label: '客户拒绝回访' });
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await task.getByRole('status').filter({ hasText: '已保存为演练结果' }).waitFor();
    const answered = attemptsOf(taskId)[1];
    expect(resultsOf(taskId)).toEqual([
      expect.objectContaining({ attemptId: answered?.id, outcome: 'refused', disposition: 'connected' }),
    ]);
  }, 90_000);

  it('commits 稍后重拨 after a busy call on an overdue task, warns it stays overdue, and it stays 已逾期', async () => {
    const { taskId, row, task, panel, wrapup } = await openOverdue(1);
    const before = taskRow(taskId);
    await busyDial(panel);
    const disposition = wrapup.getByLabel('通话情况');
    await expect.poll(() => disposition.inputValue(), { timeout: T }).toBe('busy');
    // 稍后重拨 is offered first; the retry time suggested is after the deadline, and the wrap-up says so.
    const outcome = wrapup.getByLabel('回访结果');
    expect(await outcome.inputValue()).toBe('retry');
    const warning = wrapup.getByRole('status').filter({ hasText: '重拨时间晚于截止时间' });
    await warning.waitFor();
    expect(await warning.textContent()).toContain('任务将保持逾期');

    const retryAt = retrySlot();
    const field = wrapup.getByLabel('重拨时间');
    await field.fill(chinaField(retryAt));
    expect(await field.inputValue()).toBe(chinaField(retryAt));
    await warning.waitFor();
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await task.getByRole('status').filter({ hasText: '已保存为演练结果' }).waitFor();
    expect(resultsOf(taskId)).toEqual([
      expect.objectContaining({
        attemptId: attemptsOf(taskId)[0]?.id,
        outcome: 'retry',
        disposition: 'busy',
        retryAt: new Date(retryAt).toISOString(),
      }),
    ]);
    // Practice on the training line leaves the task as it was: open, its deadline passed, listed 已逾期.
    expect(taskRow(taskId)).toEqual(before);
    await row.getByText('已逾期', { exact: true }).waitFor();
  }, 90_000);

  it('records 号码错误/空号 without a dial only with a reason; the overdue task stays open and 已逾期', async () => {
    const { taskId, row, task, wrapup } = await openOverdue(2);
    const before = taskRow(taskId);
    // No wrap-up before a dial, until the agent asks for it.
    expect(await wrapup.count()).toBe(0);
    await task.getByRole('button', { name: '未拨号记录结果' }).click();
    await wrapup.getByText('未拨号：结果将记录为未拨号，并写入审计记录').waitFor();
    // Not a practice result: no dial was placed on the training line.
    expect(await wrapup.getByText('演练通话').count()).toBe(0);
    const disposition = wrapup.getByLabel('通话情况');
    expect(await disposition.inputValue()).toBe('invalid_number');
    expect(await disposition.locator('option').count()).toBe(7);
    const notes = wrapup.getByLabel(/请说明原因/);
    expect(await notes.getAttribute('required')).not.toBeNull();

    const retryAt = retrySlot();
    await wrapup.getByLabel('重拨时间').fill(chinaField(retryAt));
    await wrapup.getByRole('status').filter({ hasText: '任务将保持逾期' }).waitFor();
    await notes.fill('空号');
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await wrapup
      .getByRole('alert')
      .filter({ hasText: '未拨号记录"号码错误/空号"，请在备注中说明原因（至少 4 个字）' })
      .waitFor();
    expect(resultsOf(taskId)).toEqual([]);

    const reason = '客户资料中的手机号少一位，已请营业部核实';
    await notes.fill(reason);
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await task.getByRole('status').filter({ hasText: '回访结果已保存' }).waitFor();
    const results = resultsOf(taskId);
    expect(results).toEqual([
      {
        id: expect.any(String),
        attemptId: null,
        outcome: 'retry',
        disposition: 'invalid_number',
        notes: reason,
        retryAt: new Date(retryAt).toISOString(),
        training: 0,
      },
    ]);
    const audit = db()
      .prepare("SELECT detail FROM audit WHERE action = 'result.commit' AND entity_id = ?")
      .get(results[0]?.id) as { detail: string };
    expect(JSON.parse(audit.detail)).toMatchObject({
      disposition: 'invalid_number',
      withoutDial: true,
      retryAfterDeadline: true,
    });
    // A real retry: the task is open with its retry time, its deadline as it was, and still 已逾期.
    expect(taskRow(taskId)).toEqual({
      ...before,
      status: 'open',
      nextAttemptAt: new Date(retryAt).toISOString(),
    });
    expect(attemptsOf(taskId)).toEqual([]);
    await row.getByText('已逾期', { exact: true }).waitFor();
  }, 90_000);
});
