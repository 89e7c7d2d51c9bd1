import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addCalendarDays, endOfLocalDay, localDateOf } from '../../../hq/rules/calendar';
import { RulesConfig } from '../../../hq/rules/config';
import {
  eventDeadline,
  newAccountDeadline,
  nonsiteQualificationDeadline,
  nonsiteTiming,
} from '../../../hq/rules/deadlines';
import { CALENDAR_2025, cn, RULES, rulesWith } from './support';

const nonsite = (local: string) => nonsiteQualificationDeadline(RULES, cn(local));

describe('non-site qualification: the same day, at most 3 days at weekends and outside opening hours', () => {
  it('is due the same local day when opened on a business day within opening hours', () => {
    expect(nonsite('2025-03-14 10:00')).toBe(endOfLocalDay('2025-03-14'));
    expect(nonsite('2025-03-14 09:00')).toBe(endOfLocalDay('2025-03-14'));
    expect(nonsite('2025-03-14 15:59')).toBe(endOfLocalDay('2025-03-14'));
    expect(nonsite('2025-03-14 15:59')).toBe('2025-03-14T15:59:59.999Z');
  });

  it('is due the same day when opened before the hours on a business day, unless configured otherwise', () => {
    expect(nonsite('2025-03-14 07:30')).toBe(endOfLocalDay('2025-03-14'));
    const strict = rulesWith({ deadlines: { nonsite_qualification: { beforeOpeningSameDay: false } } });
    expect(nonsiteQualificationDeadline(strict, cn('2025-03-13 07:30'))).toBe(endOfLocalDay('2025-03-14'));
  });

  it('after the hours, is due the next business day', () => {
    expect(nonsite('2025-03-13 16:00')).toBe(endOfLocalDay('2025-03-14'));
    expect(nonsite('2025-03-13 23:59')).toBe(endOfLocalDay('2025-03-14'));
    // Friday evening: Monday is day 3, inside the limit.
    expect(nonsite('2025-03-14 18:00')).toBe(endOfLocalDay('2025-03-17'));
  });

  it('at the weekend, is due the next business day', () => {
    expect(nonsite('2025-03-15 10:00')).toBe(endOfLocalDay('2025-03-17'));
    expect(nonsite('2025-03-16 22:00')).toBe(endOfLocalDay('2025-03-17'));
  });

  it('reads the local day: 01:00 Saturday in China is Friday in UTC', () => {
    expect(nonsiteQualificationDeadline(RULES, '2025-03-14T17:00:00.000Z')).toBe(endOfLocalDay('2025-03-17'));
  });

  it('treats a make-up Saturday as a business day', () => {
    expect(nonsite('2025-02-08 10:00')).toBe(endOfLocalDay('2025-02-08'));
    expect(nonsite('2025-02-07 17:00')).toBe(endOfLocalDay('2025-02-08'));
    expect(nonsite('2025-01-25 10:00')).toBe(endOfLocalDay('2025-01-26'));
  });

  it('never goes beyond 3 calendar days, even when the next business day is later (holidays)', () => {
    // Thursday before Qingming (Fri 4 – Sun 6 April): the next business day is Monday, day 4.
    expect(nonsite('2025-04-03 17:00')).toBe(endOfLocalDay('2025-04-06'));
    // Spring Festival: next business day 5 February; the limit is 30 January.
    expect(nonsite('2025-01-27 17:00')).toBe(endOfLocalDay('2025-01-30'));
    expect(nonsite('2025-10-02 10:00')).toBe(endOfLocalDay('2025-10-05'));
  });

  it('crosses the year end', () => {
    expect(nonsite('2025-12-31 10:00')).toBe('2025-12-31T15:59:59.999Z');
    // 1–3 January 2026 off, Sunday 4 January worked: day 4, so the limit (3 January) wins.
    expect(nonsite('2025-12-31 17:00')).toBe(endOfLocalDay('2026-01-03'));
    expect(nonsite('2026-01-03 10:00')).toBe(endOfLocalDay('2026-01-04'));
  });

  it('takes a stricter limit from configuration, and refuses a laxer one', () => {
    const oneDay = rulesWith({ deadlines: { nonsite_qualification: { maxCalendarDays: 1 } } });
    expect(nonsiteQualificationDeadline(oneDay, cn('2025-03-14 18:00'))).toBe(endOfLocalDay('2025-03-15'));
    expect(() => rulesWith({ deadlines: { nonsite_qualification: { maxCalendarDays: 4 } } })).toThrow();
  });

  it('follows configured opening hours', () => {
    const rules = rulesWith({ calendar: { ...CALENDAR_2025, openingHours: { from: '09:30', to: '17:00' } } });
    expect(nonsiteQualificationDeadline(rules, cn('2025-03-14 16:30'))).toBe(endOfLocalDay('2025-03-14'));
    expect(nonsiteTiming(rules.calendar, cn('2025-03-14 17:00'))).toBe('after_hours');
    expect(nonsiteTiming(rules.calendar, cn('2025-03-14 09:00'))).toBe('before_hours');
    expect(nonsiteTiming(rules.calendar, cn('2025-10-03 10:00'))).toBe('non_business_day');
  });

  it('for any opening: due at the end of a local day, never before the opening, at most 3 days after', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2024, 11, 1), max: Date.UTC(2026, 1, 1) }), (ms) => {
        const openedAt = new Date(ms).toISOString();
        const due = nonsiteQualificationDeadline(RULES, openedAt);
        const dueDate = localDateOf(due);
        expect(due).toBe(endOfLocalDay(dueDate));
        expect(due > openedAt).toBe(true);
        expect(dueDate <= addCalendarDays(localDateOf(openedAt), 3)).toBe(true);
      }),
    );
  });
});

