import type { CallbackType } from '../../shared/domain/callback-types';
import { instantMs, type LocalDate, localDateOf, type QuarterKey } from './calendar';
import type { Demand, PlannedPurpose } from './demands';
import { callQuarters } from './sampling';

/**
 * One contact, every purpose (一事一扰): the tasks a plan touches, one per customer, and the calls it adds to
 * each quarter. A demand joins the customer's open task if there is one, else the task this plan opened for
 * them, else a new task; a demand of a type the task already has is merged into that purpose.
 */

export interface OpenPurposeState {
  type: CallbackType;
  deadlineAt: string;
  reason: string;
  salespersonId: string | null;
}

export interface OpenTaskState {
  id: string;
  customerId: string;
  branchId: string;
  purposes: readonly OpenPurposeState[];
}

/** An existing purpose that absorbs a new demand of its type: its deadline and reason after the merge. */
export interface PurposeAmendment {
  type: CallbackType;
  deadlineAt: string;
  reason: string;
  salespersonId: string | null;
  /** The key of the demand merged in. */
  sourceKey: string;
}

export interface TaskPlan {
  /** The open task the purposes join; null for a new task. */
  taskId: string | null;
  customerId: string;
  branchId: string;
  /** The task's deadline after the change: the earliest of all its purposes. */
  deadlineAt: string;
  add: PlannedPurpose[];
  amend: PurposeAmendment[];
  /** New task only: the quarters its call may fall in, for `quarterCounts`. Empty for an open task. */
  quarters: QuarterKey[];
}

const earlier = (a: string, b: string): string => (instantMs(b) < instantMs(a) ? b : a);
const joinReasons = (a: string, b: string): string => (a.split('；').includes(b) ? a : `${a}；${b}`);

export class TaskBook {
  /** In the order first touched. */
  readonly tasks: TaskPlan[] = [];
  readonly #byCustomer = new Map<string, TaskPlan>();
  readonly #added = new Map<string, Map<QuarterKey, number>>();
  readonly #open: ReadonlyMap<string, OpenTaskState>;
  readonly #counts: ReadonlyMap<string, ReadonlyMap<QuarterKey, number>>;
  readonly #today: LocalDate;

  constructor(
    open: ReadonlyMap<string, OpenTaskState>,
    counts: ReadonlyMap<string, ReadonlyMap<QuarterKey, number>>,
    today: LocalDate,
  ) {
    this.#open = open;
    this.#counts = counts;
    this.#today = today;
  }

  /** True when one more purpose for the customer joins a task instead of making a call. */
  hasTask(customerId: string): boolean {
    return this.#byCustomer.has(customerId) || this.#open.has(customerId);
  }

  /** Callbacks made or planned for the customer in the quarter, this plan's new tasks included. */
  count(customerId: string, quarter: QuarterKey): number {
    const before = this.#counts.get(customerId)?.get(quarter) ?? 0;
    return before + (this.#added.get(customerId)?.get(quarter) ?? 0);
  }

  place(d: Demand): 'created' | 'merged' {
    const work = this.#task(d);
    const p = d.purpose;
    work.deadlineAt = earlier(work.deadlineAt, p.deadlineAt);
    const added = work.add.find((x) => x.type === p.type);
    if (added !== undefined) {
      added.deadlineAt = earlier(added.deadlineAt, p.deadlineAt);
      added.reason = joinReasons(added.reason, p.reason);
      added.salespersonId ??= p.salespersonId;
      return 'merged';
    }
    const existing = this.#open.get(d.customerId)?.purposes.find((x) => x.type === p.type);
    if (existing !== undefined && work.taskId !== null) {
      const prior = work.amend.find((x) => x.type === p.type) ?? existing;
      const amended = {
        type: p.type,
        deadlineAt: earlier(prior.deadlineAt, p.deadlineAt),
        reason: joinReasons(prior.reason, p.reason),
        salespersonId: prior.salespersonId ?? p.salespersonId,
        sourceKey: p.sourceKey,
      };
      work.amend = [...work.amend.filter((x) => x.type !== p.type), amended];
      return 'merged';
    }
    work.add.push({ ...p });
    if (work.taskId === null) this.#countCall(work, d.campaign?.from ?? this.#today);
    return 'created';
  }

  #task(d: Demand): TaskPlan {
    const known = this.#byCustomer.get(d.customerId);
    if (known !== undefined) return known;
    const open = this.#open.get(d.customerId);
    const deadlineAt = (open?.purposes ?? []).reduce(
      (min, p) => earlier(min, p.deadlineAt),
      d.purpose.deadlineAt,
    );
    const work: TaskPlan = {
      taskId: open?.id ?? null,
      customerId: d.customerId,
      branchId: open?.branchId ?? d.branchId,
      deadlineAt,
      add: [],
      amend: [],
      quarters: [],
    };
    this.#byCustomer.set(d.customerId, work);
    this.tasks.push(work);
    return work;
  }

  /** A new task is a new call: it counts once in every quarter it may fall in. */
  #countCall(work: TaskPlan, from: LocalDate): void {
    const mine = this.#added.get(work.customerId) ?? new Map<QuarterKey, number>();
    for (const q of callQuarters(from, localDateOf(work.deadlineAt))) {
      if (work.quarters.includes(q)) continue;
      mine.set(q, (mine.get(q) ?? 0) + 1);
      work.quarters = [...work.quarters, q].sort();
    }
    this.#added.set(work.customerId, mine);
  }
}
