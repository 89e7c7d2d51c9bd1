import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  instantMs,
  localDateOf,
  localDateTimeOf,
  type QuarterKey,
  quarterOf,
} from '../../../hq/rules/calendar';
import { parseFeed, rowKey } from '../../../hq/rules/feeds';
import { type FeedBatch, type PlanState, plan } from '../../../hq/rules/generate';
import { applyPlan, batch, closeAll, counter, customer, openingRow, RULES, stateOf } from './support';

/**
 * Properties of `plan` over random imports: a small world (a few branches, salespeople and customers) so that
 * collisions (same customer in several feeds, same list twice, open tasks, full quarters) are frequent.
 */

const CUSTOMERS = Array.from({ length: 12 }, (_, i) => `C${i + 1}`);
const customerId = fc.constantFrom(...CUSTOMERS);
const staff = fc.option(fc.constantFrom('S1', 'S2', 'S3'), { nil: null });
const DAY = 86_400_000;
/** Now: any minute from mid-2025 to early 2026 (quarter and year boundaries inside). */
const nowMs = fc.integer({ min: Date.UTC(2025, 5, 1), max: Date.UTC(2026, 2, 31) });

/** China local time `days` (0..20) before now, as a feed would write it. */
const before = (now: number, days: number, minutes: number) =>
  localDateTimeOf(new Date(now - days * DAY - minutes * 60_000).toISOString());

const world = fc.record({
  customers: fc.array(fc.tuple(fc.constantFrom('B1', 'B2'), staff, staff), {
    minLength: CUSTOMERS.length,
    maxLength: CUSTOMERS.length,
  }),
  counts: fc.array(fc.tuple(customerId, fc.integer({ min: 0, max: 3 })), { maxLength: 8 }),
  open: fc.uniqueArray(customerId, { maxLength: 4 }),
});

const event = fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 600 }));

