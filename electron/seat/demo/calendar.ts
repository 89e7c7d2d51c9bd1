/**
 * Branch-local calendar arithmetic for the demo. Asia/Shanghai has been UTC+8 without daylight saving since
 * 1991, so a fixed offset is exact for every date the demo produces and no timezone library is needed.
 * A "day" here is a whole number: days since 1970-01-01 in branch-local time.
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
const OFFSET_MS = 8 * 60 * MINUTE_MS;

/** The branch-local day an instant falls on. */
export function localDay(ms: number): number {
  return Math.floor((ms + OFFSET_MS) / DAY_MS);
}

/** The instant the branch-local day begins (00:00:00 local). */
export function dayStart(day: number): number {
  return day * DAY_MS - OFFSET_MS;
}

/**
 * 23:59:59 local on the given day. Deadlines are whole days ("same day", "within 14 days"), and a seat reads
 * "due today" as "before the branch closes its books tonight".
 */
export function endOfDay(day: number): number {
  return dayStart(day + 1) - 1000;
}

/** Minutes since local midnight. */
export function localMinute(ms: number): number {
  return Math.floor((ms - dayStart(localDay(ms))) / MINUTE_MS);
}

/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function isWeekend(day: number): boolean {
  const w = weekday(day);
  return w === 0 || w === 6;
}

/**
 * The n-th weekday after `day` (n ≥ 1). The demo knows no exchange holidays: the real trading calendar is a
 * setting of the branch, and the demo only needs deadlines that a reader can check by hand.
 */
export function addWeekdays(day: number, n: number): number {
  let d = day;
  let left = n;
  while (left > 0) {
    d += 1;
    if (!isWeekend(d)) left -= 1;
  }
  return d;
}

/** The same weekday or, for a Saturday or Sunday, the Friday before. */
export function previousWeekday(day: number): number {
  let d = day;
  while (isWeekend(d)) d -= 1;
  return d;
}

/** `YYYY-MM-DD` of a local day, for reasons and labels. */
export function dateLabel(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Local calendar fields of a day, for birth dates and age arithmetic. */
export function dayFields(day: number): { year: number; month: number; date: number } {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, date: d.getUTCDate() };
}

/** The local day of a calendar date; month 1–12. Out-of-range dates roll over as `Date.UTC` does. */
export function dayOf(year: number, month: number, date: number): number {
  return Math.floor(Date.UTC(year, month - 1, date) / DAY_MS);
}

/** The local day `years` years after `day`; 29 February falls to 1 March in common years. */
export function addYears(day: number, years: number): number {
  const f = dayFields(day);
  return dayOf(f.year + years, f.month, f.date);
}
