import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Appointment } from '../../shared/contract';
import { formatDateTime } from '../app/format';
import { call, useSeat } from '../app/seat-context';

/** A snoozed reminder comes back this much later. */
const SNOOZE_MS = 10 * 60_000;

/**
 * 约定回拨 whose time has come, above every screen of a logged-in agent: the customer, the time they asked
 * for, 打开任务 (opens it in the worklist) and 稍后提醒 (ten minutes). Read at login (missed ones show at once)
 * and again whenever the seat says one has become due (`appointments.due`, checked every 15 s).
 */
export function AppointmentReminders({ onOpen }: { onOpen: (taskId: string) => void }) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const [items, setItems] = useState<Appointment[]>([]);
  const [snoozed, setSnoozed] = useState<Record<string, number>>({});
  const [now, setNow] = useState(Date.now());
  const load = useCallback(() => {
    call(seat, 'appointments.list', {}).then(
      (r) => setItems(r.items),
      () => {},
    );
  }, [seat]);
  useEffect(() => {
    load();
    return seat.on('appointments.due', load);
  }, [seat, load]);
  // A snoozed reminder returns by itself: one check a minute is enough for a ten-minute snooze.
  useEffect(() => {
    if (Object.keys(snoozed).length === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, [snoozed]);
  const due = items.filter((a) => a.due && (snoozed[a.taskId] ?? 0) <= now);
  if (due.length === 0) return null;
  return (
    <section className="appointments" aria-label={t('appointments.title')} aria-live="assertive">
      {due.map((a) => (
        <div key={a.taskId} className="appointment" data-task={a.taskId}>
          <span>
            {t('appointments.due', { name: a.customerName, at: formatDateTime(a.at, i18n.language) })}
          </span>
          <button
            type="button"
            className="primary small"
            onClick={() => {
              setSnoozed((s) => ({ ...s, [a.taskId]: Number.POSITIVE_INFINITY }));
              onOpen(a.taskId);
            }}
          >
            {t('appointments.open')}
          </button>
          <button
            type="button"
            className="small"
            onClick={() => setSnoozed((s) => ({ ...s, [a.taskId]: Date.now() + SNOOZE_MS }))}
          >
            {t('appointments.snooze')}
          </button>
        </div>
      ))}
    </section>
  );
}
