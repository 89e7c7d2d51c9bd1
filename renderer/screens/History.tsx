import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HistoryItem } from '../../shared/contract';
import { formatDateTime, formatDuration } from '../app/format';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';
import { useRecordingPlayer } from '../components/RecordingPlayer';

/** The agent's results of today: outcome, talk time, findings, and the call's recording to play back. */
export function History() {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [items, setItems] = useState<HistoryItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call(seat, 'history.today', {}).then(
      (r) => setItems(r.items),
      (e: unknown) => setError(errorText(e)),
    );
  }, [seat, errorText]);
  const { play, player } = useRecordingPlayer((e) => setError(errorText(e)));

  const done = (items ?? []).filter((i) => i.outcome === 'completed' && !i.training).length;
  return (
    <section className="audit" aria-labelledby="history-title">
      <div className="panel-head">
        <h1 id="history-title" className="screen-title">
          {t('history.title')}
        </h1>
        <span className="muted">{items && t('history.summary', { count: items.length, done })}</span>
      </div>
      <ErrorLine text={error} />
      {player}
      <table aria-label={t('history.title')}>
        <thead>
          <tr>
            <th scope="col">{t('history.time')}</th>
            <th scope="col">{t('history.customer')}</th>
            <th scope="col">{t('history.purposes')}</th>
            <th scope="col">{t('history.outcome')}</th>
            <th scope="col">{t('history.disposition')}</th>
            <th scope="col">{t('history.talk')}</th>
            <th scope="col">{t('history.findings')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('recordings.play')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(items ?? []).map((r) => (
            <tr key={r.resultId}>
              <td>{formatDateTime(r.createdAt, i18n.language)}</td>
              <td>{r.customerName}</td>
              <td>
                {r.purposes.map((p) => (
                  <span key={p} className={`tag tag-${p}`}>
                    {t(`callbackType.${p}`)}
                  </span>
                ))}
              </td>
              <td>
                {t(`resultOutcome.${r.outcome}`)}
                {r.training && <span className="badge badge-training">{t('trainingLine.badge')}</span>}
              </td>
              <td>{t(`disposition.${r.disposition}`)}</td>
              <td className="mono">{formatDuration(r.talkMs)}</td>
              <td className="num">{r.findings > 0 ? r.findings : ''}</td>
              <td>
                {r.recordingId && (
                  <button type="button" className="small" onClick={() => play(r.recordingId as string)}>
                    {t('recordings.play')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items?.length === 0 && <p className="muted">{t('history.empty')}</p>}
    </section>
  );
}
