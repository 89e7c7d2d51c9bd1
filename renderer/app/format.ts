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

/** Date and time with the year (task details, the audit trail). */
export const formatDateTime = (iso: string, lng: string) =>
  new Intl.DateTimeFormat(lng, { ...FULL, ...TIME }).format(new Date(iso));

/** Month, day and time: the worklist's deadline column. */
export const formatShort = (iso: string, lng: string) =>
  new Intl.DateTimeFormat(lng, { month: '2-digit', day: '2-digit', ...TIME }).format(new Date(iso));
