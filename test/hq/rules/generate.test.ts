import { describe, expect, it } from 'vitest';
import { endOfLocalDay } from '../../../hq/rules/calendar';
import { plan } from '../../../hq/rules/generate';
import { applyPlan, batch, cn, counter, customer, openingRow, RULES, rulesWith, stateOf } from './support';

const NOW = cn('2025-03-14 12:00');

describe('plan: account openings', () => {
  it('a non-site opening in hours: one new task with qualification (today) and new account (14 days)', () => {
    const row = openingRow('C1', '2025-03-14 10:30', {
      channel: 'nonsite',
      salespersonId: 'S1',
      introducerId: 'S2',
    });
    const p = plan({ rules: RULES, now: NOW, batches: [batch('accounts_opened', [row])], state: stateOf() });
    expect(p.skipped).toEqual([]);
    expect(p.customers.map((c) => c.customerId)).toEqual(['C1']);
    expect(p.tasks).toHaveLength(1);
    const task = p.tasks[0];
    expect(task).toMatchObject({
      taskId: null,
      customerId: 'C1',
      branchId: 'B1',
      deadlineAt: endOfLocalDay('2025-03-14'),
    });
    expect(task?.add).toEqual([
      {
        type: 'nonsite_qualification',
        deadlineAt: endOfLocalDay('2025-03-14'),
        reason: '2025-03-14 10:30 非现场见证开户，资质审核',
        salespersonId: 'S2',
        sourceKey: 'accounts_opened:C1:nonsite_qualification',
      },
      {
        type: 'new_account',
        deadlineAt: endOfLocalDay('2025-03-28'),
        reason: '开户日 2025-03-14 非现场见证开户，营销人员开发',
        salespersonId: 'S2',
        sourceKey: 'accounts_opened:C1:new_account',
      },
    ]);
    expect(task?.quarters).toEqual(['2025-Q1']);
    expect(p.decided).toEqual([
      { sourceKey: 'accounts_opened:C1:nonsite_qualification', decision: 'created' },
      { sourceKey: 'accounts_opened:C1:new_account', decision: 'created' },
      { sourceKey: 'accounts_opened:C1', decision: 'imported' },
    ]);
  });

  it('a counter opening: the new-account callback only, naturally grown without a salesperson', () => {
    const row = openingRow('C1', '2025-03-13 10:00', { margin: '是' });
    const p = plan({ rules: RULES, now: NOW, batches: [batch('accounts_opened', [row])], state: stateOf() });
    expect(p.tasks[0]?.add.map((x) => [x.type, x.reason, x.salespersonId])).toEqual([
      ['new_account', '开户日 2025-03-13 柜台开户，自然开发，含融资融券', null],
    ]);
  });

  it('a non-site opening after hours is marked as such', () => {
    const row = openingRow('C1', '2025-03-13 19:00', { channel: 'nonsite' });
    const p = plan({ rules: RULES, now: NOW, batches: [batch('accounts_opened', [row])], state: stateOf() });
    expect(p.tasks[0]?.add[0]?.reason).toBe('2025-03-13 19:00 非现场见证开户（非开户时段），资质审核');
    expect(p.tasks[0]?.deadlineAt).toBe(endOfLocalDay('2025-03-14'));
  });

  it('an opening said to happen after now is a bad row', () => {
    const row = openingRow('C1', '2025-03-14 15:00');
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('accounts_opened', [row], 2)],
      state: stateOf(),
    });
    expect(p.tasks).toEqual([]);
    expect(p.skipped).toEqual([
      {
        feed: 'accounts_opened',
        row: 2,
        sourceKey: 'accounts_opened:C1',
        customerId: 'C1',
        reason: 'bad_row',
        message: '第 2 行：开户时间晚于当前时间',
      },
    ]);
  });
});

