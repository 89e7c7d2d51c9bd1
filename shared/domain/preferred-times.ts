/**
 * A customer's preferred calling times (偏好时段), China time (UTC+8, no daylight saving), as the seat
 * enforces them at dial time and the wrap-up suggests a retry: pure functions of an instant, so every caller
 * passes its own clock. The schemas are shared/contract/schemas.ts (PreferredWindow).
 */

/** A window as the contract has it: `end` before `start` runs past midnight; weekdays 1 = 周一 … 7 = 周日. */
export interface PreferredWindowLike {
  start: string;
  end: string;
  weekdays: readonly number[] | null;
}

/** A calling window of the seat's setting (`calling.window`): never past midnight. */
export interface CallingWindowLike {
  start: string;
  end: string;
}

const CHINA_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const WEEKDAY_ZH = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'] as const;

/** The China-time day number (days since 1970-01-01), weekday (1 = Monday) and minute of the day of `ms`. */
function local(ms: number): { weekday: number; minute: number } {
  const t = ms + CHINA_MS;
  const day = Math.floor(t / DAY_MS);
  // 1970-01-01 was a Thursday (4).
  return { weekday: ((((day + 3) % 7) + 7) % 7) + 1, minute: Math.floor((t - day * DAY_MS) / MINUTE_MS) };
}

const dayOk = (w: PreferredWindowLike, weekday: number) =>
  w.weekdays === null || w.weekdays.includes(weekday);

export function inPreferredWindow(ms: number, w: PreferredWindowLike): boolean {
  const { weekday, minute } = local(ms);
  const s = minutesOf(w.start);
  const e = minutesOf(w.end);
  if (s < e) return minute >= s && minute < e && dayOk(w, weekday);
  // Past midnight: the evening part on a day the window starts, the early part on the day after one.
  const yesterday = weekday === 1 ? 7 : weekday - 1;
  return (minute >= s && dayOk(w, weekday)) || (minute < e && dayOk(w, yesterday));
}

/** True when no preferred times are set (any time will do) or `ms` is inside one of them. */
export function inPreferredTimes(ms: number, windows: readonly PreferredWindowLike[]): boolean {
  return windows.length === 0 || windows.some((w) => inPreferredWindow(ms, w));
}

export function inCallingWindow(ms: number, windows: readonly CallingWindowLike[]): boolean {
  const { minute } = local(ms);
  return windows.some((w) => minute >= minutesOf(w.start) && minute < minutesOf(w.end));
}

/**
 * The first whole minute at or after `fromMs` inside the customer's preferred times and the calling window
 * both, within `days` days; null when the two never meet there.
 */
export function nextAllowedTime(
  fromMs: number,
  preferred: readonly PreferredWindowLike[],
  calling: readonly CallingWindowLike[],
  days = 8,
): number | null {
  const from = Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS;
  for (let t = from; t <= from + days * DAY_MS; t += MINUTE_MS) {
    if (inPreferredTimes(t, preferred) && inCallingWindow(t, calling)) return t;
  }
  return null;
}

/** 「12月8日（周二）09:00」, China time. */
export function formatChinaTime(ms: number): string {
  const d = new Date(ms + CHINA_MS);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日（${WEEKDAY_ZH[local(ms).weekday]}）${hh}:${mm}`;
}

/** 「周一至周五」, 「周一、周三」, or 「每天」. */
export function formatWeekdays(weekdays: readonly number[] | null): string {
  if (weekdays === null || weekdays.length === 7) return '每天';
  const days = [...new Set(weekdays)].sort((a, b) => a - b);
  const first = days[0] as number;
  const last = days.at(-1) as number;
  if (days.length >= 3 && last - first === days.length - 1)
    return `${WEEKDAY_ZH[first]}至${WEEKDAY_ZH[last]}`;
  return days.map((d) => WEEKDAY_ZH[d]).join('、');
}

/** 「周一至周五 09:00–11:30；每天 19:00–21:00」, in the form `parsePreferredTimes` reads back. */
export function formatPreferredTimes(windows: readonly PreferredWindowLike[]): string {
  return windows.map((w) => `${formatWeekdays(w.weekdays)} ${w.start}–${w.end}`).join('；');
}

/** A window as `parsePreferredTimes` reads it. */
export interface ParsedWindow {
  start: string;
  end: string;
  weekdays: number[] | null;
}

const DAY_WORDS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };

/** 「周一至周五」「周一、周三」「工作日」「周末」「每天」 (or blank) as weekdays; a Chinese message when unreadable. */
function parseWeekdays(text: string): number[] | null | string {
  const t = text.replace(/\s+/g, '');
  if (t === '' || t === '每天' || t === '每日') return null;
  if (t === '工作日') return [1, 2, 3, 4, 5];
  if (t === '周末') return [6, 7];
  const days = new Set<number>();
  for (const part of t.split(/[、,，/]/)) {
    const range = part.match(
      /^(?:周|星期)([一二三四五六日天])(?:(?:至|到|-|–|~)(?:周|星期)?([一二三四五六日天]))?$/,
    );
    if (!range) return `无法识别的星期：${part}（应如 周一至周五、周六、工作日、周末）`;
    const a = DAY_WORDS[range[1] as string] as number;
    const b = range[2] ? (DAY_WORDS[range[2]] as number) : a;
    if (b < a) return `星期范围应从前往后：${part}`;
    for (let d = a; d <= b; d += 1) days.add(d);
  }
  return [...days].sort((x, y) => x - y);
}

/**
 * Reads preferred times as people write them (a CSV cell, the seat's form): windows separated by 「；」,
 * 「;」 or a line break, each an optional weekday part and `HH:MM–HH:MM` (「-」「~」「至」 also). Blank or
 * 「无」: none. Returns the windows, or a Chinese message naming what is wrong.
 */
export function parsePreferredTimes(text: string, max = 4): { windows: ParsedWindow[] } | { error: string } {
  const parts = text
    .split(/[；;\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '无')) return { windows: [] };
  if (parts.length > max) return { error: `偏好时段最多 ${max} 段` };
  const windows: ParsedWindow[] = [];
  for (const part of parts) {
    const m = part.match(/^(.*?)\s*(\d{1,2}):(\d{2})\s*(?:-|–|—|~|至|到)\s*(\d{1,2}):(\d{2})$/);
    if (!m) return { error: `无法识别的偏好时段：${part}（应如 周一至周五 09:00-11:30）` };
    const hm = (h: string, mi: string) =>
      Number(h) <= 23 && Number(mi) <= 59 ? `${h.padStart(2, '0')}:${mi}` : null;
    const start = hm(m[2] as string, m[3] as string);
    // 24:00 as an end is midnight.
    const end = m[4] === '24' && m[5] === '00' ? '00:00' : hm(m[4] as string, m[5] as string);
    if (start === null || end === null) return { error: `时间无效：${part}（小时 0–23，分钟 0–59）` };
    if (start === end) return { error: `偏好时段的开始和结束时间不能相同：${part}` };
    const weekdays = parseWeekdays(m[1] as string);
    if (typeof weekdays === 'string') return { error: weekdays };
    windows.push({ start, end, weekdays });
  }
  return { windows };
}