describe('new account: within 2 weeks of opening', () => {
  it('is the end of the local day 14 calendar days later, whatever the weekday', () => {
    expect(newAccountDeadline(RULES, cn('2025-03-14 10:00'))).toBe(endOfLocalDay('2025-03-28'));
    expect(newAccountDeadline(RULES, cn('2025-03-14 23:30'))).toBe(endOfLocalDay('2025-03-28'));
    expect(newAccountDeadline(RULES, cn('2025-03-15 00:30'))).toBe(endOfLocalDay('2025-03-29'));
    expect(newAccountDeadline(RULES, cn('2025-12-20 10:00'))).toBe(endOfLocalDay('2026-01-03'));
  });

  it('may be shortened, never lengthened beyond 14 days', () => {
    const ten = rulesWith({ deadlines: { new_account: { days: 10 } } });
    expect(newAccountDeadline(ten, cn('2025-03-14 10:00'))).toBe(endOfLocalDay('2025-03-24'));
    expect(() => rulesWith({ deadlines: { new_account: { days: 15 } } })).toThrow();
  });
});

describe('event deadlines', () => {
  it('defaults: abnormal 2 business days, aml 30 days, departure 10 days, complaint 7 days', () => {
    const at = cn('2025-03-14 11:00');
    expect(eventDeadline(RULES, 'abnormal', at)).toBe(endOfLocalDay('2025-03-18'));
    expect(eventDeadline(RULES, 'aml', at)).toBe(endOfLocalDay('2025-04-13'));
    expect(eventDeadline(RULES, 'salesperson_departure', at)).toBe(endOfLocalDay('2025-03-24'));
    expect(eventDeadline(RULES, 'complaint', at)).toBe(endOfLocalDay('2025-03-21'));
    expect(eventDeadline(RULES, 'advisory', at)).toBe(endOfLocalDay('2025-04-13'));
  });

  it('abnormal skips holidays and counts a make-up Sunday; as trading days it does not', () => {
    expect(eventDeadline(RULES, 'abnormal', cn('2025-04-03 10:00'))).toBe(endOfLocalDay('2025-04-08'));
    expect(eventDeadline(RULES, 'abnormal', cn('2025-04-25 10:00'))).toBe(endOfLocalDay('2025-04-28'));
    const trading = rulesWith({ deadlines: { abnormal: { unit: 'trading_days' } } });
    expect(eventDeadline(trading, 'abnormal', cn('2025-04-25 10:00'))).toBe(endOfLocalDay('2025-04-29'));
    expect(eventDeadline(RULES, 'abnormal', cn('2025-12-31 10:00'))).toBe(endOfLocalDay('2026-01-05'));
  });

  it('crosses the year end in calendar days', () => {
    expect(eventDeadline(RULES, 'complaint', cn('2025-12-28 16:00'))).toBe(endOfLocalDay('2026-01-04'));
  });

  it('are configurable per type', () => {
    const rules = rulesWith({
      deadlines: { aml: { days: 5, unit: 'business_days' }, complaint: { days: 3 } },
    });
    expect(eventDeadline(rules, 'aml', cn('2025-03-14 10:00'))).toBe(endOfLocalDay('2025-03-21'));
    expect(eventDeadline(rules, 'complaint', cn('2025-03-14 10:00'))).toBe(endOfLocalDay('2025-03-17'));
  });
});

describe('RulesConfig', () => {
  it('parses an empty object to the documented defaults', () => {
    const config = RulesConfig.parse({});
    expect(config.deadlines.nonsite_qualification).toEqual({
      maxCalendarDays: 3,
      beforeOpeningSameDay: true,
    });
    expect(config.deadlines.new_account.days).toBe(14);
    expect(config.deadlines.abnormal).toEqual({ days: 2, unit: 'business_days' });
    expect(config.deadlines.aml).toEqual({ days: 30, unit: 'calendar_days' });
    expect(config.deadlines.salesperson_departure).toEqual({ days: 10, unit: 'calendar_days' });
    expect(config.deadlines.complaint).toEqual({ days: 7, unit: 'calendar_days' });
    expect(config.sampling.quarterlyCap).toBe(2);
    expect(config.calendar.openingHours).toEqual({ from: 540, to: 960 });
    expect(config.departure.includeIntroduced).toBe(true);
  });

  it('refuses a quarterly cap above 2 and an unknown unit', () => {
    expect(RulesConfig.safeParse({ sampling: { quarterlyCap: 3 } }).success).toBe(false);
    expect(RulesConfig.safeParse({ deadlines: { aml: { unit: 'weeks' } } }).success).toBe(false);
  });
});
