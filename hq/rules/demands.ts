import type { CallbackType } from '../../shared/domain/callback-types';
import {
  endOfLocalDay,
  instantMs,
  type LocalDate,
  laterDate,
  localDateOf,
  localDateTimeOf,
} from './calendar';
import type { Rules } from './config';
import { eventDeadline, newAccountDeadline, nonsiteQualificationDeadline, nonsiteTiming } from './deadlines';
import { type FeedKind, type FeedRow, purposeKey } from './feeds';

/**
 * What each feed row asks for: one demand per purpose it owes a customer, with its deadline, its reason in
 * Chinese and the salesperson it concerns. `plan` then dedups, samples, caps and merges the demands.
 */

export interface CustomerState {
  id: string;
  branchId: string;
  /** The salesperson who serves the customer now. */
  salespersonId: string | null;
  /** The salesperson who brought the customer in. */
  introducerId: string | null;
}

export interface PlannedPurpose {
  type: CallbackType;
  /** ISO instant in UTC. */
  deadlineAt: string;
  /** Why the customer is called, in Chinese, as the agent and the reports show it. */
  reason: string;
  /** The salesperson the callback concerns (the developer, the departed one, the one complained about). */
  salespersonId: string | null;
  sourceKey: string;
}

export type SkipReason =
  | 'bad_row'
  | 'duplicate'
  | 'unknown_customer'
  | 'no_customers'
  | 'campaign_ended'
  | 'not_sampled'
  | 'cap_reached';

export interface Skipped {
  feed: FeedKind;
  row: number;
  /** The row's or the purpose's source key; null for a row too broken to have one. */
  sourceKey: string | null;
  customerId: string | null;
  reason: SkipReason;
  /** "第 3 行：身份证号校验位错误" */
  message: string;
}

export interface Demand {
  feed: FeedKind;
  row: number;
  customerId: string;
  branchId: string;
  purpose: PlannedPurpose;
  /** Satisfaction only: drawn by the campaign's rate, and under the quarterly cap. */
  campaign?: { id: string; rate: number; from: LocalDate };
}

export interface DemandContext {
  rules: Rules;
  now: string;
  customer(id: string): CustomerState | undefined;
  /** Customers the salesperson serves (and brought in, when so configured), ordered by id. */
  customersOfSalesperson(salespersonId: string): readonly CustomerState[];
  /** Customers of the branches, ordered by id. */
  customersOfBranches(branchIds: readonly string[]): readonly CustomerState[];
}

export type RowOutcome =
  | { demands: Demand[] }
  | { skip: SkipReason; message: string; customerId: string | null };

const bad = (message: string, customerId: string | null = null): RowOutcome => ({
  skip: 'bad_row',
  message,
  customerId,
});

function future(ctx: DemandContext, instant: string, label: string, customerId: string | null) {
  return instantMs(instant) > instantMs(ctx.now) ? bad(`${label}晚于当前时间`, customerId) : null;
}

function unknownCustomer(customerId: string): RowOutcome {
  return {
    skip: 'unknown_customer',
    message: `客户 ${customerId} 不存在（先导入其开户数据）`,
    customerId,
  };
}

type Handler<K extends FeedKind> = (
  ctx: DemandContext,
  row: number,
  r: FeedRow<K>,
  key: string,
) => RowOutcome;

/** One demand for a known customer, keyed by the row's own key. */
function single(
  ctx: DemandContext,
  feed: FeedKind,
  row: number,
  customerId: string,
  key: string,
  make: (c: CustomerState) => Omit<PlannedPurpose, 'sourceKey'>,
): RowOutcome {
  const c = ctx.customer(customerId);
  if (c === undefined) return unknownCustomer(customerId);
  return {
    demands: [{ feed, row, customerId, branchId: c.branchId, purpose: { ...make(c), sourceKey: key } }],
  };
}

const ABNORMAL_SOURCE_ZH = {
  exchange: '交易所指定账户',
  compliance: '合规部指定账户',
  risk_monitor: '营销人员风控监控指标提示',
} as const;

