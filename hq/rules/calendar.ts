import { z } from 'zod';
import { SHIPPED_HOLIDAY_YEARS } from './holidays';

/**
 * The business calendar of a brokerage in China time. Asia/Shanghai has been UTC+8 without daylight saving
 * since 1991, so a fixed offset is exact and no timezone library is needed.
 *
 * Vocabulary:
 * - an *instant* is an ISO-8601 string in UTC (`Date.prototype.toISOString()`), as the stores keep them;
 * - a *local date* is `YYYY-MM-DD` in China time;
 * - a *business day* is a day the branches work: Monday–Friday unless a holiday, plus the make-up working
 *   days (调休) that the State Council's holiday schedule puts on a Saturday or Sunday;
 * - a *trading day* is a day the exchanges trade: Monday–Friday unless a holiday. The exchanges never trade on a
 *   make-up Saturday or Sunday, even though the branches work.
 *
 * Everything here is pure: no clock, no I/O.
 */

export const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

export type LocalDate = string;
/** `2025-Q1`: a calendar quarter in China time. */
export type QuarterKey = `${number}-Q${1 | 2 | 3 | 4}`;

function validYmd(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * A local date written `YYYY-MM-DD` or `YYYY/M/D` (as spreadsheets export them), normalised to `YYYY-MM-DD`;
 * null when it is not a real calendar date.
 */
export function parseLocalDate(text: string): LocalDate | null {
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(text.trim());
  if (m === null) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validYmd(y, mo, d) ? `${y}-${pad(mo)}-${pad(d)}` : null;
}

/**
 * An instant as the feeds write it, normalised to ISO UTC; null when it is not one. With a zone (`Z`, `+08:00`,
 * `+0800`) it is taken as written; **without a zone it is China local time** (`2025-03-14 10:23`,
 * `2025/3/14 10:23:05`, `2025-03-14T10:23:05.250`), which is how the brokerage's back-office exports read.
 */
export function parseInstant(text: string): string | null {
  const m =
    /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
      text.trim(),
    );
  if (m === null) return null;
  const [y, mo, d, h, mi] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  const s = Number(m[6] ?? 0);
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  if (!validYmd(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  let offsetMs = CHINA_OFFSET_MS;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(-2));
    if (oh > 14 || om > 59) return null;
    offsetMs = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  } else if (zone === 'Z') {
    offsetMs = 0;
  }
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMs).toISOString();
}

/** Milliseconds of an instant; throws on a string that is not one (a defect: feeds are parsed first). */
export function instantMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${instant}`);
  return ms;
}

/** Days since 1970-01-01 of a local date. */
function dayNumber(date: LocalDate): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new RangeError(`not a local date: ${date}`);
  return ms / DAY_MS;
}

function dateOfDay(day: number): LocalDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The local date an instant falls on in China. */
export function localDateOf(instant: string): LocalDate {
  return dateOfDay(Math.floor((instantMs(instant) + CHINA_OFFSET_MS) / DAY_MS));
}

/** Minutes since local midnight in China. */
export function localMinuteOf(instant: string): number {
  const local = instantMs(instant) + CHINA_OFFSET_MS;
  return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / 60_000);
}

/** `YYYY-MM-DD HH:mm` in China time, for reasons and messages a person reads. */
export function localDateTimeOf(instant: string): string {
  const minute = localMinuteOf(instant);
  return `${localDateOf(instant)} ${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
}

/** 00:00:00.000 China time on the date, as an instant. */
export function startOfLocalDay(date: LocalDate): string {
  return new Date(dayNumber(date) * DAY_MS - CHINA_OFFSET_MS).toISOString();
}

/** 23:59:59.999 China time on the date, as an instant: a deadline "on that day" means "before midnight". */
export function endOfLocalDay(date: LocalDate): string {
  return new Date((dayNumber(date) + 1) * DAY_MS - CHINA_OFFSET_MS - 1).toISOString();
}

export function addCalendarDays(date: LocalDate, n: number): LocalDate {
  if (!Number.isInteger(n)) throw new RangeError('days must be an integer');
  return dateOfDay(dayNumber(date) + n);
}

/** The later of two local dates. */
export function laterDate(a: LocalDate, b: LocalDate): LocalDate {
  return dayNumber(a) >= dayNumber(b) ? a : b;
}

