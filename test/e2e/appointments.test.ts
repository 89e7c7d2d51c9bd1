/**
 * A 约定回拨 reminder (#16, point 2), as an agent meets it: the built renderer in Debian's Chromium through the
 * web host, on the demo seat. The appointment is made through the seat's own methods (a real answered call
 * committed as 约定回拨 twenty minutes ahead: the demo seat has no PBX, and practice is never an appointment);
 * then the seat's clock passes the time and the console, logged in, shows the reminder, whose 打开任务 opens
 * that task, and 10 分钟后提醒 puts it away.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../electron/seat/demo/seed';
import { inProcessBridge } from '../../electron/seat/in-process';
import { type ConsoleScene, openConsoleScene } from '../support/console-scene';

const MIN = 60_000;
/** `ms` moved off 23:59 China time, the one minute the all-day window (00:00–23:59, end exclusive) leaves out. */
const offWindowEnd = (ms: number) => {
  const local = new Date(ms + 8 * 3600_000);
  return local.getUTCHours() === 23 && local.getUTCMinutes() === 59 ? ms + 2 * MIN : ms;
};

describe('约定回拨 reminders (browser seat)', () => {
  let scene: ConsoleScene;
  /** The seat's clock runs this far ahead of the wall clock. */
  let offset = 0;
  let taskId = '';
  let customerName = '';

  beforeAll(async () => {
    scene = await openConsoleScene({
      now: () => new Date(Date.now() + offset),
      appointmentCheckMs: 500,
      // Any hour is inside the calling window: the test runs at any time of day.
      settings: { 'calling.window': [{ start: '00:00', end: '23:59' }] },
    });
    const { seat } = scene;
    const supervisor = scene.agentId('A001');
    // A real line for the one call that makes the appointment, then back to the demo's training line.
    seat.store.setSetting(supervisor, 'sip.wsUrl', 'wss://pbx.test:7443/ws');
    seat.store.setSetting(supervisor, 'sip.uri', 'sip:8002@pbx.test');
    const api = inProcessBridge(seat);
    const call = async <T>(
      r: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>,
    ) => {
      const x = await r;
      if (!x.ok) throw new Error(x.error.message);
      return x.value;
    };
    await call(api.invoke('session.login', { agentCode: 'A002', password: DEMO_PASSWORD }));
    const first = (await call(api.invoke('worklist.list', { limit: 1 }))).items[0];
    if (!first) throw new Error('the demo agent has no task');
    taskId = first.taskId;
    customerName = first.customerName;
    const attemptId = uuidv7();
    await call(api.invoke('call.start', { attemptId, taskId }));
    const t = seat.store.now();
    await call(
      api.invoke('call.end', { attemptId, answeredAt: t, endedAt: t, outcome: 'answered', sipCode: 200 }),
    );
    await call(
      api.invoke('result.commit', {
        id: uuidv7(),
        taskId,
        attemptId,
        outcome: 'retry',
        disposition: 'call_back_later',
        notes: '客户在开车，约定二十分钟后回拨',
        retryAt: new Date(offWindowEnd(Date.parse(t) + 20 * MIN)).toISOString(),
        supersedesId: null,
      }),
    );
    await call(api.invoke('session.logout', {}));
    api.close();
    seat.store.setSetting(supervisor, 'sip.wsUrl', '');
    seat.store.setSetting(supervisor, 'sip.uri', '');
    await scene.login('A002');
    await scene.page.getByRole('listbox', { name: '回访任务列表' }).getByRole('option').first().waitFor();
  }, 60_000);

  afterAll(async () => {
    await scene?.close();
  });

  it('reminds the agent when the time comes, opens the task, and snoozes', async () => {
    const { page } = scene;
    const reminders = page.getByRole('region', { name: '约定回拨提醒' });
    // Not yet due: no reminder.
    expect(await reminders.count()).toBe(0);

    offset = 25 * MIN;
    const reminder = reminders.locator(`[data-task="${taskId}"]`);
    await reminder.waitFor();
    expect(await reminder.textContent()).toContain(`约定回拨时间到：${customerName}（客户约定`);

    await reminder.getByRole('button', { name: '打开任务' }).click();
    await page.locator(`[id="task-${taskId}"].open`).waitFor();
    await page.locator('.task-view').getByRole('heading', { name: customerName }).waitFor();
    await reminders.waitFor({ state: 'detached' });

    // After a reload (F5) the due appointment is shown again; 10 分钟后提醒 puts it away.
    await page.reload();
    await reminder.waitFor();
    await reminder.getByRole('button', { name: '10 分钟后提醒' }).click();
    await reminders.waitFor({ state: 'detached' });
  }, 60_000);
});
