import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SeatError } from '../../../../shared/contract';
import { ContactPayload } from '../../../../shared/contract/sync';
import { formatChinaTime } from '../../../../shared/domain/preferred-times';
import { BRANCH } from '../../../support/fixtures';
import { storeWithBranch } from '../../../support/seat';
import { thrown } from '../../../support/thrown';

type Ctx = Awaited<ReturnType<typeof storeWithBranch>>;
const H = 3600_000;
const seatError = (fn: () => unknown) => thrown(SeatError, fn);

describe('a customer’s 免打扰 and 偏好时段 at the seat', () => {
  let ctx: Ctx;
  /** The seat's clock (the store's injected `now`); each test sets it. */
  let clock: number;
  beforeEach(async () => {
    // Friday 2026-11-27, 10:00 in Shanghai, unless a test moves it.
    clock = Date.parse('2026-11-27T02:00:00.000Z');
    ctx = await storeWithBranch(() => new Date(clock));
    ctx.store.setSetting(ctx.ids.agent, 'sip.wsUrl', 'ws://127.0.0.1:5066/');
    ctx.store.setSetting(ctx.ids.agent, 'sip.uri', 'sip:8001@rig.test');
  });
  afterEach(() => ctx.close());

  const rows = (sql: string, ...params: unknown[]) => ctx.store.db.prepare(sql).all(...params);
  const audit = (action: string) =>
    (
      rows(
        'SELECT agent_id AS agentId, entity_id AS entityId, detail FROM audit WHERE action = ?',
        action,
      ) as {
        agentId: string;
        entityId: string;
        detail: string;
      }[]
    ).map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  const contactEntries = () =>
    (
      rows("SELECT entity_id AS entityId, payload FROM outbox WHERE kind = 'contact' ORDER BY seq") as {
        entityId: string;
        payload: string;
      }[]
    ).map((r) => ({ entityId: r.entityId, payload: JSON.parse(r.payload) as unknown }));
  const attempts = () => rows('SELECT id FROM attempts').length;
  const dial = () => ctx.store.startCall(ctx.ids.agent, uuidv7(), ctx.ids.taskA);

  it('registers 免打扰 with a reason of at least 4 characters, audited and in the outbox for head office', () => {
    const short = seatError(() => ctx.store.setDoNotCall(ctx.ids.agent, ctx.ids.customerA, true, ' 不 要 '));
    expect(short.code).toBe('BAD_REQUEST');
    expect(short.message).toBe('请填写原因（至少 4 个字）');
    expect(audit('customer.doNotCall')).toEqual([]);
    expect(contactEntries()).toEqual([]);

    const contact = ctx.store.setDoNotCall(ctx.ids.agent, ctx.ids.customerA, true, '客户要求不再来电');
    const registered = {
      source: 'agent',
      reason: '客户要求不再来电',
      by: '李静（A001）',
      at: new Date(clock).toISOString(),
    };
    expect(contact).toEqual({ doNotCall: registered, preferredTimes: [] });
    expect(ctx.store.taskDetail(ctx.ids.agent, ctx.ids.taskA).contact).toEqual(contact);
    expect(audit('customer.doNotCall')).toEqual([
      {
        agentId: ctx.ids.agent,
        entityId: ctx.ids.customerA,
        detail: { on: true, reason: '客户要求不再来电', previous: null },
      },
    ]);
    const [entry] = contactEntries();
    expect(entry?.entityId).toBe(ctx.ids.customerA);
    expect(ContactPayload.parse(entry?.payload)).toMatchObject({
      wish: 'doNotCall',
      customerId: ctx.ids.customerA,
      agentId: ctx.ids.agent,
      doNotCall: registered,
    });
  });

  it('refuses to dial a 免打扰 customer (CONFLICT, the reason in Chinese), audited, no attempt; lifted, it dials', () => {
    ctx.store.setDoNotCall(ctx.ids.agent, ctx.ids.customerA, true, '客户投诉来电过多');
    const refused = seatError(dial);
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toBe('客户已登记免打扰（原因：客户投诉来电过多），不能拨打');
    expect(attempts()).toBe(0);
    expect(rows("SELECT 1 FROM outbox WHERE kind = 'attempt'")).toEqual([]);
    expect(audit('call.refused')).toEqual([
      {
        agentId: ctx.ids.agent,
        entityId: ctx.ids.taskA,
        detail: { customerId: ctx.ids.customerA, rule: 'do_not_call', nextAllowedAt: null },
      },
    ]);
    expect(audit('call.dial')).toEqual([]);

    // Lifting needs a reason too, and there must be something to lift.
    expect(seatError(() => ctx.store.setDoNotCall(ctx.ids.agent, ctx.ids.customerA, false, '')).code).toBe(
      'BAD_REQUEST',
    );
    ctx.store.setDoNotCall(ctx.ids.agent, ctx.ids.customerA, false, '客户来电同意回访');
    expect(
      seatError(() => ctx.store.setDoNotCall(ctx.ids.agent, ctx.ids.customerA, false, '再解除一次')).message,
    ).toBe('该客户未登记免打扰');
    expect(dial().target).toBe('sip:13812345678@rig.test');
    expect(attempts()).toBe(1);
    expect(audit('customer.doNotCall').map((a) => a.detail.on)).toEqual([true, false]);
  });

  it('head office’s 免打扰 comes with the pull; an agent cannot lift it, a supervisor can', () => {
    const supervisor = uuidv7();
    const customer = ctx.batch.customers[0];
    if (!customer) throw new Error('no customer');
    const hqFlag = {
      source: 'hq' as const,
      reason: '客户向总部申请免打扰',
      by: '总部导入（HQ01）',
      at: '2026-11-20T01:00:00.000Z',
    };
    ctx.store.importReferenceData({
      salespeople: [],
      agents: [
        {
          id: supervisor,
          code: 'SH01',
          name: '赵主管',
          branchId: BRANCH.branchId,
          role: 'supervisor',
          staffId: null,
        },
      ],
      customers: [{ ...customer, doNotCall: hqFlag }],
      tasks: [],
    });
    expect(ctx.store.taskDetail(ctx.ids.agent, ctx.ids.taskA).contact.doNotCall).toEqual(hqFlag);
    expect(seatError(dial).message).toContain('客户向总部申请免打扰');

    const forbidden = seatError(() =>
      ctx.store.setDoNotCall(ctx.ids.agent, ctx.ids.customerA, false, '客户同意回访'),
    );
    expect(forbidden.code).toBe('FORBIDDEN');
    expect(forbidden.message).toBe('该客户的免打扰由总部登记，只有主管可以解除');

    // A batch without the fields (an older head office, the demo) leaves the customer's wishes as they are.
    ctx.store.importReferenceData({ salespeople: [], agents: [], customers: [customer], tasks: [] });
    expect(ctx.store.taskDetail(ctx.ids.agent, ctx.ids.taskA).contact.doNotCall).toEqual(hqFlag);

    ctx.store.setDoNotCall(supervisor, ctx.ids.customerA, false, '主管核实后解除');
    expect(audit('customer.doNotCall')).toEqual([
      {
        agentId: supervisor,
        entityId: ctx.ids.customerA,
        detail: { on: false, reason: '主管核实后解除', previous: { source: 'hq' } },
      },
    ]);
    // Head office's old value in a pull does not undo the change still waiting in the outbox.
    ctx.store.importReferenceData({
      salespeople: [],
      agents: [],
      customers: [{ ...customer, doNotCall: hqFlag }],
      tasks: [],
    });
    expect(ctx.store.taskDetail(ctx.ids.agent, ctx.ids.taskA).contact.doNotCall).toBeNull();
    expect(dial().numberMasked).toBe('138****5678');
  });

  it('refuses a dial outside the preferred times with the next time inside them and the calling window', () => {
    const set = (text: { start: string; end: string; weekdays: number[] | null }[]) =>
      ctx.store.setPreferredTimes(ctx.ids.agent, ctx.ids.customerA, text, '客户说只有晚上方便');
    // Calling window 00:00–02:00 and 20:00–23:59; the customer: Friday nights 22:00 to 01:00.
    ctx.store.setSetting(ctx.ids.agent, 'calling.window', [
      { start: '00:00', end: '02:00' },
      { start: '20:00', end: '23:59' },
    ]);
    expect(set([{ start: '22:00', end: '01:00', weekdays: [5] }]).preferredTimes).toEqual([
      { start: '22:00', end: '01:00', weekdays: [5] },
    ]);
    expect(audit('customer.preferredTimes')).toEqual([
      {
        agentId: ctx.ids.agent,
        entityId: ctx.ids.customerA,
        detail: {
          preferredTimes: [{ start: '22:00', end: '01:00', weekdays: [5] }],
          previous: [],
          reason: '客户说只有晚上方便',
        },
      },
    ]);
    expect(contactEntries().map((e) => (e.payload as { wish: string }).wish)).toEqual(['preferredTimes']);

    // Friday 10:00 → Friday 22:00, twelve hours on.
    const friday = clock;
    let refused = seatError(dial);
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toBe(
      `现在不在客户的偏好时段（周五 22:00–01:00）内，下次可拨打时间：${formatChinaTime(friday + 12 * H)}`,
    );
    expect(refused.message).toContain('（周五）22:00');
    expect(audit('call.refused').at(-1)?.detail).toEqual({
      customerId: ctx.ids.customerA,
      rule: 'preferred_times',
      nextAllowedAt: new Date(friday + 12 * H).toISOString(),
    });
    // Saturday 00:30 is still Friday's window: the dial goes through.
    clock = friday + 14.5 * H;
    expect(dial().target).toBe('sip:13812345678@rig.test');
    // Sunday 00:30 is Saturday's night, not the customer's: next Friday 22:00.
    clock = friday + (24 + 14.5) * H;
    refused = seatError(dial);
    expect(refused.message).toContain(formatChinaTime(friday + 7 * 24 * H + 12 * H));
    expect(attempts()).toBe(1);

    // Preferred times that never meet the calling window: refused, with no time to offer.
    set([{ start: '03:00', end: '05:00', weekdays: null }]);
    expect(seatError(dial).message).toBe(
      '现在不在客户的偏好时段（每天 03:00–05:00）内，且偏好时段与呼叫时段没有重合，请联系主管',
    );
    // Lifted (an empty list): any time again.
    set([]);
    expect(dial().numberMasked).toBe('138****5678');
    expect(attempts()).toBe(2);
  });

  it('never refuses the training line (a simulated customer is called) and checks visibility', () => {
    ctx.store.setSetting(ctx.ids.agent, 'training.enabled', true);
    ctx.store.setDoNotCall(ctx.ids.agent, ctx.ids.customerA, true, '客户要求不再来电');
    const started = ctx.store.startCall(ctx.ids.agent, uuidv7(), ctx.ids.taskA, {
      personaId: 'p1',
      personaVersion: 1,
      findings: [],
    });
    expect(started.training).toBe(true);
    // The recused agent (A002 serves customer A) may not change this customer's wishes.
    expect(
      seatError(() => ctx.store.setDoNotCall(ctx.ids.recusedAgent, ctx.ids.customerA, false, '我来解除它'))
        .code,
    ).toBe('FORBIDDEN');
  });
});
