import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordingSummary } from '../../shared/contract';
import { formatDateTime, formatDuration } from '../app/format';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';
import { useRecordingPlayer } from '../components/RecordingPlayer';

/** The agent's own recent recordings; playback reads the file from the seat (each playback is audited). */
export function Recordings() {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [items, setItems] = useState<RecordingSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call(seat, 'recording.list', { limit: 50 }).then(
      (r) => setItems(r.items),
      (e: unknown) => setError(errorText(e)),
    );
  }, [seat, errorText]);
  const { play, player } = useRecordingPlayer((e) => setError(errorText(e)));

  return (
    <section className="audit" aria-labelledby="recordings-title">
      <div className="panel-head">
        <h1 id="recordings-title" className="screen-title">
          {t('recordings.title')}
        </h1>
      </div>
      <ErrorLine text={error} />
      {player}
      <table aria-label={t('recordings.title')}>
        <thead>
          <tr>
            <th scope="col">{t('recordings.time')}</th>
            <th scope="col">{t('recordings.customer')}</th>
            <th scope="col">{t('recordings.duration')}</th>
            <th scope="col">{t('recordings.status')}</th>
            <th scope="col">SHA-256</th>
            <th scope="col">
              <span className="visually-hidden">{t('recordings.play')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(items ?? []).map((r) => (
            <tr key={r.id}>
              <td>{formatDateTime(r.startedAt, i18n.language)}</td>
              <td>
                {r.customerName}
                {r.training && <span className="badge badge-training">{t('trainingLine.badge')}</span>}
              </td>
              <td className="mono">{formatDuration(r.durationMs)}</td>
              <td>{t(`recordings.statuses.${r.status}`)}</td>
              <td className="mono muted" title={r.sha256}>
                {r.sha256.slice(0, 12)}
              </td>
              <td>
                <button type="button" className="small" onClick={() => play(r.id)}>
                  {t('recordings.play')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items?.length === 0 && <p className="muted">{t('recordings.empty')}</p>}
    </section>
  );
}