/** The earlier of two local dates. */
export function earlierDate(a: LocalDate, b: LocalDate): LocalDate {
  return dayNumber(a) <= dayNumber(b) ? a : b;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: LocalDate): number {
  // 1970-01-01 was a Thursday.
  return (((dayNumber(date) + 4) % 7) + 7) % 7;
}

export function isWeekend(date: LocalDate): boolean {
  const w = weekdayOf(date);
  return w === 0 || w === 6;
}

export function quarterOf(date: LocalDate): QuarterKey {
  const month = Number(date.slice(5, 7));
  return `${Number(date.slice(0, 4))}-Q${Math.ceil(month / 3) as 1 | 2 | 3 | 4}`;
}

/** Every quarter from the one holding `from` to the one holding `to`, both included, in order. */
export function quartersBetween(from: LocalDate, to: LocalDate): QuarterKey[] {
  const out: QuarterKey[] = [];
  if (from > to) return out;
  let y = Number(from.slice(0, 4));
  let q = Math.ceil(Number(from.slice(5, 7)) / 3);
  const last = quarterOf(to);
  for (;;) {
    const key = `${y}-Q${q as 1 | 2 | 3 | 4}` as QuarterKey;
    out.push(key);
    if (key === last) return out;
    q += 1;
    if (q > 4) [y, q] = [y + 1, 1];
  }
}

/** `YYYY-MM-DD`, normalised, as configuration and feeds write it. */
export const LocalDateSchema = z.string().transform((text, ctx) => {
  const date = parseLocalDate(text);
  if (date === null) {
    ctx.addIssue({ code: 'custom', message: '日期无效（应为 YYYY-MM-DD）' });
    return z.NEVER;
  }
  return date;
});

/** `HH:MM`, 00:00–24:00, as minutes since midnight. */
const ClockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, { message: '时间应为 HH:MM' })
  .transform((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5)));

/** One year's holiday schedule as the State Council publishes it, with the notice it comes from. */
const HolidayYearConfig = z.object({
  /** The notice the lists are copied from (title, date, where published). */
  source: z.string().trim().min(4, { message: '请注明节假日安排的出处（通知名称与发布日期）' }).max(500),
  holidays: z.array(LocalDateSchema).max(60).default([]),
  makeUpWorkdays: z.array(LocalDateSchema).max(20).default([]),
});

export const CalendarConfig = z
  .object({
    /**
     * The holiday schedule by year (`"2027": { source, holidays, makeUpWorkdays }`), added to the years head
     * office ships with (hq/rules/holidays.ts; a year given here replaces the shipped one). A deadline in a year
     * that has no schedule counts weekends only, and head office warns (`missingHolidayYears`).
     */
    years: z
      .record(z.string().regex(/^\d{4}$/, { message: '年份应为四位数字' }), HolidayYearConfig)
      .default({}),
    /** More public holidays (法定节假日) that fall on weekdays or weekends alike: no branch works. */
    holidays: z.array(LocalDateSchema).default([]),
    /** More Saturdays or Sundays the branches work (调休上班日). */
    makeUpWorkdays: z.array(LocalDateSchema).default([]),
    /** Account-opening hours on a business day, local time; from included, to excluded. */
    openingHours: z
      .object({ from: ClockTime.default(9 * 60), to: ClockTime.default(16 * 60) })
      .refine((h) => h.from < h.to, { message: '开户时段的开始时间应早于结束时间' })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    for (const [year, y] of Object.entries(c.years)) {
      for (const list of ['holidays', 'makeUpWorkdays'] as const) {
        for (const [i, d] of y[list].entries()) {
          if (!d.startsWith(`${year}-`)) {
            ctx.addIssue({
              code: 'custom',
              path: ['years', year, list, i],
              message: `${d} 不在 ${year} 年内`,
            });
          }
        }
      }
    }
    const lists = mergedLists(c);
    const holidays = new Set(lists.holidays);
    for (const d of new Set(lists.makeUpWorkdays)) {
      const path = ['makeUpWorkdays', d];
      if (holidays.has(d)) {
        ctx.addIssue({ code: 'custom', path, message: `${d} 既是节假日又是调休上班日` });
      } else if (!isWeekend(d)) {
        ctx.addIssue({ code: 'custom', path, message: `${d} 不是周末，无需设为调休上班日` });
      }
    }
  });
