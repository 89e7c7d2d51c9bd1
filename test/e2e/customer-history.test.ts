/**
 * Issue 16, point 4, in the browser seat (the demo seat): the worklist searched by a customer's exact name
 * (audited `worklist.search`) lists that customer's tasks only; a task of a customer with an earlier callback
 * shows it under 客户回访记录 with its outcome, and the agent plays its recording there (audited
 * `recording.play`); 排序 by customer name orders the worklist by name, and the choice holds for the session.
 * The earlier callback is made through the seat's own methods (a dial, its recording, the result), as the
 * console makes one; the customer's second task comes as head office's pull brings tasks.
 */
import { join } from 'node:path';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../electron/seat/demo/seed';
import { inProcessBridge } from '../../electron/seat/in-process';
import type { MethodArgs, MethodName, MethodResult, SeatBridge, WorklistItem } from '../../shared/contract';
import {
  axeSeriousViolations,
  type ConsoleScene,
  DAY,
  HOUR,
  openConsoleScene,
  REPO,
  signIn,
  T,
} from '../support/console-scene';
import { streamedWebm } from '../support/webm';

const AGENT = 'A002';

async function invoke<M extends MethodName>(
  bridge: SeatBridge,
  method: M,
  args: MethodArgs<M>,
): Promise<MethodResult<M>> {
  const r = (await bridge.invoke(method, args)) as
    | { ok: true; value: MethodResult<M> }
    | { ok: false; error: { code: string; message: string } };
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

/** Code-point order, as the seat's store compares names (SQLite's BINARY collation on UTF-8). */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('customer history and the worklist by name', () => {
  let scene: ConsoleScene;
  let agentId: string;
  /** The customer: name, id, the demo's open task (the earlier callback) and the one head office adds. */
  let customer: { id: string; name: string; earlierTask: string; laterTask: string };

  const db = () => scene.seat.store.db;
  const audited = (action: string) =>
    (
      db()
        .prepare(
          'SELECT entity_id AS entityId, detail FROM audit WHERE action = ? AND agent_id = ? ORDER BY rowid',
        )
        .all(action, agentId) as { entityId: string; detail: string }[]
    ).map((r) => ({ entityId: r.entityId, detail: JSON.parse(r.detail) as Record<string, unknown> }));

  /** Every open task the agent may work, as the seat lists them (by deadline). */
  function worklistOf(): WorklistItem[] {
    const items: WorklistItem[] = [];
    let after: { deadlineAt: string; taskId: string } | undefined;
    for (;;) {
      const page = scene.seat.store.worklist(agentId, { limit: 500, ...(after ? { after } : {}) });
      items.push(...page.items);
      const last = page.items.at(-1);
      if (page.items.length < 500 || !last) return items;
      after = { deadlineAt: last.deadlineAt, taskId: last.taskId };
    }
  }

  beforeAll(async () => {
    scene = await openConsoleScene();
    agentId = scene.agentId(AGENT);
    // A customer of the agent's worklist whose name is no other customer's and starts none (the search
    // finds a name or its start), with one open task.
    const names = (db().prepare('SELECT name FROM customers').all() as { name: string }[]).map((r) => r.name);
    const open = worklistOf();
    const pick = open.find(
      (i) =>
        names.filter((n) => n.startsWith(i.customerName)).length === 1 &&
        open.filter((o) => o.customerId === i.customerId).length === 1,
    );
    if (!pick) throw new Error('the demo seat has no customer to search by a unique name');
    // Head office sends the same customer's second task (a satisfaction survey), as its pull does.
    const now = scene.seat.store.now();
    const laterTask = uuidv4();
    scene.seat.store.importReferenceData({
      salespeople: [],
      agents: [],
      customers: [],
      tasks: [
        {
          id: laterTask,
          customerId: pick.customerId,
          branchId: scene.seat.store.seat()?.branchId ?? '',
          assignedAgentId: null,
          status: 'open',
          createdAt: new Date(Date.parse(now) - HOUR).toISOString(),
          purposes: [
            {
              type: 'satisfaction',
              deadlineAt: new Date(Date.parse(now) + 5 * DAY).toISOString(),
              reason: '第四季度满意度抽样',
              salespersonId: null,
            },
          ],
        },
      ],
    });
    customer = { id: pick.customerId, name: pick.customerName, earlierTask: pick.taskId, laterTask };
  }, 120_000);
  afterAll(async () => {
    await scene?.close();
  });

  /**
   * The earlier callback, by the agent through the seat's methods as the console makes one on the PBX line:
   * the dial, the answered call's recording, its end, and the result (the customer refused the callback).
   */
  async function earlierCallback(): Promise<{ recordingId: string }> {
    const supervisor = scene.agentId('A001');
    scene.seat.store.setSetting(supervisor, 'sip.wsUrl', 'ws://127.0.0.1:5066/');
    scene.seat.store.setSetting(supervisor, 'sip.uri', 'sip:8002@demo.test');
    const bridge = inProcessBridge(scene.seat);
    try {
      await invoke(bridge, 'session.login', { agentCode: AGENT, password: DEMO_PASSWORD });
      const attemptId = uuidv7();
      await invoke(bridge, 'call.start', { attemptId, taskId: customer.earlierTask });
      const started = Date.parse(scene.seat.store.now());
      const recordingId = uuidv7();
      await invoke(bridge, 'recording.start', { recordingId, attemptId, mimeType: 'audio/webm;codecs=opus' });
      const audio = streamedWebm(3);
      await invoke(bridge, 'recording.chunk', { recordingId, seq: 0, data: audio.toString('base64') });
      await invoke(bridge, 'recording.finish', { recordingId, durationMs: 3000 });
      await invoke(bridge, 'call.end', {
        attemptId,
        answeredAt: new Date(started + 2000).toISOString(),
        endedAt: new Date(started + 5000).toISOString(),
        outcome: 'answered',
        sipCode: 200,
      });
      const committed = await invoke(bridge, 'result.commit', {
        id: uuidv7(),
        taskId: customer.earlierTask,
        attemptId,
        outcome: 'refused',
        disposition: 'connected',
        notes: '客户表示近期不便，拒绝回访。',
        retryAt: null,
        supersedesId: null,
      });
      expect(committed.taskStatus).toBe('closed');
      return { recordingId };
    } finally {
      bridge.close();
      // No PBX again: the console stays the demo's.
      scene.seat.store.setSetting(supervisor, 'sip.wsUrl', '');
      scene.seat.store.setSetting(supervisor, 'sip.uri', '');
    }
  }

  it('finds the customer by exact name, shows the earlier callback, plays its recording', async () => {
    const { page } = scene;
    await scene.login(AGENT);
    const list = page.getByRole('listbox', { name: '回访任务列表' });
    await list.waitFor();

    // The exact name typed into the search box: that customer's tasks only, both of them; audited.
    await page.getByRole('searchbox', { name: '查找客户' }).fill(customer.name);
    await page.getByRole('searchbox', { name: '查找客户' }).press('Enter');
    const rows = list.getByRole('option');
    await expect.poll(() => rows.count(), { timeout: T }).toBe(2);
    expect(await list.locator('.row .customer').allTextContents()).toEqual([customer.name, customer.name]);
    const shown = await rows.evaluateAll((els) => els.map((e) => e.id.replace(/^task-/, '')));
    expect(shown.sort()).toEqual([customer.earlierTask, customer.laterTask].sort());
    expect(audited('worklist.search').at(-1)).toEqual({
      entityId: agentId,
      detail: { field: 'name', found: 2 },
    });
    // Never what was typed.
    expect(JSON.stringify(audited('worklist.search'))).not.toContain(customer.name);

    // The earlier callback is made; the search's list follows the seat (the closed task leaves it).
    const { recordingId } = await earlierCallback();
    await expect.poll(() => rows.count(), { timeout: T }).toBe(1);
    await rows.first().click();
    await page.getByRole('heading', { level: 2, name: customer.name }).waitFor();

    // 客户回访记录: the earlier task, closed, with its outcome, agent and recording to play.
    const history = page.locator('section.customer-history');
    await history.waitFor();
    await expect
      .poll(() => history.locator('h3').textContent(), { timeout: T })
      .toBe('客户回访记录 本坐席记录');
    const entry = history.locator('li').filter({ hasText: '客户拒绝回访' });
    await entry.waitFor();
    const text = await entry.textContent();
    expect(text).toContain('已结案');
    expect(text).toContain('接通');
    const agentName = (db().prepare('SELECT name FROM agents WHERE id = ?').get(agentId) as { name: string })
      .name;
    expect(text).toContain(`坐席 ${agentName}`);
    // The listing reveals nothing: the task view still shows the masked number only.
    const phone = db().prepare('SELECT phone FROM customers WHERE id = ?').get(customer.id) as {
      phone: string;
    };
    expect(await page.locator('.task-view').textContent()).not.toContain(phone.phone);

    const playsBefore = audited('recording.play').filter((p) => p.entityId === recordingId).length;
    expect(playsBefore).toBe(0);
    await entry.getByRole('button', { name: /^播放/ }).click();
    const player = history.getByLabel('录音播放器');
    await player.waitFor();
    await expect
      .poll(() => audited('recording.play').filter((p) => p.entityId === recordingId).length, { timeout: T })
      .toBeGreaterThan(0);
    // The whole file was read (the player has all of it), every slice audited with its range.
    const plays = audited('recording.play').filter((p) => p.entityId === recordingId);
    const bytes = plays.reduce((n, p) => n + Number(p.detail.bytes), 0);
    expect(bytes).toBe(Number(plays[0]?.detail.sizeBytes));
    await expect
      .poll(() => player.evaluate((a) => (a as unknown as { readyState: number }).readyState), { timeout: T })
      .toBeGreaterThan(0);

    // The section with its player passes axe as every seat screen does.
    expect(await axeSeriousViolations(page)).toEqual([]);
    await entry.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(REPO, 'docs/screenshots/task-history.png'), fullPage: false });
  });

  it('sorts the worklist by customer name, kept for the session', async () => {
    const { page } = scene;
    await page.getByRole('button', { name: '返回列表' }).click();
    await page.getByRole('button', { name: '清除查找' }).click();
    const list = page.getByRole('listbox', { name: '回访任务列表' });
    const sort = page.getByLabel('排序');
    expect(await sort.inputValue()).toBe('deadline');
    await sort.selectOption('customer');

    // The first rows are the agent's open tasks in name order (ties by deadline, then id), as JS orders them.
    const expected = worklistOf()
      .sort(
        (a, b) =>
          byCodePoint(a.customerName, b.customerName) ||
          byCodePoint(a.deadlineAt, b.deadlineAt) ||
          byCodePoint(a.taskId, b.taskId),
      )
      .slice(0, 8)
      .map((i) => i.customerName);
    const firstNames = () =>
      list
        .locator('.row .customer')
        .allTextContents()
        .then((names) => names.slice(0, 8));
    await expect.poll(firstNames, { timeout: T }).toEqual(expected);

    // A reload of the page (the session resumed, or logged in again): still by name.
    await page.reload();
    const login = page.getByLabel('工号');
    await list.or(login).waitFor();
    if (await login.isVisible()) await signIn(page, AGENT);
    await list.waitFor();
    expect(await page.getByLabel('排序').inputValue()).toBe('customer');
    await expect.poll(firstNames, { timeout: T }).toEqual(expected);

    // 下一个任务 after a commit follows the same order: the one after the task just done, by name.
    const order = worklistOf().sort(
      (a, b) =>
        byCodePoint(a.customerName, b.customerName) ||
        byCodePoint(a.deadlineAt, b.deadlineAt) ||
        byCodePoint(a.taskId, b.taskId),
    );
    const [done, next] = order;
    await list.locator(`[id="task-${done?.taskId}"]`).click();
    const task = page.locator('.task-view');
    await task.getByRole('button', { name: '未拨号记录结果' }).click();
    const wrapup = task.getByRole('region', { name: /回访小结/ });
    await wrapup.getByLabel(/请说明原因/).fill('客户资料中的手机号少一位，已请营业部核实');
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await task.getByRole('button', { name: /下一个任务/ }).click();
    await page.locator(`[id="task-${next?.taskId}"].open`).waitFor();
  });
});