function batches(now: number) {
  const opening = fc
    .tuple(fc.integer({ min: 13, max: 30 }), event, fc.boolean(), staff)
    .map(([n, [d, m], nonsite, sp]) =>
      openingRow(`C${n}`, before(now, d, m), { channel: nonsite ? 'nonsite' : 'counter', salespersonId: sp }),
    );
  const abnormal = fc.tuple(fc.constantFrom('L1', 'L2'), customerId, event).map(([listId, c, [d, m]]) => ({
    listId,
    customerId: c,
    source: 'exchange',
    namedAt: before(now, d, m),
  }));
  const aml = fc
    .tuple(fc.constantFrom('A1', 'A2'), customerId, event)
    .map(([listId, c, [d, m]]) => ({ listId, customerId: c, listedAt: before(now, d, m) }));
  const notice = fc
    .tuple(fc.constantFrom('N1', 'N2'), customerId, fc.integer({ min: 1, max: 60 }))
    .map(([id, c, d]) => ({
      noticeId: id,
      customerId: c,
      title: '通知',
      deadline: before(now, -d, 0),
    }));
  const departure = fc
    .tuple(fc.constantFrom('S1', 'S2', 'S3'), event)
    .map(([s, [d, m]]) => ({ salespersonId: s, departedAt: before(now, d, m) }));
  const campaign = fc
    .tuple(
      fc.constantFrom('K1', 'K2', 'K3', 'K4', 'K5', 'K6'),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 60 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    .map(([id, back, ahead, rate]) => ({
      campaignId: id,
      branchIds: ['B1', 'B2'],
      periodFrom: before(now, back, 0).slice(0, 10),
      periodTo: before(now, -ahead, 0).slice(0, 10),
      samplingRate: rate,
    }));
  return fc
    .tuple(
      fc.array(opening, { maxLength: 3 }),
      fc.array(abnormal, { maxLength: 4 }),
      fc.array(aml, { maxLength: 3 }),
      fc.array(notice, { maxLength: 3 }),
      fc.array(departure, { maxLength: 1 }),
      fc.array(campaign, { maxLength: 2 }),
    )
    .map(([o, ab, am, n, d, c]): FeedBatch[] => [
      batch('satisfaction_campaigns', c),
      batch('accounts_opened', o),
      batch('abnormal', ab),
      batch('aml', am),
      batch('notices', n),
      batch('salesperson_departures', d),
    ]);
}

type WorldValue = typeof world extends fc.Arbitrary<infer T> ? T : never;

/** The world as head office holds it: customers, some open tasks, some callbacks already this quarter. */
function initialState(w: WorldValue, now: number): PlanState {
  const quarter = quarterOf(localDateOf(new Date(now).toISOString()));
  const counts: Record<string, Partial<Record<QuarterKey, number>>> = {};
  for (const [c, n] of w.counts) counts[c] = { [quarter]: n };
  const deadline = new Date(now + 5 * DAY).toISOString();
  return stateOf({
    customers: w.customers.map(([b, sp, intro], i) => customer(CUSTOMERS[i] ?? 'C0', b, sp, intro)),
    openTasks: w.open.map((c) => ({
      id: `OPEN-${c}`,
      customerId: c,
      branchId: 'B1',
      purposes: [{ type: 'aml' as const, deadlineAt: deadline, reason: '反洗钱', salespersonId: null }],
    })),
    counts,
  });
}

const scenario = nowMs.chain((now) => fc.tuple(fc.constant(now), world, batches(now)));

describe('plan: properties', () => {
  it('a plan applied, then the same import again, adds nothing the second time', () => {
    fc.assert(
      fc.property(scenario, ([now, w, feeds]) => {
        const at = new Date(now).toISOString();
        const state = initialState(w, now);
        const first = plan({ rules: RULES, now: at, batches: feeds, state });
        const after = applyPlan(state, first, counter());
        const second = plan({ rules: RULES, now: at, batches: feeds, state: after });
        expect(second.tasks).toEqual([]);
        expect(second.decided).toEqual([]);
        expect(second.customers).toEqual([]);
        // Even a day later, with every task done, nothing is created again.
        const tomorrow = new Date(now + DAY).toISOString();
        const third = plan({ rules: RULES, now: tomorrow, batches: feeds, state: closeAll(after) });
        expect(third.tasks).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('one task per customer, one purpose per type, and its deadline is the earliest of its purposes', () => {
    fc.assert(
      fc.property(scenario, ([now, w, feeds]) => {
        const state = initialState(w, now);
        const p = plan({ rules: RULES, now: new Date(now).toISOString(), batches: feeds, state });
        expect(new Set(p.tasks.map((t) => t.customerId)).size).toBe(p.tasks.length);
        for (const t of p.tasks) {
          const types = t.add.map((x) => x.type);
          expect(new Set(types).size).toBe(types.length);
          const existing = t.taskId === null ? [] : (state.openTasks.get(t.customerId)?.purposes ?? []);
          expect(types.some((type) => existing.some((e) => e.type === type))).toBe(false);
          const all = [...existing, ...t.amend, ...t.add].map((x) => instantMs(x.deadlineAt));
          expect(instantMs(t.deadlineAt)).toBe(Math.min(...all));
          if (t.taskId !== null) expect(t.taskId).toBe(`OPEN-${t.customerId}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('every row of a 100% feed for a known customer is decided; nothing is silently dropped', () => {
    fc.assert(
      fc.property(scenario, ([now, w, feeds]) => {
        const p = plan({
          rules: RULES,
          now: new Date(now).toISOString(),
          batches: feeds,
          state: initialState(w, now),
        });
        const decided = new Set(p.decided.map((d) => d.sourceKey));
        for (const b of feeds) {
          if (b.kind === 'satisfaction_campaigns') continue;
          for (const { row, value } of parseFeed(b.kind, b.rows).rows) {
            const skipped = p.skipped.filter((s) => s.feed === b.kind && s.row === row);
            expect(decided.has(rowKey(b.kind, value)) || skipped.length > 0).toBe(true);
            for (const s of skipped) expect(['duplicate', 'no_customers']).toContain(s.reason);
          }
        }
        for (const t of p.tasks) for (const x of t.add) expect(decided.has(x.sourceKey)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('over successive imports, no customer gets more than 2 sampled calls in any quarter', () => {
    const run = fc.tuple(
      world,
      fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), batches(Date.UTC(2025, 8, 1))), {
        minLength: 1,
        maxLength: 4,
      }),
    );
    fc.assert(
      fc.property(run, ([w, imports]) => {
        let now = Date.UTC(2025, 8, 1);
        let state = initialState(w, now);
        const initial = state.quarterCounts;
        const sampled = new Map<string, number>();
        for (const [gap, feeds] of imports) {
          const campaigns = feeds.filter((b) => b.kind === 'satisfaction_campaigns');
          const p = plan({ rules: RULES, now: new Date(now).toISOString(), batches: campaigns, state });
          for (const t of p.tasks) {
            if (t.taskId !== null) continue;
            for (const q of t.quarters) {
              const key = `${t.customerId}/${q}`;
              sampled.set(key, (sampled.get(key) ?? 0) + 1);
              const before = initial.get(t.customerId)?.get(q) ?? 0;
              expect(before + (sampled.get(key) ?? 0)).toBeLessThanOrEqual(2);
            }
          }
          state = closeAll(applyPlan(state, p, counter(`T${now}-`)));
          now += gap * DAY;
        }
      }),
      { numRuns: 150 },
    );
  });
});
