import { describe, expect, it } from 'vitest';
import { PreferredTimes } from '../../../shared/contract/schemas';
import {
  formatChinaTime,
  formatPreferredTimes,
  inPreferredTimes,
  inPreferredWindow,
  nextAllowedTime,
  parsePreferredTimes,
} from '../../../shared/domain/preferred-times';

const H = 3600_000;
const DAY = 24 * H;
/** An instant at China time `hh:mm` on the day of `dayStartMs` (00:00 China time of a day). */
const at = (dayStartMs: number, hh: number, mm = 0) => dayStartMs + hh * H + mm * 60_000;
/** 00:00 China time of 2026-11-27, a Friday (weekday 5). */
const FRIDAY = Date.parse('2026-11-26T16:00:00.000Z');
const CALLING_DEFAULT = [
  { start: '09:00', end: '11:30' },
  { start: '13:00', end: '20:00' },
];

describe('preferred times (China time)', () => {
  it('a window inside one day holds from its start up to (not including) its end, on its weekdays', () => {
    const w = { start: '09:00', end: '11:30', weekdays: [1, 2, 3, 4, 5] };
    expect(inPreferredWindow(at(FRIDAY, 9), w)).toBe(true);
    expect(inPreferredWindow(at(FRIDAY, 11, 29), w)).toBe(true);
    expect(inPreferredWindow(at(FRIDAY, 11, 30), w)).toBe(false);
    expect(inPreferredWindow(at(FRIDAY, 8, 59), w)).toBe(false);
    // Saturday and Sunday are not among its days.
    expect(inPreferredWindow(at(FRIDAY + DAY, 10), w)).toBe(false);
    expect(inPreferredWindow(at(FRIDAY + 2 * DAY, 10), w)).toBe(false);
    expect(inPreferredWindow(at(FRIDAY + 3 * DAY, 10), w)).toBe(true);
  });

  it('a window past midnight belongs to the day it starts on', () => {
    const fridayNight = { start: '22:00', end: '01:00', weekdays: [5] };
    expect(inPreferredWindow(at(FRIDAY, 22), fridayNight)).toBe(true);
    expect(inPreferredWindow(at(FRIDAY, 23, 59), fridayNight)).toBe(true);
    // Saturday 00:30: still Friday's window.
    expect(inPreferredWindow(at(FRIDAY + DAY, 0, 30), fridayNight)).toBe(true);
    expect(inPreferredWindow(at(FRIDAY + DAY, 1), fridayNight)).toBe(false);
    // Saturday 22:00 and Sunday 00:30: Saturday's window, not one of its days.
    expect(inPreferredWindow(at(FRIDAY + DAY, 22), fridayNight)).toBe(false);
    expect(inPreferredWindow(at(FRIDAY + 2 * DAY, 0, 30), fridayNight)).toBe(false);
    // Friday 00:30 belongs to Thursday's window.
    expect(inPreferredWindow(at(FRIDAY, 0, 30), fridayNight)).toBe(false);
    // Until midnight: 22:00–00:00.
    const untilMidnight = { start: '22:00', end: '00:00', weekdays: null };
    expect(inPreferredWindow(at(FRIDAY, 23, 59), untilMidnight)).toBe(true);
    expect(inPreferredWindow(at(FRIDAY + DAY, 0), untilMidnight)).toBe(false);
    // Sunday night into Monday morning: the week wraps.
    const sunday = { start: '23:00', end: '02:00', weekdays: [7] };
    expect(inPreferredWindow(at(FRIDAY + 3 * DAY, 1), sunday)).toBe(true);
  });

  it('no preferred times means any time', () => {
    expect(inPreferredTimes(at(FRIDAY, 3), [])).toBe(true);
  });

  it('the next allowed time lies inside the preferred times and the calling window both', () => {
    const mornings = [{ start: '07:00', end: '10:00', weekdays: null }];
    // At 11:00 the next preferred morning starts at 07:00, but the calling window only at 09:00.
    expect(nextAllowedTime(at(FRIDAY, 11), mornings, CALLING_DEFAULT)).toBe(at(FRIDAY + DAY, 9));
    // Inside both already: now, to the minute.
    expect(nextAllowedTime(at(FRIDAY, 9, 30), mornings, CALLING_DEFAULT)).toBe(at(FRIDAY, 9, 30));
    expect(nextAllowedTime(at(FRIDAY, 9, 30) + 1, mornings, CALLING_DEFAULT)).toBe(at(FRIDAY, 9, 31));
    // Weekends only, from a Friday evening: Saturday 09:00.
    const weekend = [{ start: '08:00', end: '12:00', weekdays: [6, 7] }];
    expect(nextAllowedTime(at(FRIDAY, 18), weekend, CALLING_DEFAULT)).toBe(at(FRIDAY + DAY, 9));
    // Late evenings never meet the default calling window.
    const nights = [{ start: '21:00', end: '01:00', weekdays: null }];
    expect(nextAllowedTime(at(FRIDAY, 12), nights, CALLING_DEFAULT)).toBeNull();
  });

  it('formats China time with the weekday', () => {
    expect(formatChinaTime(at(FRIDAY + DAY, 9))).toBe('11月28日（周六）09:00');
    expect(formatPreferredTimes([{ start: '09:00', end: '11:30', weekdays: [1, 2, 3, 4, 5] }])).toBe(
      '周一至周五 09:00–11:30',
    );
  });

  it('reads preferred times as people write them, and says in Chinese what is wrong', () => {
    expect(parsePreferredTimes('周一至周五 09:00-11:30；周六、周日 10:00~12:00; 每天 21:00-24:00')).toEqual({
      windows: [
        { start: '09:00', end: '11:30', weekdays: [1, 2, 3, 4, 5] },
        { start: '10:00', end: '12:00', weekdays: [6, 7] },
        { start: '21:00', end: '00:00', weekdays: null },
      ],
    });
    expect(parsePreferredTimes('工作日 9:00至11:30')).toEqual({
      windows: [{ start: '09:00', end: '11:30', weekdays: [1, 2, 3, 4, 5] }],
    });
    expect(parsePreferredTimes('')).toEqual({ windows: [] });
    expect(parsePreferredTimes('无')).toEqual({ windows: [] });
    expect(parsePreferredTimes('上午')).toEqual({ error: expect.stringContaining('无法识别的偏好时段') });
    expect(parsePreferredTimes('周八 09:00-10:00')).toEqual({
      error: expect.stringContaining('无法识别的星期'),
    });
    expect(parsePreferredTimes('25:00-26:00')).toEqual({ error: expect.stringContaining('时间无效') });
    expect(parsePreferredTimes('09:00-09:00')).toEqual({ error: expect.stringContaining('不能相同') });
    expect(parsePreferredTimes('1:00-2:00;3:00-4:00;5:00-6:00;7:00-8:00;9:00-10:00')).toEqual({
      error: '偏好时段最多 4 段',
    });
    // What the parser reads, the contract accepts; its formatting reads back the same.
    const parsed = parsePreferredTimes('周一、周三 08:30-09:30；周五 22:00-01:00');
    if ('error' in parsed) throw new Error(parsed.error);
    expect(PreferredTimes.parse(parsed.windows)).toEqual(parsed.windows);
    expect(parsePreferredTimes(formatPreferredTimes(parsed.windows))).toEqual(parsed);
  });
});
