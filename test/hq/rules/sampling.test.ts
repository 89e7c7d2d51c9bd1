import { describe, expect, it } from 'vitest';
import { endOfLocalDay } from '../../../hq/rules/calendar';
import { plan } from '../../../hq/rules/generate';
import { callQuarters, isSampled, quarterOverCap, sampleScore } from '../../../hq/rules/sampling';
import { batch, cn, customer, RULES, stateOf } from './support';

const campaign = (extra: Record<string, unknown> = {}) => ({
  campaignId: 'SAT-1',
  branchIds: 'B1',
  periodFrom: '2025-03-01',
  periodTo: '2025-03-31',
  samplingRate: 1,
  ...extra,
});

const NOW = cn('2025-03-14 12:00');

describe('deterministic sampling', () => {
  it('the same campaign and customer always draw the same score, in [0, 1)', () => {
    expect(sampleScore('SAT-1', 'C1')).toBe(sampleScore('SAT-1', 'C1'));
    expect(sampleScore('SAT-1', 'C1')).not.toBe(sampleScore('SAT-2', 'C1'));
    for (let i = 0; i < 1000; i++) {
      const s = sampleScore('SAT-1', `C${i}`);
      expect(s >= 0 && s < 1).toBe(true);
    }
  });

  it('draws close to the rate over many customers', () => {
    const n = 20_000;
    for (const rate of [0.05, 0.1, 0.5]) {
      let hits = 0;
      for (let i = 0; i < n; i++) if (isSampled('SAT-2025Q1', `${100000 + i}`, rate)) hits += 1;
      expect(Math.abs(hits / n - rate)).toBeLessThan(0.01);
    }
  });

  it('rate 0 samples nobody, rate 1 everybody', () => {
    expect(isSampled('S', 'C1', 0)).toBe(false);
    expect(isSampled('S', 'C1', 1)).toBe(true);
  });

  it('the customers a campaign samples do not depend on who else is in the branch', () => {
    const all = Array.from({ length: 200 }, (_, i) => customer(`C${i}`));
    const drawn = (customers: typeof all) =>
      plan({
        rules: RULES,
        now: NOW,
        batches: [batch('satisfaction_campaigns', [campaign({ samplingRate: 0.3 })])],
        state: stateOf({ customers }),
      }).tasks.map((t) => t.customerId);
    const full = drawn(all);
    const skipped = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('satisfaction_campaigns', [campaign({ samplingRate: 0.3 })])],
      state: stateOf({ customers: all }),
    }).skipped;
    expect(skipped.map((s) => s.message)).toEqual([
      `第 1 行：${200 - full.length} 位客户未抽中（抽样比例 30%）`,
    ]);
    expect(full.length).toBeGreaterThan(30);
    expect(full.length).toBeLessThan(90);
    const half = drawn(all.slice(0, 100));
    expect(half).toEqual(full.filter((id) => Number(id.slice(1)) < 100));
  });
});

