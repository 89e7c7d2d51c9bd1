import { type LocalDate, localDateOf, type QuarterKey } from './calendar';
import type { Rules } from './config';
import { type CustomerState, type Demand, type DemandContext, rowDemands, type Skipped } from './demands';
import { type FeedKind, type FeedRow, parseFeed, rowKey, rowMessage } from './feeds';
import { type OpenTaskState, TaskBook, type TaskPlan } from './merge';
import { callQuarters, isSampled, quarterOverCap } from './sampling';

/**
 * Task generation: the imported rows, the current state and `now` in; what to create out. Pure: head office
 * runs it inside its import transaction, writes the plan, and records every key in `decided`.
 *
 * Invariants of a plan, given a state that holds them:
 * - a source key already seen, or seen earlier in the same import, creates nothing (idempotent re-import);
 * - a customer has at most one open task: new purposes join the open task if there is one, else one new task;
 * - a task holds at most one purpose of each type: a second demand of a type the task has is merged into that
 *   purpose (earliest deadline, both reasons);
 * - a task's deadline is the earliest of its purposes';
 * - every feed but satisfaction covers 100% of its rows; satisfaction is drawn per customer and never makes a
 *   new call that would take the customer above the quarterly cap in any quarter the call may fall in.
 *   Joining a task already open adds no call (one contact, every purpose), so it is not held by the cap.
 */

export type { CustomerState, PlannedPurpose, Skipped, SkipReason } from './demands';
export type { OpenPurposeState, OpenTaskState, PurposeAmendment, TaskPlan } from './merge';

export interface PlanState {
  /** Source keys already recorded (every `decided` key of earlier plans). */
  seen: { has(sourceKey: string): boolean };
  /**
   * Customers by id: at least those the rows name, every customer of a departing salesperson, and every customer
   * of a campaign's branches.
   */
  customers: ReadonlyMap<string, CustomerState>;
  /** Each customer's open task, by customer id. */
  openTasks: ReadonlyMap<string, OpenTaskState>;
  /**
   * Callbacks per customer per quarter: each one made counts in the quarter it was made; each open task counts
   * in every quarter from its creation to its deadline (`TaskPlan.quarters` for the tasks a plan creates).
   */
  quarterCounts: ReadonlyMap<string, ReadonlyMap<QuarterKey, number>>;
}

export interface FeedBatch {
  kind: FeedKind;
  rows: readonly unknown[];
  /** The number of `rows[0]` as the file's author counts: 1 for JSON (default), 2 for CSV with a header. */
  firstRow?: number;
}

export interface PlanInput {
  rules: Rules;
  /** ISO instant: the import's moment. */
  now: string;
  batches: readonly FeedBatch[];
  state: PlanState;
}

export type CustomerUpsert = FeedRow<'accounts_opened'>;

export interface Plan {
  /** Customers from the account-opening rows that were not duplicates. */
  customers: CustomerUpsert[];
  tasks: TaskPlan[];
  /** Every source key to record: purposes created or merged, and the rows they came from. */
  decided: { sourceKey: string; decision: 'created' | 'merged' | 'imported' }[];
  skipped: Skipped[];
}

const FEED_ORDER: readonly FeedKind[] = [
  'accounts_opened',
  'abnormal',
  'aml',
  'salesperson_departures',
  'complaints',
  'notices',
  'advisory',
  'satisfaction_campaigns',
];

