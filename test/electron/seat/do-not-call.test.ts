/**
 * 免打扰 and 偏好时段 through the seat's contract (customer.setDoNotCall, customer.setPreferredTimes, call.start,
 * task.get), as the console calls them: validated arguments, the seat's refusals in Chinese, the outbox told.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { Seat } from '../../../electron/seat/seat';
import type { SeatBridge } from '../../../shared/contract';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';

type Bridge = SeatBridge & { close(): void };
type R<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
const ok = <T>(r: R<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const refused = <T>(r: R<T>) => {
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
};

describe('免打扰 and 偏好时段 through the seat contract', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let api: Bridge;
  let branch: Awaited<ReturnType<typeof smallBranch>>;
  /** The seat's clock: Monday 2026-11-30, 15:00 in Shanghai. */
  let clock = Date.parse('2026-11-30T07:00:00.000Z');

  beforeEach(async () => {
    tmp = tempDir();
    clock = Date.parse('2026-11-30T07:00:00.000Z');
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: 'test',
      onDefect: () => {},
      now: () => new Date(clock),
    });
    seat.store.ensureSeat(BRANCH);
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    seat.store.setSetting(branch.ids.agent, 'sip.wsUrl', 'wss://pbx.test:7443/ws');
    seat.store.setSetting(branch.ids.agent, 'sip.uri', 'sip:8001@pbx.test');
    api = inProcessBridge(seat);
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
  });
  afterEach(() => {
    api.close();
    seat.close();
    tmp.cleanup();
  });

  const dial = () => api.invoke('call.start', { attemptId: uuidv7(), taskId: branch.ids.taskA });

  it('sets 免打扰 with a reason, shows it in task.get, refuses call.start, and lifts it', async () => {
    const short = refused(
      await api.invoke('customer.setDoNotCall', {
        customerId: branch.ids.customerA,
        doNotCall: true,
        reason: '不要',
      }),
    );
    expect(short).toEqual({ code: 'BAD_REQUEST', message: '请填写原因（至少 4 个字）' });
    const contact = ok(
      await api.invoke('customer.setDoNotCall', {
        customerId: branch.ids.customerA,
        doNotCall: true,
        reason: '客户要求不再来电',
      }),
    );
    expect(contact.doNotCall).toMatchObject({
      source: 'agent',
      reason: '客户要求不再来电',
      by: '李静（A001）',
    });
    expect(ok(await api.invoke('task.get', { taskId: branch.ids.taskA })).contact).toEqual(contact);
    expect(refused(await dial())).toEqual({
      code: 'CONFLICT',
      message: '客户已登记免打扰（原因：客户要求不再来电），不能拨打',
    });
    ok(
      await api.invoke('customer.setDoNotCall', {
        customerId: branch.ids.customerA,
        doNotCall: false,
        reason: '客户同意回访',
      }),
    );
    expect(ok(await dial()).numberMasked).toBe('138****5678');
    const entries = seat.store.db.prepare("SELECT count(*) AS n FROM outbox WHERE kind = 'contact'").get();
    expect(entries).toEqual({ n: 2 });
  });

  it('sets preferred times (validated by the contract) and refuses a dial outside them', async () => {
    const bad = refused(
      await api.invoke('customer.setPreferredTimes', {
        customerId: branch.ids.customerA,
        preferredTimes: [{ start: '09:00', end: '09:00', weekdays: null }],
        reason: '客户说上午方便',
      }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toContain('偏好时段的开始和结束时间不能相同');
    ok(
      await api.invoke('customer.setPreferredTimes', {
        customerId: branch.ids.customerA,
        preferredTimes: [{ start: '15:10', end: '16:00', weekdays: [1] }],
        reason: '客户说周一下午方便',
      }),
    );
    // Monday 15:00 → Monday 15:10, ten minutes on (within the session's idle limit).
    const r = refused(await dial());
    expect(r.code).toBe('CONFLICT');
    expect(r.message).toBe(
      '现在不在客户的偏好时段（周一 15:10–16:00）内，下次可拨打时间：11月30日（周一）15:10',
    );
    clock += 10 * 60_000;
    expect(ok(await dial()).training).toBe(false);
  });
});
