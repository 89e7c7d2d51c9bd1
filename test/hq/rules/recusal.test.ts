import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Caller,
  chooseAgent,
  eligibleAgents,
  eligibleSeats,
  isRecused,
  levelsFor,
  type RecusalTask,
  recusedStaffIds,
} from '../../../hq/rules/recusal';
import { CALLBACK_TYPES } from '../../../shared/domain/callback-types';
import { rulesWith } from './support';

const rules = rulesWith({ routing: { callCenterBranchIds: ['HQ'] } });

const task = (
  purposes: RecusalTask['purposes'],
  salespersonId = 'S1',
  introducerId: string | null = 'S2',
) => ({
  branchId: 'B1',
  customer: { salespersonId, introducerId },
  purposes,
});

const AGENTS: Caller[] = [
  { id: 'a1', staffId: null, branchId: 'B1', role: 'agent' },
  { id: 'a2', staffId: 'S1', branchId: 'B1', role: 'agent' },
  { id: 'a3', staffId: 'S2', branchId: 'B1', role: 'agent' },
  { id: 'a4', staffId: 'S3', branchId: 'B1', role: 'agent' },
  { id: 'a5', staffId: null, branchId: 'B2', role: 'agent' },
  { id: 'h1', staffId: null, branchId: 'HQ', role: 'agent' },
  { id: 'h2', staffId: 'S3', branchId: null, role: 'agent' },
  { id: 's1', staffId: null, branchId: 'B1', role: 'supervisor' },
];

describe('recusal: never the customer’s salesperson or introducer', () => {
  it('names the salesperson, the introducer and every salesperson a purpose concerns', () => {
    const t = task([
      { type: 'salesperson_departure', salespersonId: 'S3' },
      { type: 'complaint', salespersonId: 'S1' },
    ]);
    expect(recusedStaffIds(t)).toEqual(['S1', 'S2', 'S3']);
    expect(isRecused('S3', t)).toBe(true);
    expect(isRecused(null, t)).toBe(false);
    expect(isRecused('S4', t)).toBe(false);
  });

  it('keeps out the salesperson and the introducer, and agents of other branches', () => {
    const t = task([{ type: 'new_account', salespersonId: 'S2' }]);
    expect(eligibleAgents(rules, AGENTS, t).map((a) => a.id)).toEqual(['a1', 'a4']);
  });

  it('for a departure, keeps out the departing salesperson too', () => {
    const t = task([{ type: 'salesperson_departure', salespersonId: 'S3' }], 'S1', null);
    expect(eligibleAgents(rules, AGENTS, t).map((a) => a.id)).toEqual(['a1', 'a3', 'h1']);
  });

  it('head office takes a task only when every purpose is one it calls', () => {
    expect(levelsFor(rules, [{ type: 'abnormal', salespersonId: null }])).toEqual(['branch', 'head_office']);
    const mixed = task([
      { type: 'abnormal', salespersonId: null },
      { type: 'satisfaction', salespersonId: null },
    ]);
    expect(levelsFor(rules, mixed.purposes)).toEqual(['branch']);
    expect(eligibleAgents(rules, AGENTS, mixed).map((a) => a.id)).toEqual(['a1', 'a4']);
    const abnormal = task([{ type: 'abnormal', salespersonId: 'S1' }]);
    expect(eligibleAgents(rules, AGENTS, abnormal).map((a) => a.id)).toEqual(['a1', 'a4', 'h1', 'h2']);
  });

  it('only agents by default; other roles when asked', () => {
    const t = task([{ type: 'aml', salespersonId: null }]);
    expect(eligibleAgents(rules, AGENTS, t, ['agent', 'supervisor']).map((a) => a.id)).toContain('s1');
    expect(eligibleAgents(rules, AGENTS, t).map((a) => a.id)).not.toContain('s1');
  });

  it('chooses seats of the branch, and of head office where allowed', () => {
    const seats = [
      { id: 'seat-b1', branchId: 'B1' },
      { id: 'seat-b2', branchId: 'B2' },
      { id: 'seat-hq', branchId: 'HQ' },
    ];
    const nonsite = task([{ type: 'nonsite_qualification', salespersonId: null }]);
    expect(eligibleSeats(rules, seats, nonsite).map((s) => s.id)).toEqual(['seat-b1']);
    const aml = task([{ type: 'aml', salespersonId: null }]);
    expect(eligibleSeats(rules, seats, aml).map((s) => s.id)).toEqual(['seat-b1', 'seat-hq']);
  });

  it('chooses one agent: the branch first, then the lightest load, then the smallest id', () => {
    const t = task([{ type: 'abnormal', salespersonId: null }]);
    expect(chooseAgent(rules, AGENTS, t)?.id).toBe('a1');
    expect(chooseAgent(rules, AGENTS, t, new Map([['a1', 3]]))?.id).toBe('a4');
    expect(
      chooseAgent(
        rules,
        AGENTS,
        t,
        new Map([
          ['a1', 3],
          ['a4', 3],
        ]),
      )?.id,
    ).toBe('a1');
    const onlyRecused = AGENTS.filter((a) => a.staffId === 'S1' || a.staffId === 'S2');
    expect(chooseAgent(rules, onlyRecused, t)).toBeNull();
  });

  it('no eligible agent ever carries a recused staff id', () => {
    const staff = fc.constantFrom('S1', 'S2', 'S3', 'S4');
    const agent = fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      staffId: fc.option(staff, { nil: null }),
      branchId: fc.constantFrom<string | null>('B1', 'B2', 'HQ', null),
    });
    const purpose = fc.record({
      type: fc.constantFrom(...CALLBACK_TYPES),
      salespersonId: fc.option(staff, { nil: null }),
    });
    fc.assert(
      fc.property(
        fc.array(agent, { maxLength: 12 }),
        fc.array(purpose, { minLength: 1, maxLength: 4 }),
        fc.option(staff, { nil: null }),
        fc.option(staff, { nil: null }),
        (agents, purposes, sp, intro) => {
          const t = task(purposes, sp ?? 'S9', intro);
          const recused = recusedStaffIds(t);
          for (const a of eligibleAgents(rules, agents, t)) {
            expect(a.staffId === null || !recused.includes(a.staffId)).toBe(true);
            expect(a.branchId === 'B1' || a.branchId === 'HQ' || a.branchId === null).toBe(true);
          }
          const chosen = chooseAgent(rules, agents, t);
          if (chosen !== null) expect(eligibleAgents(rules, agents, t)).toContain(chosen);
        },
      ),
    );
  });
});