export function plan(input: PlanInput): Plan {
  const { rules, now, state } = input;
  const today = localDateOf(now);
  const out: Plan = { customers: [], tasks: [], decided: [], skipped: [] };
  const decided = new Set<string>();
  const firstRowOf = new Map<string, number>();
  const decide = (sourceKey: string, decision: Plan['decided'][number]['decision']): void => {
    if (decided.has(sourceKey)) return;
    decided.add(sourceKey);
    out.decided.push({ sourceKey, decision });
  };

  // Openings first, so later feeds in the same import find their customers; satisfaction last, so it joins the
  // tasks the 100% feeds open instead of making calls of its own.
  const parsed = [...input.batches]
    .sort((a, b) => FEED_ORDER.indexOf(a.kind) - FEED_ORDER.indexOf(b.kind))
    .map((b) => parseFeed(b.kind, b.rows, b.firstRow ?? 1));
  for (const feed of parsed) {
    for (const e of feed.errors) {
      const skip = { feed: feed.kind, row: e.row, sourceKey: null, customerId: null } as const;
      out.skipped.push({ ...skip, reason: 'bad_row', message: e.message });
    }
  }

  const opened = new Map<string, CustomerState>();
  const customer = (id: string): CustomerState | undefined => opened.get(id) ?? state.customers.get(id);
  // Departures and campaigns come after every opening (see the sort above), so one snapshot serves them all.
  let snapshot: CustomerState[] | null = null;
  const everyone = (): CustomerState[] => {
    if (snapshot !== null) return snapshot;
    const all = new Map(state.customers);
    for (const [id, c] of opened) all.set(id, c);
    snapshot = [...all.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return snapshot;
  };
  const ctx: DemandContext = {
    rules,
    now,
    customer,
    customersOfSalesperson: (id) =>
      everyone().filter(
        (c) => c.salespersonId === id || (rules.config.departure.includeIntroduced && c.introducerId === id),
      ),
    customersOfBranches: (ids) => everyone().filter((c) => ids.includes(c.branchId)),
  };

  const book = new TaskBook(state.openTasks, state.quarterCounts, today);

  /** The quarter a new sampled call would take over the cap; null when it fits, or joins a task (no call). */
  const overCap = (d: Demand, from: LocalDate): QuarterKey | null => {
    if (book.hasTask(d.customerId)) return null;
    const quarters = callQuarters(from, localDateOf(d.purpose.deadlineAt));
    return quarterOverCap(quarters, (q) => book.count(d.customerId, q), rules.config.sampling.quarterlyCap);
  };

  for (const feed of parsed) {
    for (const { row, value } of feed.rows) {
      const key = rowKey(feed.kind, value);
      const skip = { feed: feed.kind, row, sourceKey: key };
      const firstRow = firstRowOf.get(key);
      if (firstRow !== undefined || state.seen.has(key)) {
        const why = firstRow !== undefined ? `与第 ${firstRow} 行重复` : '已导入过';
        const message = rowMessage(row, [`${why}（来源键 ${key}）`]);
        out.skipped.push({ ...skip, customerId: null, reason: 'duplicate', message });
        continue;
      }
      firstRowOf.set(key, row);
      const outcome = rowDemands(ctx, feed.kind, row, value, key);
      if ('skip' in outcome) {
        const { customerId, message } = outcome;
        out.skipped.push({ ...skip, customerId, reason: outcome.skip, message: rowMessage(row, [message]) });
        continue;
      }
      if (feed.kind === 'accounts_opened') {
        const r = value as FeedRow<'accounts_opened'>;
        const { customerId: id, branchId, salespersonId, introducerId } = r;
        opened.set(id, { id, branchId, salespersonId, introducerId });
        snapshot = null;
        out.customers.push(r);
      }
      // Customers a campaign did not draw are many and unremarkable: one line per campaign says how many.
      let notSampled = 0;
      let rate = 0;
      for (const d of outcome.demands) {
        const k = d.purpose.sourceKey;
        const customerId = d.customerId;
        if (state.seen.has(k) || decided.has(k)) {
          const message = rowMessage(row, [`已导入过（来源键 ${k}）`]);
          out.skipped.push({ ...skip, sourceKey: k, customerId, reason: 'duplicate', message });
          continue;
        }
        if (d.campaign !== undefined) {
          rate = d.campaign.rate;
          if (!isSampled(d.campaign.id, customerId, rate)) {
            notSampled += 1;
            continue;
          }
          const full = overCap(d, d.campaign.from);
          if (full !== null) {
            const why = `客户 ${customerId} 在 ${full} 已回访或计划回访 ${book.count(customerId, full)} 次，达到每季度上限`;
            const message = rowMessage(row, [why]);
            out.skipped.push({ ...skip, sourceKey: k, customerId, reason: 'cap_reached', message });
            continue;
          }
        }
        decide(k, book.place(d));
      }
      if (notSampled > 0) {
        const message = rowMessage(row, [
          `${notSampled} 位客户未抽中（抽样比例 ${+(rate * 100).toFixed(2)}%）`,
        ]);
        out.skipped.push({ ...skip, customerId: null, reason: 'not_sampled', message });
      }
      decide(key, 'imported');
    }
  }
  out.tasks = book.tasks;
  return out;
}
