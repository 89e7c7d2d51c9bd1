import type { CallbackType } from '../../../shared/domain/callback-types';
import type {
  AgentRecord,
  CustomerRecord,
  PurposeRecord,
  SalespersonRecord,
  TaskRecord,
} from '../store/records';
import { addWeekdays, dateLabel, dayFields, endOfDay, isWeekend, localDay, localMinute } from './calendar';
import type { Rng } from './random';

/**
 * Callback tasks for the demo branch, one task per customer carrying every purpose owed to them (one contact,
 * every purpose). Deadlines follow DOMAIN.md; the practice values (abnormal, aml, …) are the defaults a branch
 * would start from. Event purposes count from the task's creation, new-account ones from the opening, departure
 * ones from the salesperson's departure, so every deadline can be recomputed from the batch alone.
 */

export type Cohort = 'pending_nonsite' | 'recent' | 'settled';

export interface DemoCustomer {
  record: CustomerRecord;
  cohort: Cohort;
  openedMs: number | null;
}

export interface TaskInput {
  rng: Rng;
  nowMs: number;
  branchId: string;
  customers: readonly DemoCustomer[];
  salespeople: readonly SalespersonRecord[];
  agents: readonly AgentRecord[];
  /** An instant on a local day between two local minutes, never after now. */
  at: (day: number, fromMinute: number, toMinute: number) => number;
}

type EventType = 'abnormal' | 'aml' | 'satisfaction' | 'notification' | 'advisory' | 'complaint';

/** Calendar days from the task's creation; abnormal counts weekdays instead (see `eventDeadline`). */
const EVENT_DAYS: Readonly<Record<Exclude<EventType, 'abnormal'>, number>> = {
  aml: 10,
  satisfaction: 30,
  notification: 5,
  advisory: 30,
  complaint: 7,
};
const ABNORMAL_WEEKDAYS = 2;
const NEW_ACCOUNT_DAYS = 14;
const DEPARTURE_DAYS = 10;
/** Non-site openings inside these local hours on a weekday are called back the same day. */
const OPENING_FROM_MINUTE = 9 * 60;
const OPENING_TO_MINUTE = 16 * 60;

/** Share of customers whose task starts from each event, before merges. */
const EVENT_SHARE: Readonly<Record<EventType, number>> = {
  abnormal: 0.02,
  aml: 0.03,
  satisfaction: 0.08,
  notification: 0.035,
  advisory: 0.025,
  complaint: 0.015,
};
const EVENT_TYPES = Object.keys(EVENT_SHARE) as EventType[];

const ABNORMAL_REASONS = [
  '交易所异常交易监控提示：频繁申报撤单',
  '交易所协查函',
  '可疑交易监测预警：短期大额资金进出',
  '营销人员风险监控指标触发：账户交易频繁',
  '交易所异常交易监控提示：盘中拉抬打压',
];
const AML_REASONS = [
  '身份证件已过有效期，需重新识别',
  '身份证件将于 30 日内到期',
  '职业、工作单位信息缺失，需补充',
  '反洗钱风险等级调整为高风险，需重新识别',
];
const NOTIFICATION_REASONS = [
  '投资者适当性等级调整告知',
  '账户长期不动户风险告知',
  '退市整理期股票持仓风险提示',
  '客户协议条款变更告知',
];
const ADVISORY_REASONS = [
  '投资顾问服务签约后回访',
  '投资顾问服务到期续约回访',
  '投资顾问组合建议服务质量回访',
];
const COMPLAINT_TOPICS = ['服务态度', '交易系统故障', '佣金费率争议', '营销人员行为'];

/** The same-day rule for non-site qualification, stretched to the next weekday after hours or at weekends. */
export function nonsiteDeadline(openedMs: number): number {
  const day = localDay(openedMs);
  const minute = localMinute(openedMs);
  if (isWeekend(day) || minute >= OPENING_TO_MINUTE) return endOfDay(addWeekdays(day, 1));
  // Before opening hours on a weekday the branch still has the whole day.
  return endOfDay(day);
}

export function eventDeadline(type: EventType, createdMs: number): number {
  const day = localDay(createdMs);
  if (type === 'abnormal') return endOfDay(addWeekdays(day, ABNORMAL_WEEKDAYS));
  return endOfDay(day + EVENT_DAYS[type]);
}

interface Draft {
  customer: CustomerRecord;
  createdMs: number;
  status: 'open' | 'closed';
  purposes: PurposeRecord[];
}

