/** Dates as a dense console shows them, in the seat's local time. */

const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

export type DueState = 'overdue' | 'today' | 'later';

export function dueState(deadlineAt: string, now: Date): DueState {
  const deadline = new Date(deadlineAt);
  if (deadline.getTime() < now.getTime()) return 'overdue';
  return sameDay(deadline, now) ? 'today' : 'later';
}

export function formatDateTime(iso: string, lng: string): string {
  return new Intl.DateTimeFormat(lng, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(iso));
}

export function formatShort(iso: string, lng: string): string {
  return new Intl.DateTimeFormat(lng, {
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(iso));
}
