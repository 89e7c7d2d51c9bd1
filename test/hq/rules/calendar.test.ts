import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  addCalendarDays,
  addTradingDays,
  createCalendar,
  endOfLocalDay,
  isBusinessDay,
  isTradingDay,
  isWithinOpeningHours,
  localDateOf,
  localDateTimeOf,
  localMinuteOf,
  nextBusinessDay,
  parseInstant,
  parseLocalDate,
  quarterOf,
  quartersBetween,
  startOfLocalDay,
  weekdayOf,
} from '../../../hq/rules/calendar';
import { CALENDAR_2025, cn } from './support';

const cal = createCalendar(CALENDAR_2025);

describe('China local time', () => {
  it('reads the local date and minute at UTC+8, not the UTC date', () => {
    expect(localDateOf('2025-03-14T15:59:59.999Z')).toBe('2025-03-14');
    expect(localDateOf('2025-03-14T16:00:00.000Z')).toBe('2025-03-15');
    expect(localMinuteOf('2025-03-14T16:30:00.000Z')).toBe(30);
    expect(localDateTimeOf('2025-03-14T02:05:00.000Z')).toBe('2025-03-14 10:05');
  });

  it('starts and ends a local day at midnight China time', () => {
    expect(startOfLocalDay('2025-03-14')).toBe('2025-03-13T16:00:00.000Z');
    expect(endOfLocalDay('2025-03-14')).toBe('2025-03-14T15:59:59.999Z');
    expect(endOfLocalDay('2025-12-31')).toBe('2025-12-31T15:59:59.999Z');
  });

  it('parses the instants feeds write: zoned as written, unzoned as China time', () => {
    expect(parseInstant('2025-03-14 10:23')).toBe('2025-03-14T02:23:00.000Z');
    expect(parseInstant('2025/3/4 9:05:07')).toBe('2025-03-04T01:05:07.000Z');
    expect(parseInstant('2025-03-14T10:23:00.25')).toBe('2025-03-14T02:23:00.250Z');
    expect(parseInstant('2025-03-14T10:23:00+08:00')).toBe('2025-03-14T02:23:00.000Z');
    expect(parseInstant('2025-03-14T10:23:00+0800')).toBe('2025-03-14T02:23:00.000Z');
    expect(parseInstant('2025-03-14T02:23:00.000Z')).toBe('2025-03-14T02:23:00.000Z');
    expect(parseInstant('2025-03-14T00:00:00-05:00')).toBe('2025-03-14T05:00:00.000Z');
  });

  it('refuses instants and dates that do not exist', () => {
    for (const bad of [
      '2025-02-29 10:00',
      '2025-03-14 24:00',
      '2025-03-14 10:60',
      '2025-13-01 10:00',
      '10:00',
      '',
    ]) {
      expect(parseInstant(bad)).toBeNull();
    }
    expect(parseInstant('2025-03-14')).toBeNull();
    expect(parseLocalDate('2024-02-29')).toBe('2024-02-29');
    expect(parseLocalDate('2025/3/4')).toBe('2025-03-04');
    expect(parseLocalDate('2025-02-29')).toBeNull();
  });

  it('knows weekdays and quarters', () => {
    expect(weekdayOf('2025-03-14')).toBe(5);
    expect(weekdayOf('2026-01-04')).toBe(0);
    expect(quarterOf('2025-03-31')).toBe('2025-Q1');
    expect(quarterOf('2025-04-01')).toBe('2025-Q2');
    expect(quartersBetween('2025-11-20', '2026-04-02')).toEqual(['2025-Q4', '2026-Q1', '2026-Q2']);
    expect(quartersBetween('2025-05-01', '2025-04-01')).toEqual([]);
  });

  it('round-trips every instant through parseInstant and the local day', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }), (ms) => {
        const instant = new Date(ms).toISOString();
        expect(parseInstant(instant)).toBe(instant);
        const date = localDateOf(instant);
        expect(startOfLocalDay(date) <= instant && instant <= endOfLocalDay(date)).toBe(true);
        expect(parseInstant(`${localDateTimeOf(instant)}`)?.slice(0, 16)).toBe(
          new Date(ms - (ms % 60_000)).toISOString().slice(0, 16),
        );
      }),
    );
  });
});