const HANDLERS: { readonly [K in FeedKind]: Handler<K> } = {
  accounts_opened: (ctx, row, r, key) => {
    const late = future(ctx, r.openedAt, '开户时间', r.customerId);
    if (late !== null) return late;
    const developer = r.introducerId ?? r.salespersonId;
    const opened = localDateTimeOf(r.openedAt);
    const base = { feed: 'accounts_opened' as const, row, customerId: r.customerId, branchId: r.branchId };
    const demands: Demand[] = [];
    if (r.channel === 'nonsite') {
      const inHours = nonsiteTiming(ctx.rules.calendar, r.openedAt) === 'in_hours';
      const reason = `${opened} 非现场见证开户${inHours ? '' : '（非开户时段）'}，资质审核`;
      const deadlineAt = nonsiteQualificationDeadline(ctx.rules, r.openedAt);
      const sourceKey = purposeKey(key, 'nonsite_qualification');
      demands.push({
        ...base,
        purpose: { type: 'nonsite_qualification', deadlineAt, reason, salespersonId: developer, sourceKey },
      });
    }
    const route = r.channel === 'nonsite' ? '非现场见证开户' : '柜台开户';
    const by = developer === null ? '自然开发' : '营销人员开发';
    const reason = `开户日 ${localDateOf(r.openedAt)} ${route}，${by}${r.margin ? '，含融资融券' : ''}`;
    const deadlineAt = newAccountDeadline(ctx.rules, r.openedAt);
    const sourceKey = purposeKey(key, 'new_account');
    demands.push({
      ...base,
      purpose: { type: 'new_account', deadlineAt, reason, salespersonId: developer, sourceKey },
    });
    return { demands };
  },
  abnormal: (ctx, row, r, key) =>
    future(ctx, r.namedAt, '指定时间', r.customerId) ??
    single(ctx, 'abnormal', row, r.customerId, key, (c) => ({
      type: 'abnormal',
      deadlineAt: eventDeadline(ctx.rules, 'abnormal', r.namedAt),
      reason: `${ABNORMAL_SOURCE_ZH[r.source]}（名单 ${r.listId}）${r.reason === null ? '' : `：${r.reason}`}`,
      salespersonId: c.salespersonId,
    })),
  aml: (ctx, row, r, key) =>
    future(ctx, r.listedAt, '名单日期', r.customerId) ??
    single(ctx, 'aml', row, r.customerId, key, () => ({
      type: 'aml',
      deadlineAt: eventDeadline(ctx.rules, 'aml', r.listedAt),
      reason: `反洗钱身份重新识别（名单 ${r.listId}）${r.reason === null ? '' : `：${r.reason}`}`,
      salespersonId: null,
    })),
  complaints: (ctx, row, r, key) =>
    future(ctx, r.handledAt, '办结时间', r.customerId) ??
    single(ctx, 'complaints', row, r.customerId, key, () => ({
      type: 'complaint',
      deadlineAt: eventDeadline(ctx.rules, 'complaint', r.handledAt),
      reason: `投诉 ${r.complaintId} 办结后回访${r.topic === null ? '' : `（${r.topic}）`}`,
      salespersonId: r.salespersonId,
    })),
  notices: (ctx, row, r, key) =>
    single(ctx, 'notices', row, r.customerId, key, () => ({
      type: 'notification',
      deadlineAt: r.deadline,
      reason: `${r.title}（通知 ${r.noticeId}）`,
      salespersonId: null,
    })),
  advisory: (ctx, row, r, key) =>
    future(ctx, r.eventAt, '签约时间', r.customerId) ??
    single(ctx, 'advisory', row, r.customerId, key, () => ({
      type: 'advisory',
      deadlineAt: r.deadline ?? eventDeadline(ctx.rules, 'advisory', r.eventAt),
      reason: `投资顾问服务回访：${r.title}（服务 ${r.serviceId}）`,
      salespersonId: null,
    })),
  salesperson_departures: (ctx, row, r, key) => {
    const late = future(ctx, r.departedAt, '离职时间', null);
    if (late !== null) return late;
    const customers = ctx.customersOfSalesperson(r.salespersonId);
    if (customers.length === 0) {
      return { skip: 'no_customers', message: `营销人员 ${r.salespersonId} 名下没有客户`, customerId: null };
    }
    const deadlineAt = eventDeadline(ctx.rules, 'salesperson_departure', r.departedAt);
    const reason = `营销人员 ${r.salespersonId} 于 ${localDateOf(r.departedAt)} 离职`;
    const demands = customers.map((c) => ({
      feed: 'salesperson_departures' as const,
      row,
      customerId: c.id,
      branchId: c.branchId,
      purpose: {
        type: 'salesperson_departure' as const,
        deadlineAt,
        reason: c.salespersonId === r.salespersonId ? reason : `${reason}（其介绍的客户）`,
        salespersonId: r.salespersonId,
        sourceKey: purposeKey(key, { customerId: c.id }),
      },
    }));
    return { demands };
  },
  satisfaction_campaigns: (ctx, row, r, key) => {
    const deadlineAt = endOfLocalDay(r.periodTo);
    if (instantMs(deadlineAt) < instantMs(ctx.now)) {
      return {
        skip: 'campaign_ended',
        message: `满意度活动 ${r.campaignId} 已于 ${r.periodTo} 结束`,
        customerId: null,
      };
    }
    const customers = ctx.customersOfBranches(r.branchIds);
    if (customers.length === 0) {
      return { skip: 'no_customers', message: `营业部 ${r.branchIds.join('、')} 没有客户`, customerId: null };
    }
    const today = localDateOf(ctx.now);
    const from = laterDate(r.periodFrom, today);
    const reason = `满意度抽样回访（${r.title ?? `活动 ${r.campaignId}`}，${r.periodFrom} 至 ${r.periodTo}）`;
    const demands = customers.map((c) => ({
      feed: 'satisfaction_campaigns' as const,
      row,
      customerId: c.id,
      branchId: c.branchId,
      purpose: {
        type: 'satisfaction' as const,
        deadlineAt,
        reason,
        salespersonId: c.salespersonId,
        sourceKey: purposeKey(key, { customerId: c.id }),
      },
      campaign: { id: r.campaignId, rate: r.samplingRate, from },
    }));
    return { demands };
  },
};

/** The demands of one parsed row, or why it yields none. */
export function rowDemands<K extends FeedKind>(
  ctx: DemandContext,
  kind: K,
  row: number,
  value: FeedRow<K>,
  key: string,
): RowOutcome {
  return (HANDLERS[kind] as Handler<K>)(ctx, row, value, key);
}
