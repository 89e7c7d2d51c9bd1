import {
  addBusinessDays,
  addCalendarDays,
  addTradingDays,
  type BusinessCalendar,
  earlierDate,
  endOfLocalDay,
  isBusinessDay,
  type LocalDate,
  localDateOf,
  localMinuteOf,
} from './calendar';
import { DAY_RULE_TYPES, type DayRule, type DayRuleType, type Rules } from './config';

/**
 * Deadlines per purpose. Every deadline is the end of a local day (23:59:59.999 China time): the policy speaks
 * in days ("当日", "两周内", "三日"), and a branch reads "due today" as "before midnight".
 */

export type NonsiteTiming = 'in_hours' | 'before_hours' | 'after_hours' | 'non_business_day';

/** Where a non-site opening fell relative to the branch's account-opening hours. */
export function nonsiteTiming(cal: BusinessCalendar, openedAt: string): NonsiteTiming {
  if (!isBusinessDay(cal, localDateOf(openedAt))) return 'non_business_day';
  const minute = localMinuteOf(openedAt);
  if (minute < cal.openFromMinute) return 'before_hours';
  return minute < cal.openToMinute ? 'in_hours' : 'after_hours';
}

/**
 * 非现场开户资质审核回访. The seed: "营业部如无特殊情况应在当日对非现场新开客户本人进行100%的回访，如遇双休及非开户时段等
 * 特殊情况最多不超过三日". Read as:
 * - opened on a business day inside the opening hours → the end of that local day;
 * - opened on a business day before the hours begin → the same (the whole day is ahead; configurable,
 *   `beforeOpeningSameDay`);
 * - otherwise (after the hours, on a weekend, on a holiday) → the end of the next business day, but never
 *   later than the end of the local day `maxCalendarDays` (3) calendar days after the opening's local date.
 *   The limit wins over the calendar: a Friday-evening opening before a three-day holiday is due on the
 *   Monday holiday (day 3), not on the Tuesday; a long holiday does not stretch "最多不超过三日".
 */
export function nonsiteQualificationDeadline(rules: Rules, openedAt: string): string {
  const { calendar: cal } = rules;
  const rule = rules.config.deadlines.nonsite_qualification;
  const date = localDateOf(openedAt);
  const timing = nonsiteTiming(cal, openedAt);
  if (timing === 'in_hours' || (timing === 'before_hours' && rule.beforeOpeningSameDay)) {
    return endOfLocalDay(date);
  }
  const next = addBusinessDays(cal, date, 1);
  const limit = addCalendarDays(date, rule.maxCalendarDays);
  return endOfLocalDay(earlierDate(next, limit));
}

/** 新开客户回访: within 2 weeks, i.e. the end of the local day 14 calendar days after the opening's date. */
export function newAccountDeadline(rules: Rules, openedAt: string): string {
  return endOfLocalDay(addCalendarDays(localDateOf(openedAt), rules.config.deadlines.new_account.days));
}

/** The local date `rule` days after `date`; the starting date itself never counts. */
export function applyDayRule(cal: BusinessCalendar, date: LocalDate, rule: DayRule): LocalDate {
  switch (rule.unit) {
    case 'calendar_days':
      return addCalendarDays(date, rule.days);
    case 'business_days':
      return addBusinessDays(cal, date, rule.days);
    case 'trading_days':
      return addTradingDays(cal, date, rule.days);
  }
}

/**
 * Deadline of an event-driven purpose (abnormal, aml, salesperson_departure, complaint, and advisory without
 * a deadline of its own), counted from the event's local date: when the account was named, the list issued,
 * the salesperson left, the complaint was closed. Counting from the event and not from the import keeps the
 * deadline a function of the row alone, and a late import does not earn the branch extra days.
 */
export function eventDeadline(rules: Rules, type: DayRuleType, eventAt: string): string {
  return endOfLocalDay(applyDayRule(rules.calendar, localDateOf(eventAt), rules.config.deadlines[type]));
}

/**
 * The years without a holiday schedule that a deadline given now can fall in: from this year (China time) to
 * the year of the latest deadline the day rules and the new-account rule give for an event now. Deadlines in
 * them count weekends only until their schedule is added (calendar.years).
 */
export function missingHolidayYears(rules: Rules, now: string): number[] {
  const today = localDateOf(now);
  const d = rules.config.deadlines;
  const lastYear = Math.max(
    ...[
      addCalendarDays(today, Math.max(d.new_account.days, d.nonsite_qualification.maxCalendarDays)),
      ...DAY_RULE_TYPES.map((type) => applyDayRule(rules.calendar, today, d[type])),
    ].map((date) => Number(date.slice(0, 4))),
  );
  const missing: number[] = [];
  for (let year = Number(today.slice(0, 4)); year <= lastYear; year++) {
    if (!rules.calendar.scheduledYears.has(year)) missing.push(year);
  }
  return missing;
}

/** What head office says of each such year, in its log, on its health route and in 坐席与时限. */
export function holidayWarnings(rules: Rules, now: string): string[] {
  return missingHolidayYears(rules, now).map(
    (year) => `${year} 年节假日安排尚未配置：截止时间暂按周末计算（请在回访规则文件 calendar.years 中添加）`,
  );
}
