/**
 * The training line in the console (#15), as an agent meets it: the built renderer (out/renderer, `npm run
 * build`) in Debian's Chromium through the web host, on the demo seat with the training line allowed and no
 * PBX. The status bar says 演练线路 (not the registered green), the worklist says calls go to simulated
 * customers, the call panel has the 演练 badge and the persona picker; the busy persona gives a 忙线 attempt;
 * the cooperative one answers, speaks its clips (loaded through `training.clip`) and goes on when the agent
 * records an answer; its result is saved as practice and the task stays open. Screenshot:
 * docs/screenshots/training-call.png.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeSeriousViolations,
  type ConsoleScene,
  openConsoleScene,
  REPO,
  signIn,
  T,
} from '../support/console-scene';

const SHOTS = join(REPO, 'docs/screenshots');

describe('the training line in the console (browser seat)', () => {
  let scene: ConsoleScene;
  let page: ConsoleScene['page'];
  const attemptsOf = (taskId: string) => scene.attemptsOf(taskId);
  const taskStatus = (taskId: string) => scene.taskRow(taskId).status;

  beforeAll(async () => {
    // The demo seat: no PBX, the training line allowed, the shipped personas and their clips.
    scene = await openConsoleScene();
    page = scene.page;
    expect(scene.seat.store.settings()['training.enabled']).toBe(true);
    expect(scene.seat.store.settings()['sip.wsUrl']).toBe('');
    await scene.login('A002');
  }, 60_000);

  afterAll(async () => {
    await scene?.close();
  });

  it('is marked as training: status bar, worklist and call panel; the busy persona is busy', async () => {
    const list = page.getByRole('listbox', { name: '回访任务列表' });
    await list.getByRole('option').first().waitFor();
    const line = page.locator('.status-bar').getByText('电话：演练线路');
    await line.waitFor();
    // Its own colour, never the registered green.
    expect(await line.getAttribute('class')).toContain('conn-training');
    expect(await line.getAttribute('class')).not.toContain('conn-open');
    await page
      .getByRole('note')
      .filter({ hasText: '本坐席未配置电话线路：拨号将接通演练线路上的模拟客户' })
      .filter({ hasText: '不计为回访记录' })
      .waitFor();

    // The first task: the panel is the training line's, with the cooperative customer picked by default.
    const first = list.getByRole('option').first();
    const name = (await first.locator('.customer').textContent()) ?? '';
    await first.click();
    const task = page.getByRole('region', { name });
    const panel = task.getByRole('region', { name: '通话' });
    await panel.getByText('演练', { exact: true }).waitFor();
    await panel.getByText('模拟客户：配合的客户').waitFor();
    await panel.getByRole('status').filter({ hasText: '演练线路就绪' }).waitFor();
    const picker = panel.getByLabel('演练客户');
    expect(await picker.inputValue()).toBe('cooperative');
    expect(await picker.locator('option').allTextContents()).toEqual(
      expect.arrayContaining(['配合的客户', '忙线', '无人接听']),
    );
    expect(await axeSeriousViolations(page)).toEqual([]);

    // The busy persona, by keyboard: picked, then F9.
    await picker.selectOption({ label: '忙线' });
    await panel.getByText('模拟客户：忙线').waitFor();
    await page.keyboard.press('F9');
    await panel.getByRole('status').filter({ hasText: '通话结束 · 忙线 (SIP 486)' }).waitFor();
    const taskId = await first.getAttribute('id').then((id) => (id ?? '').replace(/^task-/, ''));
    await expect
      .poll(() => attemptsOf(taskId).at(-1), { timeout: T })
      .toMatchObject({ personaId: 'busy', outcome: 'busy', sipCode: 486 });
    // The attempt is listed as training, and the choice is kept for the next dial.
    await task.locator('.history').getByText('演练').first().waitFor();
    expect(await page.evaluate("localStorage.getItem('callback-console.training.persona')")).toBe('busy');
  }, 90_000);

  it('plays the cooperative customer, who goes on as answers are recorded; the result is practice', async () => {
    const task = page.locator('.task-view');
    const panel = task.getByRole('region', { name: '通话' });
    const taskId = await page
      .locator('[role="option"].open')
      .getAttribute('id')
      .then((id) => (id ?? '').replace(/^task-/, ''));
    await panel.getByLabel('演练客户').selectOption('cooperative');
    await panel.getByRole('button', { name: /拨打/ }).click();
    await panel.getByRole('status').filter({ hasText: '通话中' }).waitFor({ timeout: T });
    // The customer's first line ("喂，您好，哪位？"), through training.clip, decoded and played.
    await panel.getByText('客户台词 1/22').waitFor();
    await expect
      .poll(
        () => panel.locator('meter.remoteLevel').evaluate((m) => (m as unknown as { value: number }).value),
        {
          timeout: T,
        },
      )
      .toBeGreaterThan(0.2);
    await page.screenshot({ path: join(SHOTS, 'training-call.png') });

    // The agent records the identity check (the fake microphone never speaks): the customer answers.
    const runner = task.getByRole('region', { name: '回访脚本' });
    await runner.getByRole('button', { name: /核实通过/ }).click();
    await runner.getByText('身份核实').first().click();
    await page.keyboard.press('Enter');
    await panel.getByText('客户台词 2/22').waitFor();
    expect(await axeSeriousViolations(page)).toEqual([]);

    await page.keyboard.press('F10');
    await panel.getByRole('status').filter({ hasText: '通话结束 · 已接通' }).waitFor();
    const wrapup = task.getByRole('region', { name: /回访小结/ });
    await wrapup.getByText('演练通话：结果将保存为练习记录，不作为回访记录。').waitFor();
    await wrapup.getByLabel('回访结果').selectOption({ label: '客户拒绝回访' });
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await task
      .getByRole('status')
      .filter({ hasText: '已保存为演练结果。任务仍为待回访，需通过电话线路完成真实回访。' })
      .waitFor();
    expect(taskStatus(taskId)).toBe('open');
    expect(attemptsOf(taskId).map((a) => a.personaId)).toEqual(['busy', 'cooperative']);
    // Another round of practice on the same task: the script starts again.
    await task.getByRole('button', { name: '再练一次' }).click();
    await panel.getByText('模拟客户：配合的客户').waitFor();
    await task.getByRole('region', { name: '回访脚本' }).getByText('身份核实').first().waitFor();
  }, 90_000);

  it('with a PBX configured too, the agent picks the line, by keyboard', async () => {
    const admin = scene.agentId('A001');
    scene.seat.store.setSetting(admin, 'sip.wsUrl', 'wss://pbx.invalid:7443');
    scene.seat.store.setSetting(admin, 'sip.uri', 'sip:8001@pbx.invalid');
    // The line is the seat's at login: log in again.
    await page.getByRole('button', { name: '退出登录' }).click();
    await signIn(page, 'A002');
    const list = page.getByRole('listbox', { name: '回访任务列表' });
    await list.getByRole('option').first().click();
    const panel = page.locator('.task-view').getByRole('region', { name: '通话' });
    const lines = panel.getByRole('group', { name: '线路' });
    await lines.waitFor();
    // The agent's last pick stays: the PBX line by default, so the training line was never picked yet.
    const pbx = lines.getByRole('radio', { name: '电话线路' });
    const training = lines.getByRole('radio', { name: '演练线路' });
    expect(await pbx.isChecked()).toBe(true);
    await expect(page.locator('.status-bar').getByText('电话：演练线路').count()).resolves.toBe(0);
    expect(await panel.getByText('演练', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('note').filter({ hasText: '演练线路' }).count()).toBe(0);

    await pbx.focus();
    await page.keyboard.press('ArrowRight');
    expect(await training.isChecked()).toBe(true);
    await panel.getByText('演练', { exact: true }).waitFor();
    await page.locator('.status-bar').getByText('电话：演练线路').waitFor();
    await page.getByRole('note').filter({ hasText: '当前使用演练线路' }).waitFor();
    expect(await panel.getByLabel('演练客户').inputValue()).toBe('cooperative');
    expect(await axeSeriousViolations(page)).toEqual([]);
    await page.keyboard.press('ArrowLeft');
    expect(await pbx.isChecked()).toBe(true);
    await page
      .locator('.status-bar')
      .getByText(/^电话：(?!演练线路)/)
      .waitFor();
  }, 90_000);
});