describe('the quarterly cap: at most 2 callbacks per customer per calendar quarter', () => {
  it('the quarters a call may fall in run from its first possible day to its deadline', () => {
    expect(callQuarters('2025-03-25', '2025-04-15')).toEqual(['2025-Q1', '2025-Q2']);
    expect(callQuarters('2025-03-25', '2025-03-20')).toEqual(['2025-Q1']);
    expect(quarterOverCap(['2025-Q1', '2025-Q2'], (q) => (q === '2025-Q2' ? 2 : 0), 2)).toBe('2025-Q2');
    expect(quarterOverCap(['2025-Q1'], () => 1, 2)).toBeNull();
  });

  it('samples a customer under the cap, skips one at the cap, and counts last quarter separately', () => {
    const state = stateOf({
      customers: [customer('C1'), customer('C2'), customer('C3')],
      counts: { C1: { '2025-Q1': 1 }, C2: { '2025-Q1': 2 }, C3: { '2024-Q4': 2 } },
    });
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('satisfaction_campaigns', [campaign()], 2)],
      state,
    });
    expect(p.tasks.map((t) => [t.customerId, t.quarters])).toEqual([
      ['C1', ['2025-Q1']],
      ['C3', ['2025-Q1']],
    ]);
    expect(p.tasks[0]?.add[0]).toEqual({
      type: 'satisfaction',
      deadlineAt: endOfLocalDay('2025-03-31'),
      reason: '满意度抽样回访（活动 SAT-1，2025-03-01 至 2025-03-31）',
      salespersonId: null,
      sourceKey: 'satisfaction:SAT-1:C1',
    });
    expect(p.skipped).toEqual([
      {
        feed: 'satisfaction_campaigns',
        row: 2,
        sourceKey: 'satisfaction:SAT-1:C2',
        customerId: 'C2',
        reason: 'cap_reached',
        message: '第 2 行：客户 C2 在 2025-Q1 已回访或计划回访 2 次，达到每季度上限',
      },
    ]);
  });

  it('across a quarter boundary, a call that may land in either quarter must fit both', () => {
    const state = stateOf({
      customers: [customer('C1'), customer('C2'), customer('C3')],
      counts: { C1: { '2025-Q2': 2 }, C2: { '2025-Q1': 1, '2025-Q2': 1 }, C3: { '2025-Q1': 2 } },
    });
    const spanning = campaign({ periodFrom: '2025-03-20', periodTo: '2025-04-15' });
    const now = cn('2025-03-25 10:00');
    const p = plan({ rules: RULES, now, batches: [batch('satisfaction_campaigns', [spanning])], state });
    expect(p.tasks.map((t) => [t.customerId, t.quarters])).toEqual([['C2', ['2025-Q1', '2025-Q2']]]);
    expect(p.skipped.map((s) => [s.customerId, s.message])).toEqual([
      ['C1', '第 1 行：客户 C1 在 2025-Q2 已回访或计划回访 2 次，达到每季度上限'],
      ['C3', '第 1 行：客户 C3 在 2025-Q1 已回访或计划回访 2 次，达到每季度上限'],
    ]);
    // Imported once the new quarter has begun, the same campaign only touches Q2.
    const later = plan({
      rules: RULES,
      now: cn('2025-04-02 10:00'),
      batches: [batch('satisfaction_campaigns', [spanning])],
      state,
    });
    expect(later.tasks.map((t) => [t.customerId, t.quarters])).toEqual([
      ['C2', ['2025-Q2']],
      ['C3', ['2025-Q2']],
    ]);
  });

  it('a campaign that has not started counts from its first day', () => {
    const state = stateOf({ customers: [customer('C1')], counts: { C1: { '2025-Q1': 2 } } });
    const next = campaign({ periodFrom: '2025-04-01', periodTo: '2025-04-30' });
    const p = plan({ rules: RULES, now: NOW, batches: [batch('satisfaction_campaigns', [next])], state });
    expect(p.tasks.map((t) => [t.customerId, t.quarters])).toEqual([['C1', ['2025-Q2']]]);
  });

  it('joining a task already open adds no call, so the cap does not hold it back', () => {
    const open = {
      id: 'T1',
      customerId: 'C1',
      branchId: 'B1',
      purposes: [
        {
          type: 'aml' as const,
          deadlineAt: endOfLocalDay('2025-03-20'),
          reason: '反洗钱',
          salespersonId: null,
        },
      ],
    };
    const state = stateOf({
      customers: [customer('C1', 'B1', 'S1')],
      openTasks: [open],
      counts: { C1: { '2025-Q1': 3 } },
    });
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [batch('satisfaction_campaigns', [campaign()])],
      state,
    });
    expect(p.tasks.map((t) => [t.taskId, t.add.map((x) => x.type), t.deadlineAt])).toEqual([
      ['T1', ['satisfaction'], endOfLocalDay('2025-03-20')],
    ]);
  });

  it('satisfaction joins the task a 100% feed opens in the same import, whatever the batch order', () => {
    const state = stateOf({ customers: [customer('C1')], counts: { C1: { '2025-Q1': 2 } } });
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [
        batch('satisfaction_campaigns', [campaign()]),
        batch('complaints', [{ complaintId: 'K1', customerId: 'C1', handledAt: '2025-03-13' }]),
      ],
      state,
    });
    expect(p.tasks.map((t) => t.add.map((x) => x.type))).toEqual([['complaint', 'satisfaction']]);
    expect(p.skipped).toEqual([]);
  });

  it('a 100% purpose is never held back by the cap', () => {
    const state = stateOf({ customers: [customer('C1')], counts: { C1: { '2025-Q1': 5 } } });
    const row = { listId: 'L1', customerId: 'C1', source: 'exchange', namedAt: '2025-03-14' };
    const p = plan({ rules: RULES, now: NOW, batches: [batch('abnormal', [row])], state });
    expect(p.tasks).toHaveLength(1);
  });

  it('the unsampled, an ended campaign and branches without customers are reported', () => {
    const state = stateOf({ customers: [customer('C1'), customer('C2', 'B2')] });
    const p = plan({
      rules: RULES,
      now: NOW,
      batches: [
        batch('satisfaction_campaigns', [
          campaign({ samplingRate: 0 }),
          campaign({ campaignId: 'OLD', periodFrom: '2025-01-01', periodTo: '2025-02-28' }),
          campaign({ campaignId: 'EMPTY', branchIds: 'B9' }),
        ]),
      ],
      state,
    });
    expect(p.tasks).toEqual([]);
    expect(p.skipped.map((s) => [s.reason, s.message])).toEqual([
      ['not_sampled', '第 1 行：1 位客户未抽中（抽样比例 0%）'],
      ['campaign_ended', '第 2 行：满意度活动 OLD 已于 2025-02-28 结束'],
      ['no_customers', '第 3 行：营业部 B9 没有客户'],
    ]);
    // The campaign itself is recorded, so importing it again draws nobody twice.
    expect(p.decided).toEqual([{ sourceKey: 'satisfaction:SAT-1', decision: 'imported' }]);
  });

  it('a cap of 1 is stricter', () => {
    const state = stateOf({ customers: [customer('C1')], counts: { C1: { '2025-Q1': 1 } } });
    const strict = { ...RULES, config: { ...RULES.config, sampling: { quarterlyCap: 1 } } };
    const p = plan({
      rules: strict,
      now: NOW,
      batches: [batch('satisfaction_campaigns', [campaign()])],
      state,
    });
    expect(p.skipped.map((s) => s.reason)).toEqual(['cap_reached']);
  });
});