export function generateTasks(input: TaskInput): TaskRecord[] {
  const { rng, nowMs, customers, at } = input;
  const today = localDay(nowMs);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const developer = (c: CustomerRecord): string | null => c.introducerId ?? c.salespersonId;
  const drafts: Draft[] = [];
  const openByCustomer = new Map<string, Draft>();

  const addTask = (customer: CustomerRecord, createdMs: number, status: Draft['status']): Draft => {
    const draft: Draft = { customer, createdMs, status, purposes: [] };
    drafts.push(draft);
    if (status === 'open') openByCustomer.set(customer.id, draft);
    return draft;
  };
  const add = (draft: Draft, purpose: PurposeRecord): void => {
    // A task holds at most one purpose of each type (the store's key is task + type).
    if (!draft.purposes.some((p) => p.type === purpose.type)) draft.purposes.push(purpose);
  };
  const purpose = (type: CallbackType, deadlineMs: number, reason: string, salespersonId: string | null) => ({
    type,
    deadlineAt: iso(deadlineMs),
    reason,
    salespersonId,
  });

  const nonsite = (c: DemoCustomer, openedMs: number): PurposeRecord => {
    const minute = localMinute(openedMs);
    const inHours =
      !isWeekend(localDay(openedMs)) && minute >= OPENING_FROM_MINUTE && minute < OPENING_TO_MINUTE;
    const reason = `开户日 ${dateLabel(localDay(openedMs))} 非现场见证开户${inHours ? '' : '（非营业时间）'}`;
    return purpose('nonsite_qualification', nonsiteDeadline(openedMs), reason, developer(c.record));
  };
  const newAccount = (c: DemoCustomer, openedMs: number): PurposeRecord => {
    const route = c.record.channel === 'nonsite' ? '非现场见证开户' : '柜台开户';
    const by = developer(c.record) === null ? '自然开发' : '营销人员开发';
    const reason = `开户日 ${dateLabel(localDay(openedMs))} ${route}，${by}`;
    return purpose(
      'new_account',
      endOfDay(localDay(openedMs) + NEW_ACCOUNT_DAYS),
      reason,
      developer(c.record),
    );
  };
  const event = (type: EventType, c: CustomerRecord, createdMs: number): PurposeRecord => {
    const deadline = eventDeadline(type, createdMs);
    switch (type) {
      case 'abnormal':
        return purpose(type, deadline, rng.pick(ABNORMAL_REASONS), c.salespersonId);
      case 'aml':
        return purpose(type, deadline, rng.pick(AML_REASONS), null);
      case 'satisfaction': {
        const { year, month } = dayFields(localDay(createdMs));
        const reason = `${year}年第${Math.ceil(month / 3)}季度满意度抽样回访`;
        return purpose(type, deadline, reason, c.salespersonId);
      }
      case 'notification': {
        const reasons = c.margin
          ? [...NOTIFICATION_REASONS, '融资融券维持担保比例预警通知']
          : NOTIFICATION_REASONS;
        return purpose(type, deadline, rng.pick(reasons), null);
      }
      case 'advisory':
        return purpose(type, deadline, rng.pick(ADVISORY_REASONS), null);
      case 'complaint': {
        const topic = rng.pick(COMPLAINT_TOPICS);
        const aboutSalesperson = topic === '营销人员行为';
        return purpose(
          type,
          deadline,
          `投诉办结后回访（${topic}）`,
          aboutSalesperson ? c.salespersonId : null,
        );
      }
    }
  };

  // Recent openings: the qualification call (still pending, or done before the new-account call).
  for (const c of customers) {
    if (c.openedMs === null) continue;
    if (c.cohort === 'pending_nonsite') {
      const draft = addTask(c.record, Math.min(c.openedMs + rng.int(1, 10) * 60_000, nowMs), 'open');
      add(draft, nonsite(c, c.openedMs));
      // Some branches fold the new-account call into the qualification call (identity asked once).
      if (rng.chance(0.3)) add(draft, newAccount(c, c.openedMs));
    } else if (c.cohort === 'recent') {
      if (c.record.channel === 'nonsite') {
        const done = addTask(c.record, Math.min(c.openedMs + rng.int(1, 10) * 60_000, nowMs), 'closed');
        add(done, nonsite(c, c.openedMs));
      }
      const draft = addTask(c.record, Math.min(c.openedMs + rng.int(10, 60) * 60_000, nowMs), 'open');
      add(draft, newAccount(c, c.openedMs));
      if (rng.chance(0.3)) add(draft, event('satisfaction', c.record, draft.createdMs));
    }
  }

  // Departures: every customer a departed salesperson brought in or still serves is called. Long-past ones are
  // done; recent ones mostly still open.
  const departed = input.salespeople.filter((s) => s.departedAt !== null);
  for (const c of customers) {
    const s = departed.find((d) => d.id === c.record.salespersonId || d.id === c.record.introducerId);
    if (s?.departedAt == null) continue;
    const departedMs = Date.parse(s.departedAt);
    const departedDay = localDay(departedMs);
    const longAgo = departedDay < today - 60;
    const createdMs = at(Math.min(addWeekdays(departedDay, 1), today), 8 * 60 + 30, 10 * 60);
    const draft = addTask(c.record, createdMs, longAgo || rng.chance(0.2) ? 'closed' : 'open');
    const reason = `营销人员 ${s.code} 于 ${dateLabel(departedDay)} 离职`;
    add(draft, purpose('salesperson_departure', endOfDay(departedDay + DEPARTURE_DAYS), reason, s.id));
  }

  // Events on the settled base, in disjoint slices of a shuffle. A customer who already has an open task gets
  // the new purpose merged into it.
  const settled = rng.shuffle(customers.filter((c) => c.cohort === 'settled'));
  let next = 0;
  for (const type of EVENT_TYPES) {
    const n = Math.round(customers.length * EVENT_SHARE[type]);
    for (const c of settled.slice(next, next + n)) {
      let draft = openByCustomer.get(c.record.id);
      if (draft === undefined) draft = addTask(c.record, eventCreated(type), 'open');
      add(draft, event(type, c.record, draft.createdMs));
      // Three purposes make a long call already; more would try the customer's patience.
      for (const extra of companions(type)) {
        if (draft.purposes.length < 3) add(draft, event(extra, c.record, draft.createdMs));
      }
    }
    next += n;
  }
  // A few calls finished weeks or months ago, for history and reports.
  for (const c of settled.slice(next, next + Math.round(customers.length * 0.015))) {
    const type = rng.pick(EVENT_TYPES);
    const draft = addTask(c.record, at(today - rng.int(40, 200), 9 * 60, 17 * 60), 'closed');
    add(draft, event(type, c.record, draft.createdMs));
  }

  /** Creation time for an event task, spread so deadlines land overdue, today and later. */
  function eventCreated(type: EventType): number {
    if (type === 'abnormal') {
      let day = today - rng.pick([0, 0, 0, 1, 1, 1, 2, 2, 3]);
      while (isWeekend(day)) day -= 1;
      return at(day, 9 * 60, 15 * 60);
    }
    const n = EVENT_DAYS[type];
    const roll = rng.int(0, 99);
    const dueIn = roll < 4 ? -rng.int(1, 3) : roll < 14 ? 0 : rng.int(1, n - 1);
    return at(today + dueIn - n, 8 * 60, 18 * 60);
  }

  /** Purposes that naturally travel with an event in one call. */
  function companions(type: EventType): EventType[] {
    switch (type) {
      case 'complaint':
        return rng.chance(0.35) ? ['satisfaction'] : [];
      case 'advisory':
        if (!rng.chance(0.25)) return [];
        return rng.chance(0.4) ? ['satisfaction', 'notification'] : ['satisfaction'];
      case 'aml':
        return rng.chance(0.2) ? ['notification'] : [];
      case 'abnormal':
        return rng.chance(0.2) ? ['aml'] : [];
      default:
        return [];
    }
  }

  return assign(input, drafts);
}

/**
 * Most open tasks stay in the branch pool; some are assigned to a named agent, and every closed one names the
 * agent who made the call. Never to an agent who is the customer's salesperson or introducer (recusal).
 */
function assign(input: TaskInput, drafts: readonly Draft[]): TaskRecord[] {
  const { rng, branchId } = input;
  const callers = input.agents.filter((a) => a.role === 'agent');
  return drafts.map((d) => {
    let assignedAgentId: string | null = null;
    if (callers.length > 0 && (d.status === 'closed' || rng.chance(0.15))) {
      const allowed = callers.filter(
        (a) =>
          a.staffId === null ||
          (a.staffId !== d.customer.salespersonId && a.staffId !== d.customer.introducerId),
      );
      if (allowed.length > 0) assignedAgentId = rng.pick(allowed).id;
    }
    return {
      id: rng.uuid(),
      customerId: d.customer.id,
      branchId,
      assignedAgentId,
      status: d.status,
      createdAt: new Date(d.createdMs).toISOString(),
      purposes: d.purposes,
    };
  });
}