describe('plan: merging into one task per customer (一事一扰)', () => {
  const openTask = {
    id: 'T1',
    customerId: 'C1',
    branchId: 'B1',
    purposes: [
      {
        type: 'aml' as const,
        deadlineAt: endOfLocalDay('2025-04-01'),
        reason: '反洗钱',
        salespersonId: null,
      },
    ],
  };

  it('joins the open task, and the task deadline becomes the earliest purpose', () => {
    const state = stateOf({ customers: [customer('C1', 'B1', 'S1')], openTasks: [openTask] });
    const row = {
      listId: 'L1',
      customerId: 'C1',
      source: 'compliance',
      namedAt: '2025-03-14 09:00',
      reason: '频繁撤单',
    };
    const p = plan({ rules: RULES, now: NOW, batches: [batch('abnormal', [row])], state });
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]).toMatchObject({
      taskId: 'T1',
      deadlineAt: endOfLocalDay('2025-03-18'),
      amend: [],
      quarters: [],
    });
    expect(p.tasks[0]?.add).toEqual([
      {
        type: 'abnormal',
        deadlineAt: endOfLocalDay('2025-03-18'),
        reason: '合规部指定账户（名单 L1）：频繁撤单',
        salespersonId: 'S1',
        sourceKey: 'abnormal:L1:C1',
      },
    ]);
  });

  it('keeps the open task deadline when the new purpose is due later', () => {
    const state = stateOf({ customers: [customer('C1')], openTasks: [openTask] });
    const row = { noticeId: 'N1', customerId: 'C1', title: '协议变更告知', deadline: '2025-04-30' };
    const p = plan({ rules: RULES, now: NOW, batches: [batch('notices', [row])], state });
    expect(p.tasks[0]?.deadlineAt).toBe(endOfLocalDay('2025-04-01'));
  });

  it('a second demand of a type the open task has amends that purpose: earliest deadline, both reasons', () => {
    const state = stateOf({ customers: [customer('C1')], openTasks: [openTask] });
    const row = { listId: 'AML-9', customerId: 'C1', listedAt: '2025-03-10', reason: '证件过期' };
    const p = plan({ rules: RULES, now: NOW, batches: [batch('aml', [row])], state });
    expect(p.tasks[0]?.add).toEqual([]);
    expect(p.tasks[0]?.amend).toEqual([
      {
        type: 'aml',
        deadlineAt: endOfLocalDay('2025-04-01'),
        reason: '反洗钱；反洗钱身份重新识别（名单 AML-9）：证件过期',
        salespersonId: null,
        sourceKey: 'aml:AML-9:C1',
      },
    ]);
    expect(p.decided).toEqual([{ sourceKey: 'aml:AML-9:C1', decision: 'merged' }]);
  });

  it('two rows of one type for one customer in one import make one purpose', () => {
    const rows = [
      { listId: 'L1', customerId: 'C1', source: 'exchange', namedAt: '2025-03-13' },
      { listId: 'L2', customerId: 'C1', source: 'exchange', namedAt: '2025-03-11' },
    ];
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('abnormal', rows)],
      state: stateOf({ customers: [customer('C1')] }),
    });
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]?.add).toEqual([
      {
        type: 'abnormal',
        deadlineAt: endOfLocalDay('2025-03-13'),
        reason: '交易所指定账户（名单 L1）；交易所指定账户（名单 L2）',
        salespersonId: null,
        sourceKey: 'abnormal:L1:C1',
      },
    ]);
    expect(p.decided.map((d) => d.decision)).toEqual(['created', 'merged']);
  });

  it('purposes from several feeds in one import make one new task per customer', () => {
    const state = stateOf({ customers: [customer('C1', 'B1', 'S1'), customer('C2', 'B1', 'S1')] });
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [
        batch('complaints', [
          { complaintId: 'K1', customerId: 'C1', handledAt: '2025-03-12', topic: '服务态度' },
        ]),
        batch('salesperson_departures', [{ salespersonId: 'S1', departedAt: '2025-03-13' }]),
      ],
      state,
    });
    expect(p.tasks.map((t) => [t.customerId, t.add.map((x) => x.type), t.deadlineAt])).toEqual([
      ['C1', ['salesperson_departure', 'complaint'], endOfLocalDay('2025-03-19')],
      ['C2', ['salesperson_departure'], endOfLocalDay('2025-03-23')],
    ]);
  });
});