describe('business days', () => {
  it('weekdays work, weekends rest, holidays rest, make-up weekend days work', () => {
    expect(isBusinessDay(cal, '2025-03-14')).toBe(true); // Friday
    expect(isBusinessDay(cal, '2025-03-15')).toBe(false); // Saturday
    expect(isBusinessDay(cal, '2025-10-01')).toBe(false); // National Day, a Wednesday
    expect(isBusinessDay(cal, '2025-09-28')).toBe(true); // make-up Sunday
    expect(isBusinessDay(cal, '2025-02-08')).toBe(true); // make-up Saturday
  });

  it('trading days never include a make-up weekend day', () => {
    expect(isTradingDay(cal, '2025-09-28')).toBe(false);
    expect(isTradingDay(cal, '2025-09-29')).toBe(true);
    expect(isTradingDay(cal, '2025-10-08')).toBe(false);
  });

  it('counts business days across weekends, the Spring Festival and its make-up days', () => {
    expect(addBusinessDays(cal, '2025-03-14', 0)).toBe('2025-03-14');
    expect(addBusinessDays(cal, '2025-03-14', 1)).toBe('2025-03-17');
    expect(addBusinessDays(cal, '2025-03-15', 1)).toBe('2025-03-17');
    expect(nextBusinessDay(cal, '2025-01-27')).toBe('2025-02-05');
    // Sun 26 Jan (make-up), Mon 27, Wed 5 Feb, Thu 6, Fri 7.
    expect(addBusinessDays(cal, '2025-01-24', 5)).toBe('2025-02-07');
    expect(addBusinessDays(cal, '2025-02-07', 1)).toBe('2025-02-08');
    expect(addTradingDays(cal, '2025-02-07', 1)).toBe('2025-02-10');
  });

  it('crosses the year end and New Year 2026 (1–3 January off, Sunday 4 January worked)', () => {
    expect(nextBusinessDay(cal, '2025-12-31')).toBe('2026-01-04');
    expect(addTradingDays(cal, '2025-12-31', 1)).toBe('2026-01-05');
    expect(addCalendarDays('2025-12-25', 10)).toBe('2026-01-04');
  });

  it('with no calendar configured, knows only weekends', () => {
    const plain = createCalendar();
    expect(nextBusinessDay(plain, '2025-09-30')).toBe('2025-10-01');
    expect(nextBusinessDay(plain, '2025-09-26')).toBe('2025-09-29');
  });

  it('the n-th business day after d is a business day with exactly n business days in (d, result]', () => {
    const day = fc
      .integer({ min: Date.UTC(2024, 11, 1), max: Date.UTC(2026, 1, 1) })
      .map((ms) => new Date(ms).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 30 }), (d, n) => {
        const result = addBusinessDays(cal, d, n);
        expect(isBusinessDay(cal, result)).toBe(true);
        let count = 0;
        for (let x = addCalendarDays(d, 1); x <= result; x = addCalendarDays(x, 1)) {
          if (isBusinessDay(cal, x)) count += 1;
        }
        expect(count).toBe(n);
      }),
    );
  });

  it('refuses a negative or fractional count', () => {
    expect(() => addBusinessDays(cal, '2025-03-14', -1)).toThrow(RangeError);
    expect(() => addBusinessDays(cal, '2025-03-14', 1.5)).toThrow(RangeError);
  });
});

describe('account-opening hours', () => {
  it('are 09:00 to 16:00 on business days by default, the end excluded', () => {
    expect(isWithinOpeningHours(cal, cn('2025-03-14 09:00'))).toBe(true);
    expect(isWithinOpeningHours(cal, cn('2025-03-14 15:59'))).toBe(true);
    expect(isWithinOpeningHours(cal, cn('2025-03-14 16:00'))).toBe(false);
    expect(isWithinOpeningHours(cal, cn('2025-03-14 08:59'))).toBe(false);
    expect(isWithinOpeningHours(cal, cn('2025-03-15 10:00'))).toBe(false);
    expect(isWithinOpeningHours(cal, cn('2025-02-08 10:00'))).toBe(true);
    expect(isWithinOpeningHours(cal, cn('2025-10-02 10:00'))).toBe(false);
  });

  it('are configurable', () => {
    const late = createCalendar({ openingHours: { from: '08:30', to: '17:30' } });
    expect(isWithinOpeningHours(late, cn('2025-03-14 08:30'))).toBe(true);
    expect(isWithinOpeningHours(late, cn('2025-03-14 17:00'))).toBe(true);
  });
});

describe('calendar configuration', () => {
  it('refuses a make-up day on a weekday, a day both holiday and make-up, and hours that end first', () => {
    expect(() => createCalendar({ makeUpWorkdays: ['2025-03-14'] })).toThrow(/不是周末/);
    expect(() => createCalendar({ holidays: ['2025-03-15'], makeUpWorkdays: ['2025-03-15'] })).toThrow(
      /既是节假日又是调休上班日/,
    );
    expect(() => createCalendar({ openingHours: { from: '16:00', to: '09:00' } })).toThrow(/开始时间应早于/);
    expect(() => createCalendar({ holidays: ['2025-02-30'] })).toThrow(/日期无效/);
    expect(() => createCalendar({ openingHours: { from: '9:00' } })).toThrow(/HH:MM/);
  });
});
