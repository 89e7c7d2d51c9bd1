import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PreferredWindow, TaskDetail } from '../../shared/contract';
import { formatPreferredTimes, parsePreferredTimes } from '../../shared/domain/preferred-times';
import { formatDateTime } from '../app/format';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from './ErrorLine';

/**
 * A customer's 免打扰 (a red badge with its reason, who registered it and when) and 偏好时段, beside the
 * customer's facts; the agent registers or lifts 免打扰 and changes the preferred times here, each with a
 * reason (the seat audits it and sends it to head office). `call.start` enforces both.
 */
export function CustomerContact({
  task,
  onChange,
}: {
  task: TaskDetail;
  onChange: (task: TaskDetail) => void;
}) {
  const { contact } = task;
  const customerId = task.customer.id;
  const changed = (next: TaskDetail['contact']) => onChange({ ...task, contact: next });
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const id = useId();
  const [editing, setEditing] = useState<'doNotCall' | 'times' | null>(null);
  const [reason, setReason] = useState('');
  const [times, setTimes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const dnc = contact.doNotCall;

  const days = (w: PreferredWindow) => {
    const d = w.weekdays;
    if (d === null || d.length === 7) return t('contact.everyDay');
    const first = d[0] as number;
    const last = d.at(-1) as number;
    const name = (n: number) => t(`contact.weekday.${n as 1 | 2 | 3 | 4 | 5 | 6 | 7}`);
    return d.length >= 3 && last - first === d.length - 1
      ? t('contact.dayRange', { from: name(first), to: name(last) })
      : d.map(name).join(i18n.language === 'en' ? ', ' : '、');
  };

  const open = (what: 'doNotCall' | 'times') => {
    setEditing(what);
    setReason('');
    setError(null);
    setTimes(formatPreferredTimes(contact.preferredTimes).replaceAll('–', '-'));
  };

  async function save() {
    setError(null);
    try {
      if (editing === 'doNotCall') {
        changed(await call(seat, 'customer.setDoNotCall', { customerId, doNotCall: dnc === null, reason }));
      } else {
        const parsed = parsePreferredTimes(times);
        if ('error' in parsed) {
          setError(parsed.error);
          return;
        }
        changed(
          await call(seat, 'customer.setPreferredTimes', {
            customerId,
            preferredTimes: parsed.windows,
            reason,
          }),
        );
      }
      setEditing(null);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <section className="customer-contact" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('contact.title')}</h3>
      {dnc ? (
        <p className="do-not-call">
          <span className="badge badge-overdue badge-dnc">{t('contact.doNotCall')}</span>{' '}
          {t('contact.reason')}
          {t('common.colon')}
          {dnc.reason}
          <span className="muted">
            {' · '}
            {dnc.source === 'hq' ? t('contact.sourceHq') : t('contact.sourceAgent')}
            {' · '}
            {t('contact.registeredBy', { by: dnc.by, at: formatDateTime(dnc.at, i18n.language) })}
          </span>
        </p>
      ) : (
        <p className="muted">{t('contact.noDoNotCall')}</p>
      )}
      <p className="preferred-times">
        {t('contact.preferredTimes')}
        {t('common.colon')}
        {contact.preferredTimes.length === 0 ? (
          <span className="muted">{t('contact.noPreferredTimes')}</span>
        ) : (
          contact.preferredTimes.map((w) => `${days(w)} ${w.start}–${w.end}`).join('；')
        )}
      </p>
      {editing === null ? (
        <p>
          <button type="button" className="small" onClick={() => open('doNotCall')}>
            {dnc ? t('contact.clearDoNotCall') : t('contact.setDoNotCall')}
          </button>
          <button type="button" className="small" onClick={() => open('times')}>
            {t('contact.editTimes')}
          </button>
        </p>
      ) : (
        <form
          className="contact-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {editing === 'times' && (
            <label>
              {t('contact.timesLabel')}
              <input value={times} onChange={(e) => setTimes(e.target.value)} maxLength={200} />
              <span className="muted">{t('contact.timesHint')}</span>
            </label>
          )}
          <label>
            {t('contact.reasonLabel')}
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} />
          </label>
          <button type="submit" className="small primary">
            {editing === 'doNotCall'
              ? dnc
                ? t('contact.clearDoNotCall')
                : t('contact.setDoNotCall')
              : t('contact.save')}
          </button>
          <button type="button" className="small" onClick={() => setEditing(null)}>
            {t('contact.cancel')}
          </button>
        </form>
      )}
      <ErrorLine text={error} />
    </section>
  );
}
