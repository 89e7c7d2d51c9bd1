/**
 * 约定回拨 at the seat (issue 16, point 2): a real result with the disposition 约定回拨 and its time is the
 * agent's appointment; it becomes due on the seat's clock, is announced once (`appointments.due`), and is gone
 * once the task is dialled again. Practice results and other agents' appointments are never listed.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { Seat } from '../../../electron/seat/seat';
import type { SeatBridge } from '../../../shared/contract';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';
import { resultFor } from '../../support/seat';

type Bridge = SeatBridge & { close(): void };
type R<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
const ok = <T>(r: R<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const MIN = 60_000;
/**
 * `ms` moved off 23:59 China time, the one minute the all-day calling window (00:00–23:59, end exclusive)
 * leaves out: the clock-shift run puts these tests near midnight.
 */
const inWindow = (ms: number) =>
  new Date(ms + 8 * 3600_000).getUTCHours() * 60 + new Date(ms + 8 * 3600_000).getUTCMinutes() === 1439
    ? ms + 2 * MIN
    : ms;

describe('约定回拨 at the seat', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let api: Bridge;
  let branch: Awaited<ReturnType<typeof smallBranch>>;
  /** The seat's clock: now, moved by the tests. */
  let clock = Date.now();

  const open = async () => {
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: 'test',
      onDefect: () => {},
      now: () => new Date(clock),
      appointmentCheckMs: 50,
    });
  };
  /**
   * A real call on task A (answered, or busy), committed as a retry at `at`: with the disposition 约定回拨 an
   * appointment, with 忙线 a plain retry.
   */
  async function retryCall(at: number, kind: 'call_back_later' | 'busy' = 'call_back_later') {
    const attemptId = uuidv7();
    ok(await api.invoke('call.start', { attemptId, taskId: branch.ids.taskA }));
    const t = new Date(clock).toISOString();
    const answered = kind === 'call_back_later';
    ok(
      await api.invoke('call.end', {
        attemptId,
        answeredAt: answered ? t : null,
        endedAt: t,
        outcome: answered ? 'answered' : 'busy',
        sipCode: answered ? 200 : 486,
      }),
    );
    ok(
      await api.invoke(
        'result.commit',
        resultFor(branch.ids.taskA, {
          attemptId,
          outcome: 'retry',
          disposition: kind,
          notes: answered ? '客户在开会，约定稍后回拨' : '忙线',
          retryAt: new Date(at).toISOString(),
        }),
      ),
    );
  }
  const appointment = (at: number) => retryCall(at);

  beforeEach(async () => {
    tmp = tempDir();
    clock = Date.now();
    await open();
    seat.store.ensureSeat(BRANCH);
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    const s = (key: 'sip.wsUrl' | 'sip.uri', value: string) =>
      seat.store.setSetting(branch.ids.agent, key, value);
    s('sip.wsUrl', 'wss://pbx.test:7443/ws');
    s('sip.uri', 'sip:8001@pbx.test');
    // Any time of day is inside the calling window: the test runs at any hour.
    seat.store.setSetting(branch.ids.agent, 'calling.window', [{ start: '00:00', end: '23:59' }]);
    api = inProcessBridge(seat);
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
  });
  afterEach(() => {
    api.close();
    seat.close();
    tmp.cleanup();
  });

  it('lists the appointment, makes it due on the seat’s clock, announces it once, and drops it at the next dial', async () => {
    const at = inWindow(clock + 20 * MIN);
    await appointment(at);
    expect(ok(await api.invoke('appointments.list', {})).items).toEqual([
      { taskId: branch.ids.taskA, at: new Date(at).toISOString(), customerName: '张伟', due: false },
    ]);
    const announced: string[][] = [];
    api.on('appointments.due', (e) => announced.push(e.taskIds));

    clock = at + 1000;
    await expect.poll(() => announced, { timeout: 5_000 }).toEqual([[branch.ids.taskA]]);
    expect(ok(await api.invoke('appointments.list', {})).items[0]?.due).toBe(true);
    // Announced once: later checks stay quiet.
    const before = announced.length;
    await new Promise<void>((resolve) => {
      // Three more checks (50 ms apart), waited on the seat's own timer ticks.
      let ticks = 0;
      const timer = setInterval(() => {
        ticks += 1;
        if (ticks === 4) {
          clearInterval(timer);
          resolve();
        }
      }, 60);
    });
    expect(announced.length).toBe(before);

    // The agent dials the task again: the appointment is kept.
    ok(await api.invoke('call.start', { attemptId: uuidv7(), taskId: branch.ids.taskA }));
    expect(ok(await api.invoke('appointments.list', {})).items).toEqual([]);
  });

  it('is the agent’s own, and a retry that is not 约定回拨 is none', async () => {
    await appointment(inWindow(clock + 25 * MIN));
    const other = inProcessBridge(seat);
    ok(await other.invoke('session.login', { agentCode: 'A003', password: PASSWORD }));
    expect(ok(await other.invoke('appointments.list', {})).items).toEqual([]);
    other.close();

    // A newer result (a busy retry) replaces the appointment.
    clock += MIN;
    await retryCall(inWindow(clock + 60 * MIN), 'busy');
    expect(ok(await api.invoke('appointments.list', {})).items).toEqual([]);
  });
});
