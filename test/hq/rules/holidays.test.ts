import { describe, expect, it } from 'vitest';
import { addBusinessDays, endOfLocalDay, isBusinessDay, nextBusinessDay } from '../../../hq/rules/calendar';
import { createRules } from '../../../hq/rules/config';
import { eventDeadline, holidayWarnings, missingHolidayYears } from '../../../hq/rules/deadlines';
import { SHIPPED_HOLIDAY_YEARS } from '../../../hq/rules/holidays';
import { cn } from './support';

const SOURCE_2027 = '（测试用）2027 年节假日安排，按通知录入';

describe('holiday schedules by year', () => {
  it('ships 2026 from the State Council notice, cited', () => {
    expect(SHIPPED_HOLIDAY_YEARS['2026']?.source).toMatch(/国务院办公厅关于2026年部分节假日安排的通知/);
    const cal = createRules().calendar;
    // National Day 1–7 October; Saturday 10 October worked, Sunday 20 September too.
    expect(nextBusinessDay(cal, '2026-09-30')).toBe('2026-10-08');
    expect(isBusinessDay(cal, '2026-10-10')).toBe(true);
    expect(isBusinessDay(cal, '2026-09-20')).toBe(true);
    // Spring Festival 15–23 February, Saturday 14 February worked.
    expect(isBusinessDay(cal, '2026-02-14')).toBe(true);
    expect(nextBusinessDay(cal, '2026-02-14')).toBe('2026-02-24');
    expect(cal.scheduledYears.has(2026)).toBe(true);
  });

  it('still computes a deadline in a year with no schedule (weekends only), and says which year is missing', () => {
    const rules = createRules();
    expect(rules.calendar.scheduledYears.has(2027)).toBe(false);
    // Abnormal trading: 2 business days. Friday 2027-02-05 + 2 = Tuesday 2027-02-09 on weekends alone (the
    // Spring Festival of 2027 is not in the rules yet).
    expect(eventDeadline(rules, 'abnormal', cn('2027-02-05 10:00'))).toBe(endOfLocalDay('2027-02-09'));
    expect(missingHolidayYears(rules, cn('2027-02-05 10:00'))).toEqual([2027]);
    expect(holidayWarnings(rules, cn('2027-02-05 10:00'))).toEqual([
      '2027 年节假日安排尚未配置：截止时间暂按周末计算（请在回访规则文件 calendar.years 中添加）',
    ]);
  });

  it('warns in December when deadlines reach into a next year that has no schedule, not in June', () => {
    const rules = createRules();
    expect(missingHolidayYears(rules, cn('2026-06-15 10:00'))).toEqual([]);
    // AML: 30 calendar days from 2 December reach 2027.
    expect(missingHolidayYears(rules, cn('2026-12-02 10:00'))).toEqual([2027]);
    expect(missingHolidayYears(rules, cn('2026-11-20 10:00'))).toEqual([]);
  });

  it('takes a year from the rules file, with its source, and then warns no more', () => {
    const rules = createRules({
      calendar: {
        years: {
          '2027': { source: SOURCE_2027, holidays: ['2027-02-08', '2027-02-09'], makeUpWorkdays: [] },
        },
      },
    });
    expect(missingHolidayYears(rules, cn('2027-02-05 10:00'))).toEqual([]);
    expect(eventDeadline(rules, 'abnormal', cn('2027-02-05 10:00'))).toBe(endOfLocalDay('2027-02-11'));
    expect(addBusinessDays(rules.calendar, '2027-02-05', 1)).toBe('2027-02-10');
    // The shipped year stays.
    expect(isBusinessDay(rules.calendar, '2026-10-01')).toBe(false);
    // The years ahead are judged too: at the end of 2027, 2028 is missing.
    expect(missingHolidayYears(rules, cn('2027-12-20 10:00'))).toEqual([2028]);
  });

  it('refuses a year without its source, a date outside its year and a make-up day that is a holiday', () => {
    expect(() => createRules({ calendar: { years: { '2027': { source: '', holidays: [] } } } })).toThrow(
      /请注明节假日安排的出处/,
    );
    expect(() =>
      createRules({ calendar: { years: { '2027': { source: SOURCE_2027, holidays: ['2028-01-01'] } } } }),
    ).toThrow(/2028-01-01 不在 2027 年内/);
    expect(() => createRules({ calendar: { years: { '27': { source: SOURCE_2027 } } } })).toThrow(/四位数字/);
    expect(() => createRules({ calendar: { holidays: ['2026-10-10'] } })).toThrow(/既是节假日又是调休上班日/);
  });
});
