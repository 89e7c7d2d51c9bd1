import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntry } from '../../shared/contract';
import { formatDateTime } from '../app/format';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';

const PAGE = 50;

/** The seat's audit trail as this agent may read it (their own; a supervisor's shows everyone's). */
export function AuditTrail() {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (before: string | undefined, previous: AuditEntry[]) => {
      try {
        const page = await call(seat, 'audit.list', { limit: PAGE, ...(before ? { before } : {}) });
        setItems([...previous, ...page.items]);
        setDone(page.items.length < PAGE);
      } catch (e) {
        setError(errorText(e));
      }
    },
    [seat, errorText],
  );

  useEffect(() => {
    void load(undefined, []);
  }, [load]);

  const detail = (e: AuditEntry) => {
    const field = e.detail.field;
    return typeof field === 'string' ? t(`audit.fields.${field}`, { defaultValue: field }) : '';
  };
  return (
    <section className="audit" aria-labelledby="audit-title">
      <div className="panel-head">
        <h1 id="audit-title" className="screen-title">
          {t('audit.title')}
        </h1>
      </div>
      <ErrorLine text={error} />
      {/* The table scrolls in its own region, which takes keyboard focus (axe: scrollable-region-focusable). */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
      <section className="audit-scroll" tabIndex={0} aria-label={t('audit.scrollLabel')}>
        <table aria-label={t('audit.listLabel')}>
          <thead>
            <tr>
              <th scope="col">{t('audit.time')}</th>
              <th scope="col">{t('audit.agent')}</th>
              <th scope="col">{t('audit.action')}</th>
              <th scope="col">{t('audit.target')}</th>
              <th scope="col">{t('audit.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.at, i18n.language)}</td>
                <td>{e.agentName ?? '—'}</td>
                <td>{t(`audit.actions.${e.action.replace('.', '_')}`, { defaultValue: e.action })}</td>
                <td>
                  {t(`audit.entity.${e.entityType}`, { defaultValue: e.entityType })}{' '}
                  <span className="mono muted">{e.entityId.slice(0, 8)}</span>
                </td>
                <td>{detail(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {items.length === 0 && !error && <p className="muted">{t('audit.empty')}</p>}
      {!done && items.length > 0 && (
        <button type="button" onClick={() => load(items.at(-1)?.id, items)}>
          {t('audit.more')}
        </button>
      )}
    </section>
  );
}
