import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assignReviewers,
  periodKind,
  periodRange,
  pickSample,
  sampleTarget,
  scoreEvaluation,
} from '../../../hq/rules/recheck';
import type { EvaluationForm } from '../../../shared/contract/review';

const FORM: EvaluationForm = {
  id: 'standard',
  version: 1,
  title: '回访复核评分表',
  passScore: 80,
  criteria: [
    { id: 'identity', label: '核实身份', weight: 20, critical: true },
    { id: 'disclosure', label: '风险揭示', weight: 20, critical: true },
    { id: 'script', label: '话术', weight: 40, critical: false },
    { id: 'manner', label: '礼貌', weight: 20, critical: false },
  ],
};
const all = (passed: (id: string) => boolean) =>
  FORM.criteria.map((c) => ({ criterionId: c.id, passed: passed(c.id) }));

describe('re-check rules', () => {
  it('runs a month or a quarter from midnight China time to the next period’s', () => {
    expect(periodKind('2026-11')).toBe('month');
    expect(periodRange('2026-11')).toEqual({
      from: '2026-10-31T16:00:00.000Z',
      to: '2026-11-30T16:00:00.000Z',
    });
    expect(periodRange('2026-12')).toEqual({
      from: '2026-11-30T16:00:00.000Z',
      to: '2026-12-31T16:00:00.000Z',
    });
    expect(periodKind('2026-Q4')).toBe('quarter');
    expect(periodRange('2026-Q4')).toEqual({
      from: '2026-09-30T16:00:00.000Z',
      to: '2026-12-31T16:00:00.000Z',
    });
  });

  it('asks for the share rounded up, at least one of any, never more than there are', () => {
    expect(sampleTarget(0.25, 40)).toBe(10);
    expect(sampleTarget(0.25, 41)).toBe(11);
    expect(sampleTarget(0.05, 3)).toBe(1);
    expect(sampleTarget(0.1, 0)).toBe(0);
    expect(sampleTarget(1, 7)).toBe(7);
    expect(sampleTarget(0.3, 10)).toBe(3);
  });

  it('draws the same callbacks on every run and tops up without repeating', () => {
    const candidates = Array.from({ length: 50 }, (_, i) => ({ id: `r${i}` }));
    const first = pickSample('2026-11', candidates, new Set(), 5);
    expect(pickSample('2026-11', [...candidates].reverse(), new Set(), 5)).toEqual(first);
    const more = pickSample('2026-11', candidates, new Set(first.map((c) => c.id)), 3);
    expect(more.filter((c) => first.includes(c))).toEqual([]);
    expect(pickSample('2026-12', candidates, new Set(), 5)).not.toEqual(first);
  });

  it('never deals a callback to the reviewer who made it, and evens the load', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'x'), { minLength: 1, maxLength: 60 }),
        fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1 }),
        (agents, reviewers) => {
          const callbacks = agents.map((agentId, i) => ({ id: `r${i}`, agentId }));
          const dealt = assignReviewers(callbacks, reviewers);
          for (const cb of callbacks) {
            const to = dealt.get(cb.id);
            expect(to).not.toBe(cb.agentId);
            if (reviewers.some((r) => r !== cb.agentId)) expect(to).not.toBeNull();
          }
        },
      ),
    );
    const dealt = assignReviewers(
      Array.from({ length: 9 }, (_, i) => ({ id: `r${i}`, agentId: 'x' })),
      ['a', 'b', 'c'],
    );
    const counts = [...dealt.values()].reduce((m, r) => m.set(r, (m.get(r) ?? 0) + 1), new Map());
    expect([...counts.values()]).toEqual([3, 3, 3]);
  });

  it('scores by weight, and a failed critical item fails whatever the score', () => {
    expect(
      scoreEvaluation(
        FORM,
        all(() => true),
      ),
    ).toEqual({ ok: true, score: 100, passed: true, failedCritical: [] });
    expect(
      scoreEvaluation(
        FORM,
        all((id) => id !== 'manner'),
      ),
    ).toMatchObject({ score: 80, passed: true });
    expect(
      scoreEvaluation(
        FORM,
        all((id) => id !== 'disclosure'),
      ),
    ).toEqual({
      ok: true,
      score: 80,
      passed: false,
      failedCritical: ['disclosure'],
    });
    expect(
      scoreEvaluation(
        FORM,
        all((id) => id === 'identity' || id === 'disclosure'),
      ),
    ).toMatchObject({
      score: 40,
      passed: false,
      failedCritical: [],
    });
    expect(scoreEvaluation(FORM, all(() => true).slice(1))).toEqual({
      ok: false,
      error: '还有评分项未评：核实身份',
    });
    expect(
      scoreEvaluation(FORM, [...all(() => true), { criterionId: 'script', passed: false }]),
    ).toMatchObject({
      ok: false,
    });
    expect(
      scoreEvaluation(FORM, [...all(() => true).slice(1), { criterionId: 'other', passed: true }]),
    ).toEqual({
      ok: false,
      error: '评分项 other 不在表中',
    });
  });
});
