import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustomerHistory as History } from '../../shared/contract';
import { formatDateTime, formatDuration } from '../app/format';
import { useErrorText } from '../app/seat-context';
import { ErrorLine } from './ErrorLine';
import { useRecordingPlayer } from './RecordingPlayer';

/**
 * 客户回访记录: the customer's other tasks this seat holds (open or closed), each with its callback types,
 * dates, results (outcome, disposition, agent, findings) and recordings. The agent plays only what
 * `recording.read` lets them (their own calls; each playback audited there as in 我的录音); a colleague's
 * recording is listed, not played. The seat's own record: head office sends no other seat's results.
 */
// Each task a block (its results and recordings a line each) under a wrapping line of facts; the list's own
// look (.history) otherwise.
// In the task view's column of facts, inset as its headings and lists are (.task-facts > h3, ul, p).
const SECTION = { margin: '0 12px' } as const;
const ENTRY = { display: 'block' } as const;
const NOTE = { margin: '0 0 4px', fontSize: 12 } as const;
const LINE = { display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'baseline' } as const;
/** A result or recording of the task, set in under it. */
const UNDER = { marginTop: 4, paddingLeft: 8, borderLeft: '2px solid #dde3ea' } as const;

export function CustomerHistory({ history }: { history: History }) {
  const { t, i18n } = useTranslation();
  const errorText = useErrorText();
  const [error, setError] = useState<string | null>(null);
  const { play, player } = useRecordingPlayer((e) => setError(errorText(e)));
  const lng = i18n.language;

  return (
    <section className="customer-history" aria-labelledby="customer-history-title" style={SECTION}>
      <h3 id="customer-history-title">
        {t('customerHistory.title')} <span className="badge badge-later">{t('customerHistory.scope')}</span>
      </h3>
      <p className="muted" style={NOTE}>
        {t('customerHistory.scopeHint')}
      </p>
      <ErrorLine text={error} />
      {player}
      {history.items.length === 0 ? (
        <p className="muted">{t('customerHistory.empty')}</p>
      ) : (
        <ul className="history" aria-label={t('customerHistory.title')}>
          {history.items.map((item) => (
            <li key={item.taskId} style={ENTRY}>
              <div style={LINE}>
                <span>
                  {formatDateTime(item.createdAt, lng)} {t('customerHistory.created')}
                </span>
                <span className={`badge badge-${item.status === 'open' ? 'today' : 'later'}`}>
                  {t(`task.status.${item.status}`)}
                </span>
                {item.purposes.map((p) => (
                  <span key={p} className={`tag tag-${p}`}>
                    {t(`callbackType.${p}`)}
                  </span>
                ))}
                <span className="muted">
                  {t('customerHistory.attempts', { count: item.attempts })}
                  {item.lastAttemptAt &&
                    ` · ${t('customerHistory.lastAttempt')}${t('common.colon')}${formatDateTime(item.lastAttemptAt, lng)}`}
                </span>
              </div>
              {item.results.length === 0 ? (
                <div className="muted" style={UNDER}>
                  {t('task.noResults')}
                </div>
              ) : (
                item.results.map((r) => (
                  <div key={r.id} className={r.superseded ? 'superseded' : undefined} style={UNDER}>
                    {formatDateTime(r.createdAt, lng)} · <strong>{t(`resultOutcome.${r.outcome}`)}</strong> ·{' '}
                    {t(`disposition.${r.disposition}`)}
                    {r.agentName && ` · ${t('customerHistory.agent', { name: r.agentName })}`}
                    {r.superseded && ` · ${t('task.superseded')}`}
                    {r.findings.map((f) => (
                      <div key={f.id} className="form-error">
                        {t('customerHistory.finding', { severity: t(`severity.${f.severity}`) })}
                        {t('common.colon')}
                        {f.text}
                      </div>
                    ))}
                  </div>
                ))
              )}
              {item.recordings.map((rec) => (
                <div key={rec.id} style={UNDER}>
                  {t('customerHistory.recording')} {formatDateTime(rec.startedAt, lng)} ·{' '}
                  <span className="mono">{formatDuration(rec.durationMs)}</span>
                  {rec.agentName && ` · ${t('customerHistory.agent', { name: rec.agentName })}`}{' '}
                  {rec.playable ? (
                    <button
                      type="button"
                      className="small"
                      aria-label={t('customerHistory.playLabel', {
                        time: formatDateTime(rec.startedAt, lng),
                      })}
                      onClick={() => play(rec.id)}
                    >
                      {t('recordings.play')}
                    </button>
                  ) : (
                    <span className="muted">{t('customerHistory.notPlayable')}</span>
                  )}
                </div>
              ))}
            </li>
          ))}
        </ul>
      )}
      {history.more > 0 && <p className="muted">{t('customerHistory.more', { count: history.more })}</p>}
    </section>
  );
}