describe('plan: 100% sets', () => {
  it('every customer named by a list gets the purpose', () => {
    const customers = Array.from({ length: 40 }, (_, i) => customer(`C${i}`));
    const rows = customers.map((c) => ({
      listId: 'SZSE-12',
      customerId: c.id,
      source: 'exchange',
      namedAt: '2025-03-14',
    }));
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('abnormal', rows)],
      state: stateOf({ customers }),
    });
    expect(p.tasks).toHaveLength(40);
    expect(p.skipped).toEqual([]);
  });

  it('a departure reaches every customer served and, by default, every customer brought in', () => {
    const customers = [
      customer('C1', 'B1', 'S1'),
      customer('C2', 'B1', 'S1', 'S9'),
      customer('C3', 'B2', 'S2', 'S1'),
      customer('C4', 'B1', 'S2'),
    ];
    const rows = [{ salespersonId: 'S1', departedAt: '2025-03-10' }];
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('salesperson_departures', rows)],
      state: stateOf({ customers }),
    });
    expect(p.tasks.map((t) => [t.customerId, t.branchId, t.add[0]?.reason])).toEqual([
      ['C1', 'B1', '营销人员 S1 于 2025-03-10 离职'],
      ['C2', 'B1', '营销人员 S1 于 2025-03-10 离职'],
      ['C3', 'B2', '营销人员 S1 于 2025-03-10 离职（其介绍的客户）'],
    ]);
    expect(p.tasks.every((t) => t.add[0]?.salespersonId === 'S1')).toBe(true);
    const servedOnly = rulesWith({ departure: { includeIntroduced: false } });
    const q = plan({
      rules: servedOnly,
      now: NOW,
      batches: [batch('salesperson_departures', rows)],
      state: stateOf({ customers }),
    });
    expect(q.tasks.map((t) => t.customerId)).toEqual(['C1', 'C2']);
  });

  it('customers opened in the same import are known to the other feeds', () => {
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [
        batch('salesperson_departures', [{ salespersonId: 'S7', departedAt: '2025-03-14 11:00' }]),
        batch('accounts_opened', [openingRow('C5', '2025-03-12 10:00', { salespersonId: 'S7' })]),
      ],
      state: stateOf(),
    });
    expect(p.tasks.map((t) => t.add.map((x) => x.type))).toEqual([['new_account', 'salesperson_departure']]);
  });
});

describe('plan: deadlines a feed gives', () => {
  it('a notice and an advisory service bring their own deadline; advisory falls back to 30 days', () => {
    const state = stateOf({ customers: [customer('C1'), customer('C2'), customer('C3', 'B1', 'S4')] });
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [
        batch('notices', [
          { noticeId: 'N1', customerId: 'C1', title: '退市整理期风险提示', deadline: '2025-03-20 18:00' },
        ]),
        batch('advisory', [
          {
            serviceId: 'V1',
            customerId: 'C2',
            title: '组合建议',
            eventAt: '2025-03-10',
            deadline: '2025-03-25',
          },
          { serviceId: 'V2', customerId: 'C3', title: '签约回访', eventAt: '2025-03-10' },
        ]),
        batch('complaints', [
          { complaintId: 'K1', customerId: 'C3', handledAt: '2025-03-14 09:00', salespersonId: 'S4' },
        ]),
      ],
      state,
    });
    // Tasks in the order the feeds are worked: complaints, notices, advisory.
    expect(p.tasks.map((t) => t.add.map((x) => [x.type, x.deadlineAt, x.reason, x.salespersonId]))).toEqual([
      [
        ['complaint', endOfLocalDay('2025-03-21'), '投诉 K1 办结后回访', 'S4'],
        ['advisory', endOfLocalDay('2025-04-09'), '投资顾问服务回访：签约回访（服务 V2）', null],
      ],
      [['notification', cn('2025-03-20 18:00'), '退市整理期风险提示（通知 N1）', null]],
      [['advisory', endOfLocalDay('2025-03-25'), '投资顾问服务回访：组合建议（服务 V1）', null]],
    ]);
    expect(p.tasks[0]?.deadlineAt).toBe(endOfLocalDay('2025-03-21'));
  });
});

