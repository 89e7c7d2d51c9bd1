import type { AgentRecord, CustomerRecord, ReferenceBatch, SalespersonRecord } from '../store/records';
import { addYears, DAY_MS, dayStart, isWeekend, localDay, MINUTE_MS, previousWeekday } from './calendar';
import { birthDay, idNumber, loadPools, mobileNumber, personName, unique } from './people';
import { Rng, Weighted } from './random';
import { type Cohort, type DemoCustomer, generateTasks } from './tasks';

/**
 * A realistic demo branch, generated from a seed: salespeople (a few departed), seat agents (one of them also
 * on the salesperson list, so recusal has something to do), customers, and their callback tasks of all nine
 * types. Pure: the same `seed` and `now` give a deep-equal batch, and nothing but the pools is read.
 */
export interface DemoOptions {
  seed: number;
  /** The demo's "now": deadlines are spread around it (overdue, due today, later). */
  now: Date;
  /** Default 2000; below a few hundred some callback types get few or no tasks. */
  customers?: number;
  /** Default: the pools' branch id. */
  branchId?: string;
  /** Given to every agent, so a demo login works with one known password. */
  passwordHash: string;
}

export type DemoBranch = ReferenceBatch & { branchName: string };

const SALESPEOPLE = 25;
const AGENTS = 8;
/** Of the salespeople, these left recently (their customers are owed a departure callback now) … */
const RECENTLY_DEPARTED = 3;
/** … and this one left long ago (the callbacks are done, the customers handed over). */
const LONG_DEPARTED = 1;
/** Non-site remote-witness opening was allowed from April 2015 (CSRC); older accounts were opened at a counter. */
const NONSITE_SINCE_DAY = Math.floor(Date.UTC(2015, 3, 13) / DAY_MS);

interface DemoSalesperson {
  record: SalespersonRecord;
  departedDay: number | null;
}

