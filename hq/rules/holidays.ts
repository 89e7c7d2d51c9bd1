import type { LocalDate } from './calendar';

/**
 * The State Council's holiday schedules (部分节假日安排) that head office ships with: for each year, the public
 * holidays and the make-up working days (调休上班日), each with the notice it is copied from. The schedule for a
 * year is published late in the autumn before it; until a year is here or in the rules file (`calendar.years`),
 * deadlines in it count weekends only and head office says so (`missingHolidayYears`).
 * Add a year only from the published notice, cited in `source`.
 */
export interface HolidayYear {
  source: string;
  holidays: LocalDate[];
  makeUpWorkdays: LocalDate[];
}

/** Every day from `from` to `to`, both included. */
function days(from: LocalDate, to: LocalDate): LocalDate[] {
  const out: LocalDate[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

export const SHIPPED_HOLIDAY_YEARS: Readonly<Record<string, HolidayYear>> = {
  '2026': {
    source:
      '国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日发布，新华社北京11月4日电；https://politics.gmw.cn/2025-11/04/content_38391083.htm）',
    holidays: [
      ...days('2026-01-01', '2026-01-03'), // 元旦
      ...days('2026-02-15', '2026-02-23'), // 春节
      ...days('2026-04-04', '2026-04-06'), // 清明节
      ...days('2026-05-01', '2026-05-05'), // 劳动节
      ...days('2026-06-19', '2026-06-21'), // 端午节
      ...days('2026-09-25', '2026-09-27'), // 中秋节
      ...days('2026-10-01', '2026-10-07'), // 国庆节
    ],
    makeUpWorkdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
};