describe('plan: idempotent re-import and skips', () => {
  const rows = [
    openingRow('C1', '2025-03-14 10:00', { channel: 'nonsite' }),
    openingRow('C2', '2025-03-13 11:00'),
  ];

  it('the same import again creates nothing and says why', () => {
    const first = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('accounts_opened', rows, 2)],
      state: stateOf(),
    });
    const state = applyPlan(stateOf(), first, counter());
    const again = plan({ rules: RULES, now: NOW, batches: [batch('accounts_opened', rows, 2)], state });
    expect(again.tasks).toEqual([]);
    expect(again.customers).toEqual([]);
    expect(again.decided).toEqual([]);
    expect(again.skipped.map((s) => [s.reason, s.message])).toEqual([
      ['duplicate', '第 2 行：已导入过（来源键 accounts_opened:C1）'],
      ['duplicate', '第 3 行：已导入过（来源键 accounts_opened:C2）'],
    ]);
  });

  it('a row repeated in one file counts once', () => {
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('accounts_opened', [rows[1], rows[1]], 2)],
      state: stateOf(),
    });
    expect(p.tasks).toHaveLength(1);
    expect(p.skipped.map((s) => s.message)).toEqual(['第 3 行：与第 2 行重复（来源键 accounts_opened:C2）']);
  });

  it('a purpose seen before is not created again even from a new row key', () => {
    const state = stateOf({ seen: ['accounts_opened:C1:new_account'] });
    const p = plan({ rules: RULES, now: NOW, batches: [batch('accounts_opened', [rows[0]])], state });
    expect(p.tasks[0]?.add.map((x) => x.type)).toEqual(['nonsite_qualification']);
    expect(p.skipped.map((s) => [s.reason, s.sourceKey])).toEqual([
      ['duplicate', 'accounts_opened:C1:new_account'],
    ]);
  });

  it('bad rows are reported with their Chinese message and the good rows still planned', () => {
    const bad = { ...openingRow('C3', '2025-03-13 10:00'), idNumber: '110105194912310021' };
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('accounts_opened', [rows[1], bad], 2)],
      state: stateOf(),
    });
    expect(p.tasks.map((t) => t.customerId)).toEqual(['C2']);
    expect(p.skipped).toEqual([
      {
        feed: 'accounts_opened',
        row: 3,
        sourceKey: null,
        customerId: null,
        reason: 'bad_row',
        message: '第 3 行：身份证号校验位错误',
      },
    ]);
  });

  it('a row for a customer head office does not know is skipped, and not recorded', () => {
    const row = { noticeId: 'N1', customerId: 'C404', title: '通知', deadline: '2025-03-31' };
    const p = plan({ rules: RULES, now: NOW, batches: [batch('notices', [row])], state: stateOf() });
    expect(p.decided).toEqual([]);
    expect(p.skipped.map((s) => [s.reason, s.message])).toEqual([
      ['unknown_customer', '第 1 行：客户 C404 不存在（先导入其开户数据）'],
    ]);
  });

  it('a departure of a salesperson without customers is reported', () => {
    const rows = [{ salespersonId: 'S0', departedAt: '2025-03-10' }];
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('salesperson_departures', rows)],
      state: stateOf(),
    });
    expect(p.skipped.map((s) => [s.reason, s.message])).toEqual([
      ['no_customers', '第 1 行：营销人员 S0 名下没有客户'],
    ]);
  });
});
