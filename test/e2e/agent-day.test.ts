/**
 * The agent's working states and preview dialling (#16, point 1), as an agent meets them: the built renderer
 * in Debian's Chromium through the web host, on the demo seat (training line, no PBX), with a 5-second
 * after-call-work limit and a 3-second preview countdown set by the supervisor.
 *
 * - The status bar says 就绪 after login; the agent takes a break with one of the branch's reasons and comes
 *   back; each change is in the seat's audit trail.
 * - A dial puts the agent on a call, its end into 话后处理 with the time left shown, and the limit brings them
 *   back to 就绪 by itself, about 5 s later (audited `via: limit`); a commit ends after-call work at once.
 * - 自动下一个: the next task opens with a countdown and is dialled at 0; after the next commit the task after
 *   it opens by itself, and Esc stops its countdown: no dial, the task stays open.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleScene, openConsoleScene, T } from '../support/console-scene';

describe('agent states and preview dialling (browser seat, training line)', () => {
  let scene: ConsoleScene;
  let page: ConsoleScene['page'];
  let agentId: string;

  const stateAudits = () =>
    (
      scene.seat.store.db
        .prepare("SELECT at, detail FROM audit WHERE action = 'agent.state' AND agent_id = ? ORDER BY rowid")
        .all(agentId) as { at: string; detail: string }[]
    ).map((a): Record<string, unknown> & { at: string } => ({ ...JSON.parse(a.detail), at: a.at }));
  const bar = () => page.locator('.status-bar .agent-state');
  const waitState = (state: string, timeout = T) =>
    page.locator(`.status-bar .agent-state[data-state="${state}"]`).waitFor({ timeout });
  const list = () => page.getByRole('listbox', { name: '回访任务列表' });

  /** The open task's parts, once its call panel is ready on the training line. */
  async function openTask() {
    const task = page.locator('.task-view');
    const panel = task.getByRole('region', { name: '通话' });
    await panel
      .getByRole('status')
      .filter({ hasText: /演练线路就绪|通话结束/ })
      .waitFor();
    const taskId = ((await list().locator('[role="option"].open').getAttribute('id')) ?? '').replace(
      /^task-/,
      '',
    );
    return { taskId, task, panel, wrapup: task.getByRole('region', { name: /回访小结/ }) };
  }
  async function busyDial(panel: Locator) {
    await panel.getByLabel('演练客户').selectOption('busy');
    await panel.getByRole('button', { name: /拨打/ }).click();
    await panel.getByRole('status').filter({ hasText: '通话结束 · 忙线 (SIP 486)' }).waitFor();
  }
  const practiceResults = (taskId: string) =>
    (
      scene.seat.store.db
        .prepare('SELECT count(*) AS n FROM results WHERE task_id = ? AND training IS NOT NULL')
        .get(taskId) as { n: number }
    ).n;
  /**
   * Commits what the wrap-up suggests after a busy call (稍后重拨 at its suggested time). With 自动下一个 on
   * the next task replaces the notice at once: then the store says it was saved.
   */
  async function commitSuggested(task: Locator, wrapup: Locator, taskId: string, autoNext = false) {
    await expect.poll(() => wrapup.getByLabel('通话情况').inputValue(), { timeout: T }).toBe('busy');
    const before = practiceResults(taskId);
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    if (autoNext) await expect.poll(() => practiceResults(taskId), { timeout: T }).toBe(before + 1);
    else await task.getByRole('status').filter({ hasText: '已保存为演练结果' }).waitFor();
  }

  beforeAll(async () => {
    scene = await openConsoleScene({
      settings: { 'agent.afterCallWorkSec': 5, 'dial.previewSec': 3 },
    });
    page = scene.page;
    agentId = scene.agentId('A002');
    await scene.login('A002');
    await list().getByRole('option').first().waitFor();
  }, 60_000);

  afterAll(async () => {
    await scene?.close();
  });

  it('is 就绪 after login, takes a break with a branch reason and comes back, audited', async () => {
    await waitState('ready');
    const select = bar().getByLabel('状态');
    expect(await select.locator('option').allTextContents()).toEqual([
      '就绪',
      '小休 · 休息',
      '小休 · 用餐',
      '小休 · 培训',
      '小休 · 会议',
      '小休 · 其他',
    ]);
    await select.selectOption({ label: '小休 · 用餐' });
    await waitState('break');
    await select.selectOption({ label: '就绪' });
    await waitState('ready');
    expect(stateAudits().map((a) => [a.from, a.state, a.reason ?? null, a.via])).toEqual([
      ['offline', 'ready', null, 'login'],
      ['ready', 'break', '用餐', 'agent'],
      ['break', 'ready', null, 'agent'],
    ]);
  }, 60_000);

  it('goes on a call, into 话后处理 with its time left, and back to 就绪 at the limit; a commit ends it at once', async () => {
    await list().getByRole('option').first().click();
    const { taskId, task, panel, wrapup } = await openTask();
    await busyDial(panel);
    await waitState('wrap_up');
    expect(await bar().locator('.agent-timer').textContent()).toMatch(/^剩余 0:0[0-5]$/);
    await waitState('ready', 15_000);
    const audits = stateAudits().slice(-3);
    expect(audits.map((a) => [a.from, a.state, a.via])).toEqual([
      ['ready', 'on_call', 'call'],
      ['on_call', 'wrap_up', 'call'],
      ['wrap_up', 'ready', 'limit'],
    ]);
    const acw = Date.parse(audits[2]?.at ?? '') - Date.parse(audits[1]?.at ?? '');
    expect(acw).toBeGreaterThanOrEqual(4_900);
    expect(acw).toBeLessThan(7_000);

    // Again, and this time the agent commits within the limit.
    await panel.getByRole('button', { name: /拨打/ }).click();
    await waitState('wrap_up');
    await commitSuggested(task, wrapup, taskId);
    await waitState('ready');
    expect(stateAudits().at(-1)).toMatchObject({ from: 'wrap_up', state: 'ready', via: 'commit' });
  }, 90_000);

  it('自动下一个: opens the next task with a countdown and dials it; Esc stops the next one', async () => {
    // The task committed last shows its notice, with 自动下一个 beside 下一个任务.
    const done = page.locator('.task-view');
    const doneId = ((await list().locator('[role="option"].open').getAttribute('id')) ?? '').replace(
      /^task-/,
      '',
    );
    await done.getByLabel('自动下一个（预览拨号）').check();
    await expect.poll(() => scene.seat.store.settings()['dial.autoNext'], { timeout: T }).toBe(true);
    await done.getByRole('button', { name: /下一个任务/ }).click();

    // The next task, counting down from 3, then dialled (the persona chosen last: busy).
    await expect.poll(async () => (await openTask()).taskId, { timeout: T }).not.toBe(doneId);
    const second = await openTask();
    const timer = second.panel.getByRole('timer');
    await timer.filter({ hasText: '秒后自动拨打' }).waitFor();
    expect(Number(await timer.getAttribute('data-seconds'))).toBeLessThanOrEqual(3);
    await second.panel.getByRole('status').filter({ hasText: '通话结束 · 忙线 (SIP 486)' }).waitFor();
    expect(await timer.count()).toBe(0);
    expect(scene.attemptsOf(second.taskId).map((a) => a.outcome)).toEqual(['busy']);

    // Its commit opens the one after by itself; Esc stops that countdown and leaves the task open.
    await commitSuggested(second.task, second.wrapup, second.taskId, true);
    await expect.poll(async () => (await openTask()).taskId, { timeout: T }).not.toBe(second.taskId);
    const third = await openTask();
    await third.panel.getByRole('timer').waitFor();
    // (Practice leaves tasks open: the next one may be a task practised before.)
    const before = scene.attemptsOf(third.taskId);
    await page.keyboard.press('Escape');
    await third.panel.getByRole('timer').waitFor({ state: 'detached' });
    // Past the moment it would have dialled: nothing was dialled, and the task is still open.
    await page.waitForTimeout(4_000);
    expect(scene.attemptsOf(third.taskId)).toEqual(before);
    expect(await third.panel.getByRole('status').textContent()).toContain('演练线路就绪');
    expect(await page.locator('.task-view').count()).toBe(1);
  }, 90_000);
});
