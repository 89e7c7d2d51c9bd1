/** Dates as a dense console shows them, in the seat's local time. */

const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

export type DueState = 'overdue' | 'today' | 'later';

export function dueState(deadlineAt: string, now: Date): DueState {
  const deadline = new Date(deadlineAt);
  if (deadline.getTime() < now.getTime()) return 'overdue';
  return sameDay(deadline, now) ? 'today' : 'later';
}

const FULL: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit' };
const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hour12: false };

// Making an Intl.DateTimeFormat costs about as much as a render of a row: one per language and style, kept.
const formats = new Map<string, Intl.DateTimeFormat>();
const formatter = (lng: string, style: 'full' | 'short') => {
  const key = `${lng}|${style}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      lng,
      style === 'full' ? { ...FULL, ...TIME } : { month: '2-digit', day: '2-digit', ...TIME },
    );
    formats.set(key, f);
  }
  return f;
};

/** Date and time with the year (task details, the audit trail). */
export const formatDateTime = (iso: string, lng: string) => formatter(lng, 'full').format(new Date(iso));

/** Month, day and time: the worklist's deadline column. */
export const formatShort = (iso: string, lng: string) => formatter(lng, 'short').format(new Date(iso));

/** A call's length as m:ss; a dash when unknown. */
export const formatDuration = (ms: number | null) =>
  ms === null ? '—' : `${Math.floor(ms / 60_000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;

/** The calendar day (`YYYY-MM-DD`) an instant falls on in China. */
export const chinaDate = (iso: string) =>
  new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);

/** The instant a calendar day (`YYYY-MM-DD`, as date inputs give it) begins in China, `plusDays` later. */
export function chinaDayStart(day: string, plusDays = 0): string {
  const d = new Date(`${day}T00:00:00+08:00`);
  d.setUTCDate(d.getUTCDate() + plusDays);
  return d.toISOString();
}

/**
 * A clock offset as a person reads it, to the nearest minute ("8 小时 3 分" / "8 h 3 min"), seconds only under a
 * minute ("45 秒"); no sign. Measured offsets wobble by the network's delay: 7 min 59.6 s reads 8 分.
 */
export function formatOffset(ms: number, language: string): string {
  const zh = language.startsWith('zh');
  const abs = Math.abs(ms);
  if (abs < 59_500) {
    const s = Math.round(abs / 1000);
    return zh ? `${s} 秒` : `${s} s`;
  }
  const minutes = Math.round(abs / 60_000);
  const [h, m] = [Math.floor(minutes / 60), minutes % 60];
  const parts: string[] = [];
  if (h > 0) parts.push(zh ? `${h} 小时` : `${h} h`);
  if (m > 0) parts.push(zh ? `${m} 分` : `${m} min`);
  return parts.join(' ');
}
