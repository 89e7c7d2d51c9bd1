import { z } from 'zod';
import { CallbackType } from '../../shared/domain/callback-types';
import { type BusinessCalendar, CalendarConfig, createCalendar } from './calendar';

/**
 * The rules' configuration, every field with a default, so `RulesConfig.parse({})` is a working setup. Where
 * the policy (seed, Article 5) fixes a limit, the schema accepts a stricter value and refuses a laxer one:
 * non-site qualification at most 3 days, new accounts at most 2 weeks, at most 2 sampled callbacks a quarter.
 */

export const DeadlineUnit = z.enum(['calendar_days', 'business_days', 'trading_days']);
export type DeadlineUnit = z.infer<typeof DeadlineUnit>;

function dayRule(days: number, unit: DeadlineUnit) {
  return z
    .object({ days: z.int().min(0).max(366).default(days), unit: DeadlineUnit.default(unit) })
    .prefault({});
}
export type DayRule = { days: number; unit: DeadlineUnit };

/** The types whose deadline counts from an event (the feed row's instant) by a day rule. */
export const DAY_RULE_TYPES = ['abnormal', 'aml', 'salesperson_departure', 'complaint', 'advisory'] as const;
export type DayRuleType = (typeof DAY_RULE_TYPES)[number];

/** Types the head-office call center may call as well as the branch (DOMAIN.md, "who calls"). */
const HEAD_OFFICE_TYPES: CallbackType[] = [
  'abnormal',
  'aml',
  'salesperson_departure',
  'notification',
  'advisory',
  'complaint',
];

export const RulesConfig = z.object({
  calendar: CalendarConfig.prefault({}),
  deadlines: z
    .object({
      nonsite_qualification: z
        .object({
          /** The outside limit, counted in calendar days from the opening's local date ("最多不超过三日"). */
          maxCalendarDays: z.int().min(0).max(3).default(3),
          /**
           * An opening on a business day before the opening hours begin (e.g. 08:30) is due the same day: the
           * branch has the whole day ahead. False: such an opening counts as outside the hours.
           */
          beforeOpeningSameDay: z.boolean().default(true),
        })
        .prefault({}),
      /** Calendar days from the opening's local date ("开户后两周内"). */
      new_account: z.object({ days: z.int().min(1).max(14).default(14) }).prefault({}),
      abnormal: dayRule(2, 'business_days'),
      aml: dayRule(30, 'calendar_days'),
      salesperson_departure: dayRule(10, 'calendar_days'),
      complaint: dayRule(7, 'calendar_days'),
      /** Used only when an advisory row brings no deadline of its own. */
      advisory: dayRule(30, 'calendar_days'),
    })
    .prefault({}),
  sampling: z
    .object({
      /** Callbacks per customer per calendar quarter above which nobody is sampled ("不应超过两次"). */
      quarterlyCap: z.int().min(0).max(2).default(2),
    })
    .prefault({}),
  departure: z
    .object({
      /** Also call the customers the departing salesperson brought in (introducer), not only those served. */
      includeIntroduced: z.boolean().default(true),
    })
    .prefault({}),
  retention: z
    .object({
      /** Years a callback's recording is kept after the call (the CSRC asks for at least 3). */
      recordingYears: z.int().min(3).max(100).default(3),
      /** Longer periods per callback type; anti-money-laundering (`aml`) is kept at least 5 years whatever is set. */
      byType: z.partialRecord(CallbackType, z.int().min(3).max(100)).default({}),
      /**
       * Days a training call's recording (演练线路, a simulated customer) is kept: it is not evidence, so no
       * legal minimum applies; long enough for a supervisor to coach from it.
       */
      trainingDays: z.int().min(1).max(3650).default(90),
    })
    .prefault({}),
  routing: z
    .object({
      /** Branch ids of the head-office call center (总部呼叫中心); its agents and seats are head-office level. */
      callCenterBranchIds: z.array(z.string().min(1)).default([]),
      /** Types the head-office call center may call; the rest are for the customer's branch only. */
      headOfficeTypes: z.array(CallbackType).default(HEAD_OFFICE_TYPES),
    })
    .prefault({}),
});
export type RulesConfig = z.output<typeof RulesConfig>;
export type RulesConfigInput = z.input<typeof RulesConfig>;

/** Validated configuration with its calendar built once. */
export interface Rules {
  readonly config: RulesConfig;
  readonly calendar: BusinessCalendar;
}

/** Rules from configuration (throws a ZodError on a bad one). */
export function createRules(input: RulesConfigInput = {}): Rules {
  const config = RulesConfig.parse(input);
  return { config, calendar: createCalendar(input.calendar ?? {}) };
}

/** The defaults, built once: what head office uses when no rules file is given (`Hq.rules` unset). */
export const DEFAULT_RULES: Rules = createRules();
