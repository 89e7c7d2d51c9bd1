import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LoginLock, SessionInfo } from '../../shared/contract';
import { formatDateTime } from '../app/format';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';

/**
 * 登录锁定: the logins locked or held back now, at this seat (its agents after five wrong passwords) and at
 * head office (a user code or a client after too many). A supervisor lifts this seat's; an administrator
 * also head office's. Each lifting is audited where it happens.
 */
export function Lockouts({ session }: { session: SessionInfo }) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [items, setItems] = useState<LoginLock[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setItems((await call(seat, 'review.lockouts', {})).items);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [seat, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  const unlock = async (lock: LoginLock) => {
    try {
      await call(seat, 'review.unlock', { scope: lock.scope, key: lock.key });
      setDone(t('lockouts.unlocked', { who: lock.userCode ?? lock.key }));
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const mayLift = (lock: LoginLock) => lock.scope === 'seat' || session.role === 'admin';

  return (
    <section className="audit" aria-labelledby="lockouts-title">
      <div className="panel-head">
        <h1 id="lockouts-title" className="screen-title">
          {t('lockouts.title')}
        </h1>
        <button type="button" onClick={() => void load()}>
          {t('lockouts.refresh')}
        </button>
      </div>
      <ErrorLine text={error} />
      {done && (
        <p className="muted" role="status">
          {done}
        </p>
      )}
      {items?.length === 0 && <p className="muted">{t('lockouts.none')}</p>}
      {items && items.length > 0 && (
        <table aria-label={t('lockouts.listLabel')}>
          <thead>
            <tr>
              <th scope="col">{t('lockouts.scope')}</th>
              <th scope="col">{t('lockouts.user')}</th>
              <th scope="col">{t('lockouts.failures')}</th>
              <th scope="col">{t('lockouts.state')}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {items.map((lock) => (
              <tr key={`${lock.scope}:${lock.key}`}>
                <td>{t(`lockouts.${lock.scope}`)}</td>
                <td>
                  {lock.userCode
                    ? `${lock.userCode}${lock.userName ? ` ${lock.userName}` : ''}`
                    : t('lockouts.client', { key: lock.key })}
                </td>
                <td>{lock.failures}</td>
                <td>
                  {lock.locked
                    ? t('lockouts.locked')
                    : t('lockouts.until', {
                        time: lock.until ? formatDateTime(lock.until, i18n.language) : '—',
                      })}
                </td>
                <td>
                  {mayLift(lock) && (
                    <button type="button" onClick={() => void unlock(lock)}>
                      {t('lockouts.unlock')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