export function generateDemoBranch(opts: DemoOptions): DemoBranch {
  const nowMs = opts.now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now is not a valid date');
  const count = opts.customers ?? 2000;
  if (!Number.isInteger(count) || count < 0) throw new RangeError('customers must be a non-negative integer');

  const rng = new Rng(opts.seed);
  const pools = loadPools();
  const branchId = opts.branchId ?? pools.branchId;
  const today = localDay(nowMs);

  /** An instant on `day` between the given local minutes, never after now (the demo has no future events). */
  const at = (day: number, fromMinute: number, toMinute: number): number => {
    const t = dayStart(day) + rng.int(fromMinute, toMinute - 1) * MINUTE_MS + rng.int(0, 59) * 1000;
    if (t <= nowMs) return t;
    const start = dayStart(day);
    return start + Math.floor(rng.int(0, Math.max(0, nowMs - start)) / 1000) * 1000;
  };

  // Salespeople: departures are picked among them by position, so codes don't reveal who left.
  const departedOrder = rng.shuffle(Array.from({ length: SALESPEOPLE }, (_, i) => i));
  const salespeople: DemoSalesperson[] = [];
  // The recent departures sit on and inside the 10-day callback window, so their customers' deadlines are due
  // today for one and still ahead for the others (a branch that works its list has few overdue).
  const recentDaysAgo = [10, rng.int(4, 8), rng.int(1, 3)];
  for (let i = 0; i < SALESPEOPLE; i++) {
    const rank = departedOrder.indexOf(i);
    let departedDay: number | null = null;
    if (rank < RECENTLY_DEPARTED) departedDay = today - (recentDaysAgo[rank] ?? 1);
    else if (rank < RECENTLY_DEPARTED + LONG_DEPARTED) departedDay = today - rng.int(150, 300);
    // People leave at the end of their last day, after the close.
    const departedAt =
      departedDay === null ? null : new Date(at(departedDay, 17 * 60, 18 * 60)).toISOString();
    salespeople.push({
      record: {
        id: rng.uuid(),
        code: `S${String(i + 1).padStart(3, '0')}`,
        name: personName(rng, pools, rng.chance(0.5)),
        branchId,
        departedAt,
      },
      departedDay,
    });
  }
  const active = salespeople.filter((s) => s.departedDay === null);
  // Some salespeople bring in far more customers than others. The recently departed ones had a fair book (so
  // the departure callbacks are a real workload), the long-departed one a small one.
  const bySize = new Weighted(
    salespeople.map(
      (s) =>
        [s, s.departedDay === null ? rng.int(2, 9) : s.departedDay < today - 60 ? 1 : rng.int(4, 9)] as const,
    ),
  );
  const activeBySize = new Weighted(active.map((s) => [s, rng.int(2, 9)] as const));

  // Agents: A001 is the supervisor. One agent is also on the salesperson list (a busy active salesperson), so
  // the worklist has customers that agent must never call.
  const recusedStaff = activeBySize.draw(rng);
  const recusedAgent = rng.int(2, AGENTS);
  const agents: AgentRecord[] = [];
  for (let i = 1; i <= AGENTS; i++) {
    agents.push({
      id: rng.uuid(),
      code: `A${String(i).padStart(3, '0')}`,
      name: i === recusedAgent ? recusedStaff.record.name : personName(rng, pools, rng.chance(0.4)),
      branchId,
      role: i === 1 ? 'supervisor' : 'agent',
      passwordHash: opts.passwordHash,
      staffId: i === recusedAgent ? recusedStaff.record.id : null,
    });
  }

  // Customers: a few recent non-site openings still awaiting their same-day qualification call, more recent
  // openings owed the two-week new-account call, and the settled base.
  const pendingNonsite = Math.round(count * 0.025);
  const recent = Math.round(count * 0.05);
  const seenIds = new Set<string>();
  const seenPhones = new Set<string>();
  const customers: DemoCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const cohort: Cohort =
      i < pendingNonsite ? 'pending_nonsite' : i < pendingNonsite + recent ? 'recent' : 'settled';
    const male = rng.chance(0.5);
    const name = personName(rng, pools, male);
    // At least 19 today, so every opening (up to 60 days back for the settled base, one year of adulthood
    // before it) happened after the 18th birthday.
    const birth = birthDay(rng, today, 19, cohort === 'settled' ? 85 : 70);
    const id = unique(seenIds, () => idNumber(rng, pools, birth, male));
    const phone = unique(seenPhones, () => mobileNumber(rng, pools));

    let served: DemoSalesperson | null = null;
    let openedMs: number | null;
    let channel: CustomerRecord['channel'];
    let margin = false;
    if (cohort === 'pending_nonsite') {
      // Opened today or in the last three days, mostly inside opening hours; remote opening also runs evenings
      // and weekends, which is what stretches the qualification deadline.
      // One in five opened yesterday after hours (due by the next business day); a few of those are left over.
      const day = today - rng.pick([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
      openedMs =
        day === today && !isWeekend(day) && rng.chance(0.7)
          ? at(day, 9 * 60, 16 * 60)
          : offHours(rng, at, day);
      channel = 'nonsite';
      if (rng.chance(0.7)) served = activeBySize.draw(rng);
    } else if (cohort === 'recent') {
      channel = rng.chance(0.5) ? 'counter' : 'nonsite';
      // Mostly inside the two-week window; one in twenty-five already past it.
      const day = today - (rng.chance(0.04) ? rng.int(15, 18) : rng.int(1, 13));
      openedMs =
        channel === 'counter'
          ? at(previousWeekday(day), 9 * 60, 16 * 60)
          : rng.chance(0.75) && !isWeekend(day)
            ? at(day, 9 * 60, 16 * 60)
            : offHours(rng, at, day);
      if (rng.chance(0.6)) served = activeBySize.draw(rng);
    } else if (rng.chance(0.015)) {
      // Accounts migrated from the old system without an opening date or channel.
      openedMs = null;
      channel = null;
      if (rng.chance(0.6)) served = bySize.draw(rng);
    } else {
      if (rng.chance(0.6)) served = bySize.draw(rng);
      let latest = today - 60;
      // A departed salesperson's customers opened while they were still there.
      if (served?.departedDay != null) latest = Math.min(latest, served.departedDay - 30);
      // +3: moving a weekend opening back to Friday must not cross the 18th birthday.
      const earliest = Math.max(today - 15 * 365, addYears(birth, 18) + 3);
      if (earliest > latest) {
        served = activeBySize.draw(rng);
        latest = today - 60;
      }
      const day = previousWeekday(rng.int(earliest, latest));
      channel = day >= NONSITE_SINCE_DAY && rng.chance(0.4) ? 'nonsite' : 'counter';
      openedMs = at(day, 9 * 60, 16 * 60);
      // Margin trading needs six months of trading history; about one in eight settled customers has it.
      margin = day < today - 183 && rng.chance(0.12);
    }

    let salespersonId: string | null = null;
    let introducerId: string | null = null;
    if (served !== null) {
      introducerId = served.record.id;
      salespersonId = served.record.id;
      if (served.departedDay !== null) {
        // Long gone: handed over. Recently gone: the handover is half done.
        if (served.departedDay < today - 60 || rng.chance(0.5))
          salespersonId = activeBySize.draw(rng).record.id;
      } else {
        const roll = rng.int(0, 99);
        if (roll < 10) introducerId = activeBySize.draw(rng).record.id;
        else if (roll < 25) introducerId = null;
      }
    }

    customers.push({
      record: {
        id: rng.uuid(),
        name,
        idNumber: id,
        phone,
        branchId,
        salespersonId,
        introducerId,
        openedAt: openedMs === null ? null : new Date(openedMs).toISOString(),
        channel,
        margin,
      },
      cohort,
      openedMs,
    });
  }

  const tasks = generateTasks({
    rng,
    nowMs,
    branchId,
    customers,
    salespeople: salespeople.map((s) => s.record),
    agents,
    at,
  });

  return {
    branchName: pools.branchName,
    salespeople: salespeople.map((s) => s.record),
    agents,
    // Shuffled so the list's order says nothing about how the customers were made.
    customers: rng.shuffle(customers.map((c) => c.record)),
    tasks,
  };
}

/** Early morning, evening or (on any day) a weekend hour: when remote opening runs but the counter is shut. */
function offHours(rng: Rng, at: (day: number, from: number, to: number) => number, day: number): number {
  if (isWeekend(day) && rng.chance(0.5)) return at(day, 9 * 60, 16 * 60);
  return rng.chance(0.3) ? at(day, 7 * 60, 9 * 60) : at(day, 16 * 60, 23 * 60);
}
