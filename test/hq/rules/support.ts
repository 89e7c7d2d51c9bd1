import type { QuarterKey } from '../../../hq/rules/calendar';
import { parseInstant } from '../../../hq/rules/calendar';
import { createRules, type RulesConfigInput } from '../../../hq/rules/config';
import type {
  CustomerState,
  FeedBatch,
  OpenTaskState,
  Plan,
  PlanState,
  TaskPlan,
} from '../../../hq/rules/generate';
import { idCheckChar } from '../../../shared/domain/id-number';

/** Days from `from` to `to`, both included, as `YYYY-MM-DD`. */
function range(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/**
 * The State Council's holiday schedules for 2025 (国办发明电〔2024〕12号) and New Year 2026, as an
 * administrator would configure them.
 */
export const CALENDAR_2025 = {
  holidays: [
    '2025-01-01',
    ...range('2025-01-28', '2025-02-04'),
    ...range('2025-04-04', '2025-04-06'),
    ...range('2025-05-01', '2025-05-05'),
    ...range('2025-05-31', '2025-06-02'),
    ...range('2025-10-01', '2025-10-08'),
    ...range('2026-01-01', '2026-01-03'),
  ],
  makeUpWorkdays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11', '2026-01-04'],
};

export function rulesWith(config: RulesConfigInput = {}) {
  return createRules({ calendar: CALENDAR_2025, ...config });
}

export const RULES = rulesWith();

/** An instant from China local time, `2025-03-14 10:00`. */
export function cn(local: string): string {
  const instant = parseInstant(local);
  if (instant === null) throw new Error(`bad local time ${local}`);
  return instant;
}

/** A valid ID number, distinct for each n < 1000. */
export function idNumber(n: number): string {
  const first17 = `11010519800101${String(n % 1000).padStart(3, '0')}`;
  return first17 + idCheckChar(first17);
}

export function customer(
  id: string,
  branchId = 'B1',
  salespersonId: string | null = null,
  introducerId: string | null = null,
): CustomerState {
  return { id, branchId, salespersonId, introducerId };
}

export function openingRow(customerId: string, openedAt: string, extra: Record<string, unknown> = {}) {
  return {
    customerId,
    name: '张伟',
    idNumber: idNumber(Number(customerId.replace(/\D/g, '')) || 1),
    mobile: '13812345678',
    branchId: 'B1',
    channel: 'counter',
    openedAt,
    ...extra,
  };
}

export interface StateParts {
  seen?: Iterable<string>;
  customers?: readonly CustomerState[];
  openTasks?: readonly OpenTaskState[];
  counts?: Record<string, Partial<Record<QuarterKey, number>>>;
}

export function stateOf(parts: StateParts = {}): PlanState {
  const counts = new Map<string, Map<QuarterKey, number>>();
  for (const [id, byQuarter] of Object.entries(parts.counts ?? {})) {
    counts.set(id, new Map(Object.entries(byQuarter) as [QuarterKey, number][]));
  }
  return {
    seen: new Set(parts.seen ?? []),
    customers: new Map((parts.customers ?? []).map((c) => [c.id, c])),
    openTasks: new Map((parts.openTasks ?? []).map((t) => [t.customerId, t])),
    quarterCounts: counts,
  };
}

export const batch = (kind: FeedBatch['kind'], rows: readonly unknown[], firstRow?: number): FeedBatch =>
  firstRow === undefined ? { kind, rows } : { kind, rows, firstRow };

/**
 * What head office does with a plan, as a pure state transition: records the decided keys, upserts customers,
 * creates or extends the tasks, and counts each new task in its quarters.
 */
export function applyPlan(state: PlanState, plan: Plan, newId: () => string): PlanState {
  // The tests' states always hold a Set (see stateOf).
  const seen = new Set(state.seen as ReadonlySet<string>);
  for (const d of plan.decided) seen.add(d.sourceKey);
  const customers = new Map(state.customers);
  for (const c of plan.customers) customers.set(c.customerId, { ...customer(c.customerId), ...pick(c) });
  const openTasks = new Map(state.openTasks);
  const quarterCounts = new Map([...state.quarterCounts].map(([k, v]) => [k, new Map(v)]));
  for (const t of plan.tasks) {
    openTasks.set(t.customerId, nextTask(openTasks.get(t.customerId), t, newId));
    const mine = quarterCounts.get(t.customerId) ?? new Map<QuarterKey, number>();
    for (const q of t.quarters) mine.set(q, (mine.get(q) ?? 0) + 1);
    quarterCounts.set(t.customerId, mine);
  }
  return { seen, customers, openTasks, quarterCounts };
}

function pick(c: Plan['customers'][number]): Omit<CustomerState, 'id'> {
  return { branchId: c.branchId, salespersonId: c.salespersonId, introducerId: c.introducerId };
}

function nextTask(open: OpenTaskState | undefined, t: TaskPlan, newId: () => string): OpenTaskState {
  const purposes = (open?.purposes ?? []).map((p) => {
    const amended = t.amend.find((a) => a.type === p.type);
    return amended === undefined ? p : { ...p, deadlineAt: amended.deadlineAt, reason: amended.reason };
  });
  const added = t.add.map(({ sourceKey: _, ...p }) => p);
  return {
    id: open?.id ?? newId(),
    customerId: t.customerId,
    branchId: t.branchId,
    purposes: [...purposes, ...added],
  };
}

/** Every task closed (called): the customers have no open task any more; the counts stay. */
export function closeAll(state: PlanState): PlanState {
  return { ...state, openTasks: new Map() };
}

export function counter(prefix = 'T'): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}
