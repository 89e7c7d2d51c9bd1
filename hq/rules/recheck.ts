import { z } from 'zod';
import { startOfLocalDay } from './calendar';
import { sampleScore } from './sampling';

/**
 * Company-level re-check (公司级回访检查, Article 3): head office samples a share of each branch's callbacks per
 * period, and a reviewer scores each one on an evaluation form. Pure: no clock, no I/O.
 */

/** A period to sample: a month (`2026-11`) or a quarter (`2026-Q4`), in China time. */
export const PeriodKey = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/, '期间须写作 2026-11（月）或 2026-Q4（季度）');
export type PeriodKind = 'month' | 'quarter';

export function periodKind(key: string): PeriodKind {
  return key.includes('Q') ? 'quarter' : 'month';
}

/** The instants a period runs over: [from, to). */
export function periodRange(key: string): { from: string; to: string } {
  const [y, rest] = key.split('-') as [string, string];
  const year = Number(y);
  const firstMonth = rest.startsWith('Q') ? (Number(rest.slice(1)) - 1) * 3 + 1 : Number(rest);
  const months = rest.startsWith('Q') ? 3 : 1;
  const end = firstMonth + months;
  const day = (yy: number, mm: number) => `${yy}-${String(mm).padStart(2, '0')}-01`;
  return {
    from: startOfLocalDay(day(year, firstMonth)),
    to: startOfLocalDay(end > 12 ? day(year + 1, end - 12) : day(year, end)),
  };
}

/** How many of `candidates` callbacks a share asks for: at least one when there is any. */
export function sampleTarget(share: number, candidates: number): number {
  return candidates === 0 ? 0 : Math.min(candidates, Math.ceil(share * candidates - 1e-9));
}

/**
 * Which callbacks to add to a branch's sample for the period: `need` of those not yet sampled, by their draw
 * (a pure function of the period and the result, so a re-run draws the same ones).
 */
export function pickSample<T extends { id: string }>(
  periodKey: string,
  candidates: readonly T[],
  sampled: ReadonlySet<string>,
  need: number,
): T[] {
  if (need <= 0) return [];
  return candidates
    .filter((c) => !sampled.has(c.id))
    .map((c) => ({ c, score: sampleScore(`recheck:${periodKey}`, c.id) }))
    .sort((a, b) => a.score - b.score || (a.c.id < b.c.id ? -1 : 1))
    .slice(0, need)
    .map((x) => x.c);
}

/**
 * Deals sampled callbacks out to reviewers in turn, never to the one who made the call (a reviewer never
 * re-checks their own callbacks); null when no other reviewer exists.
 */
export function assignReviewers(
  callbacks: readonly { id: string; agentId: string }[],
  reviewers: readonly string[],
  load: ReadonlyMap<string, number> = new Map(),
): Map<string, string | null> {
  const count = new Map(reviewers.map((r) => [r, load.get(r) ?? 0]));
  const out = new Map<string, string | null>();
  for (const cb of callbacks) {
    let best: string | null = null;
    for (const r of reviewers) {
      if (r === cb.agentId) continue;
      if (best === null || (count.get(r) ?? 0) < (count.get(best) ?? 0)) best = r;
    }
    out.set(cb.id, best);
    if (best !== null) count.set(best, (count.get(best) ?? 0) + 1);
  }
  return out;
}

export { type Scored, type ScoredItem, scoreEvaluation } from '../../shared/domain/evaluation';