export type CalendarConfig = z.output<typeof CalendarConfig>;
export type CalendarConfigInput = z.input<typeof CalendarConfig>;

/** The shipped years with the configured ones over them, and the extra days. */
function mergedLists(c: {
  years: Record<string, { holidays: LocalDate[]; makeUpWorkdays: LocalDate[] }>;
  holidays: LocalDate[];
  makeUpWorkdays: LocalDate[];
}): { years: Set<number>; holidays: LocalDate[]; makeUpWorkdays: LocalDate[] } {
  const years = { ...SHIPPED_HOLIDAY_YEARS, ...c.years };
  const all = Object.values(years);
  return {
    // A year has a schedule when one is shipped or configured for it, or when extra holidays fall in it.
    years: new Set([...Object.keys(years), ...c.holidays.map((d) => d.slice(0, 4))].map(Number)),
    holidays: [...all.flatMap((y) => y.holidays), ...c.holidays],
    makeUpWorkdays: [...all.flatMap((y) => y.makeUpWorkdays), ...c.makeUpWorkdays],
  };
}

export interface BusinessCalendar {
  readonly holidays: ReadonlySet<LocalDate>;
  readonly makeUpWorkdays: ReadonlySet<LocalDate>;
  /** The years whose holiday schedule is known; in any other year only weekends are days off. */
  readonly scheduledYears: ReadonlySet<number>;
  /** Minutes since local midnight. */
  readonly openFromMinute: number;
  readonly openToMinute: number;
}

/** A calendar from configuration (validated; throws a ZodError on a bad one). */
export function createCalendar(config: CalendarConfigInput = {}): BusinessCalendar {
  const c = CalendarConfig.parse(config);
  const lists = mergedLists(c);
  return {
    holidays: new Set(lists.holidays),
    makeUpWorkdays: new Set(lists.makeUpWorkdays),
    scheduledYears: lists.years,
    openFromMinute: c.openingHours.from,
    openToMinute: c.openingHours.to,
  };
}

export function isHoliday(cal: BusinessCalendar, date: LocalDate): boolean {
  return cal.holidays.has(date);
}

export function isBusinessDay(cal: BusinessCalendar, date: LocalDate): boolean {
  if (cal.holidays.has(date)) return false;
  return !isWeekend(date) || cal.makeUpWorkdays.has(date);
}

export function isTradingDay(cal: BusinessCalendar, date: LocalDate): boolean {
  return !cal.holidays.has(date) && !isWeekend(date);
}

function addDaysWhere(date: LocalDate, n: number, counts: (d: LocalDate) => boolean): LocalDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('days must be a non-negative integer');
  let day = dayNumber(date);
  let left = n;
  while (left > 0) {
    day += 1;
    if (counts(dateOfDay(day))) left -= 1;
  }
  return dateOfDay(day);
}

/**
 * The n-th business day after `date` (the date itself does not count, whatever it is); n = 0 gives `date`.
 * Friday + 1 is Monday; a Saturday + 1 is Monday too, or the Sunday when that Sunday is a make-up workday.
 */
export function addBusinessDays(cal: BusinessCalendar, date: LocalDate, n: number): LocalDate {
  return addDaysWhere(date, n, (d) => isBusinessDay(cal, d));
}

/** As `addBusinessDays`, counting trading days (make-up weekend days never count). */
export function addTradingDays(cal: BusinessCalendar, date: LocalDate, n: number): LocalDate {
  return addDaysWhere(date, n, (d) => isTradingDay(cal, d));
}

/** The first business day strictly after `date`. */
export function nextBusinessDay(cal: BusinessCalendar, date: LocalDate): LocalDate {
  return addBusinessDays(cal, date, 1);
}

/** True when the instant falls on a business day, inside the account-opening hours (from ≤ t < to). */
export function isWithinOpeningHours(cal: BusinessCalendar, instant: string): boolean {
  if (!isBusinessDay(cal, localDateOf(instant))) return false;
  const minute = localMinuteOf(instant);
  return minute >= cal.openFromMinute && minute < cal.openToMinute;
}
