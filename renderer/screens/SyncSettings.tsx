import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RefusedSyncEntry, SyncStatus } from '../../shared/contract';
import { CLOCK_WARN_MS } from '../../shared/contract/sync';
import { formatDateTime, formatOffset } from '../app/format';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';

/**
 * Sync with head office: where it stands (state, entries and recordings waiting, the last error) and, for a
 * seat not yet enrolled, the enrolment form — head office's address and the login of one of its supervisors
 * or administrators (used once, not kept).
 */
export function SyncSettings() {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [refused, setRefused] = useState<RefusedSyncEntry[]>([]);
  const [form, setForm] = useState({ hqUrl: 'http://127.0.0.1:8610', code: '', password: '', name: '' });
  /** A private CA's certificate (PEM), for a head office whose certificate no public CA issued; optional. */
  const [caCertPem, setCaCertPem] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Head office revoked the seat's token: the enrolment form opens on the supervisor's request.
  const [reenrolling, setReenrolling] = useState(false);

  useEffect(() => {
    void call(seat, 'sync.status', {}).then(setStatus, (e: unknown) => setError(errorText(e)));
    return seat.on('sync.changed', setStatus);
  }, [seat, errorText]);
  // The quarantined entries, read again whenever their count changes.
  const refusedCount = status?.refused ?? 0;
  useEffect(() => {
    if (refusedCount === 0) return setRefused([]);
    void call(seat, 'sync.refused', {}).then(
      (r) => setRefused(r.items),
      (e: unknown) => setError(errorText(e)),
    );
  }, [seat, errorText, refusedCount]);

  async function enrol(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const ca = caCertPem.trim();
      setStatus(await call(seat, 'sync.enrol', ca ? { ...form, caCertPem: ca } : form));
      setForm((f) => ({ ...f, password: '' }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const field = (key: keyof typeof form, type = 'text') => (
    <label>
      {t(`syncSettings.${key}`)}
      <input
        type={type}
        value={form[key]}
        required
        autoComplete={key === 'password' ? 'off' : undefined}
        onChange={(e) => setForm((f) => ({ ...f, [key]: e.target.value }))}
      />
    </label>
  );

  return (
    <section className="phone-settings" aria-labelledby="sync-title">
      <div className="panel-head">
        <h1 id="sync-title" className="screen-title">
          {t('syncSettings.title')}
        </h1>
      </div>
      {status && (
        <dl className="facts">
          <dt>{t('syncSettings.state')}</dt>
          <dd>
            <span role="status">{t(`syncSettings.states.${status.state}`)}</span>
          </dd>
          <dt>{t('syncSettings.pending')}</dt>
          <dd>{status.pending}</dd>
          <dt>{t('syncSettings.uploads')}</dt>
          <dd>{status.uploads}</dd>
          <dt>{t('syncSettings.lastSyncAt')}</dt>
          <dd>{status.lastSyncAt ? formatDateTime(status.lastSyncAt, i18n.language) : t('task.none')}</dd>
          {status.hqPin && (
            <>
              <dt>{t('syncSettings.pin')}</dt>
              <dd title={status.hqPin}>
                <code>{status.hqPin.slice(0, 16)}</code>
              </dd>
            </>
          )}
          {status.lastError && (
            <>
              <dt>{t('syncSettings.lastError')}</dt>
              <dd>{status.lastError}</dd>
            </>
          )}
          {status.clockOffsetMs !== null && (
            <>
              <dt>{t('syncSettings.clock')}</dt>
              <dd className={Math.abs(status.clockOffsetMs) > CLOCK_WARN_MS ? 'notice' : undefined}>
                {Math.abs(status.clockOffsetMs) > CLOCK_WARN_MS
                  ? t('syncSettings.clockOff', {
                      offset: formatOffset(status.clockOffsetMs, i18n.language),
                      direction: t(status.clockOffsetMs > 0 ? 'syncSettings.ahead' : 'syncSettings.behind'),
                    })
                  : t('syncSettings.clockOk')}
              </dd>
            </>
          )}
          {status.notice && (
            <>
              <dt>{t('syncSettings.notice')}</dt>
              <dd className="notice">{status.notice}</dd>
            </>
          )}
        </dl>
      )}
      {refused.length > 0 && (
        <>
          <h3 className="pad">{t('syncSettings.refused')}</h3>
          <p className="muted pad">{t('syncSettings.refusedHint')}</p>
          <table className="compact report-table" aria-label={t('syncSettings.refused')}>
            <thead>
              <tr>
                <th className="num">{t('syncSettings.refusedSeq')}</th>
                <th>{t('syncSettings.refusedKind')}</th>
                <th>{t('syncSettings.refusedReason')}</th>
                <th>{t('syncSettings.refusedAt')}</th>
              </tr>
            </thead>
            <tbody>
              {refused.map((r) => (
                <tr key={r.seq}>
                  <td className="num">{r.seq}</td>
                  <td>{r.kind}</td>
                  <td>
                    {r.message} <span className="muted">({r.status})</span>
                  </td>
                  <td>{formatDateTime(r.refusedAt, i18n.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {status?.tokenRefused && !reenrolling && (
        <div className="settings-form">
          <p className="notice">{t('syncSettings.reenrolHint')}</p>
          <button type="button" className="primary" onClick={() => setReenrolling(true)}>
            {t('syncSettings.reenrol')}
          </button>
        </div>
      )}
      {(status?.state === 'not_configured' ||
        status?.pinMismatch ||
        (status?.tokenRefused && reenrolling)) && (
        <form className="settings-form" onSubmit={enrol}>
          <p className="muted">{t('syncSettings.enrolHint')}</p>
          {field('hqUrl', 'url')}
          {field('code')}
          {field('password', 'password')}
          {field('name')}
          <label>
            {t('syncSettings.caCertPem')}
            <textarea
              rows={4}
              maxLength={20_000}
              spellCheck={false}
              placeholder="-----BEGIN CERTIFICATE-----"
              value={caCertPem}
              onChange={(e) => setCaCertPem(e.target.value)}
            />
          </label>
          <p className="muted">{t('syncSettings.caHint')}</p>
          <button type="submit" className="primary" disabled={busy}>
            {t('syncSettings.enrol')}
          </button>
        </form>
      )}
      <ErrorLine text={error} />
    </section>
  );
}
