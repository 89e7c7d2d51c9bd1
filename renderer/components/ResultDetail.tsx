import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  RecordingRetention,
  ReviewDownload,
  ReviewPlayback,
  ReviewResult,
} from '../../shared/contract/review';
import { chinaDate, formatDuration } from '../app/format';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from './ErrorLine';
import { fits, LengthCount } from './LengthCount';
import { ReviewPlayer } from './ReviewPlayer';

/** The roles that may place and release legal holds (head office checks it too). */
export const HOLDING: readonly string[] = ['compliance', 'admin'];

/**
 * One callback from head office: outcome, the recording in the player with its markers, the original to
 * download with its hash verified, findings and notes. `position` follows the player (a reviewer's comment
 * is placed at it); `children` come after the player (the evaluation form). How long head office keeps the
 * recording is shown; with `canHold` (compliance, administrators) a legal hold can be placed or released.
 */
export function ResultDetail({
  resultId,
  position,
  startAtMs,
  canHold = false,
  children,
}: {
  resultId: string;
  position?: { current: number };
  startAtMs?: number | undefined;
  canHold?: boolean;
  children?: (detail: ReviewResult) => ReactNode;
}) {
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [detail, setDetail] = useState<ReviewResult | null>(null);
  const [playback, setPlayback] = useState<ReviewPlayback | null>(null);
  const [download, setDownload] = useState<ReviewDownload | 'busy' | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The player's position, for what is placed at a moment of the recording (the caller's, when it has one).
  const ownPosition = useRef(0);
  const at = position ?? ownPosition;

  useEffect(() => {
    let live = true;
    (async () => {
      const opened = await call(seat, 'review.result', { resultId });
      if (!live) return;
      setDetail(opened);
      if (opened.recording?.storedAt && !opened.recording.retention.purgedAt) {
        const grant = await call(seat, 'review.playback', { recordingId: opened.recording.id });
        if (live) setPlayback(grant);
      }
    })().catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [seat, resultId, errorText]);

  async function downloadOriginal(recordingId: string) {
    setDownload('busy');
    try {
      setDownload(await call(seat, 'review.download', { recordingId }));
    } catch (e) {
      setDownload(null);
      setError(errorText(e));
    }
  }

  const recording = detail?.recording ?? null;
  const kept = Boolean(recording?.storedAt && !recording.retention.purgedAt);
  return (
    <div className="result-detail">
      <ErrorLine text={error} />
      {detail && (
        <p className="muted pad">
          {t(`resultOutcome.${detail.result.outcome}`)} · {t(`disposition.${detail.result.disposition}`)}
        </p>
      )}
      {detail && recording && !recording.storedAt && <p className="muted pad">{t('review.notUploaded')}</p>}
      {detail && !recording && <p className="muted pad">{t('review.noRecording')}</p>}
      {detail && playback && (
        <ReviewPlayer
          playback={playback}
          markers={detail.markers}
          position={at}
          startAtMs={startAtMs}
          renew={async () =>
            detail.recording
              ? (await call(seat, 'review.playback', { recordingId: detail.recording.id })).url
              : null
          }
        />
      )}
      {recording && (
        <Retention
          recordingId={recording.id}
          initial={recording.retention}
          canHold={canHold}
          onError={setError}
        />
      )}
      {recording && kept && (
        <div className="download pad">
          <button
            type="button"
            disabled={download === 'busy'}
            onClick={() => void downloadOriginal(recording.id)}
          >
            {t('review.download')}
          </button>
          {download && download !== 'busy' && (
            <p className="verified" role="status">
              {t('review.verified', { path: download.path })}
              <span className="mono hash">SHA-256 {download.sha256}</span>
            </p>
          )}
        </div>
      )}
      {detail && (
        <RaiseFindingForm
          resultId={detail.result.id}
          position={playback ? at : null}
          onRaised={(finding) => setDetail({ ...detail, findings: [...detail.findings, finding] })}
          onError={setError}
        />
      )}
      {detail && children?.(detail)}
      {detail && detail.findings.length > 0 && (
        <div className="pad">
          <h3>{t('review.findingsTitle')}</h3>
          <ul className="findings">
            {detail.findings.map((f) => (
              <li key={f.id}>
                <span className={`tag severity-${f.severity}`}>{t(`findings.severity.${f.severity}`)}</span>{' '}
                {f.textZh}
              </li>
            ))}
          </ul>
        </div>
      )}
      {detail?.result.notes && (
        <p className="pad">
          <span className="muted">{t('review.notes')}：</span>
          {detail.result.notes}
        </p>
      )}
    </div>
  );
}

/** How long head office keeps the recording, the legal hold in force, and placing or releasing one. */
function Retention({
  recordingId,
  initial,
  canHold,
  onError,
}: {
  recordingId: string;
  initial: RecordingRetention;
  canHold: boolean;
  onError: (text: string | null) => void;
}) {
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [retention, setRetention] = useState(initial);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);

  async function act(action: 'place' | 'release') {
    setBusy(true);
    try {
      setRetention(await call(seat, 'review.hold', { recordingId, action, reason }));
      setReason('');
      onError(null);
    } catch (e) {
      onError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const { hold, purgedAt } = retention;
  return (
    <section className="retention pad" aria-label={t('retention.title')}>
      {purgedAt ? (
        <p className="muted">
          {t('retention.purged', { day: chinaDate(purgedAt), until: chinaDate(retention.retainUntil) })}
        </p>
      ) : (
        <p className="muted">{t('retention.until', { day: chinaDate(retention.retainUntil) })}</p>
      )}
      {hold && (
        <p className="hold" role="status">
          {t('retention.held', { name: hold.userName, day: chinaDate(hold.at), reason: hold.reason })}
        </p>
      )}
      {canHold && !purgedAt && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(hold ? 'release' : 'place');
          }}
        >
          <input
            aria-label={t('retention.reason')}
            placeholder={t('retention.reason')}
            value={reason}
            maxLength={200}
            onChange={(e) => setReason(e.target.value)}
          />
          <button type="submit" disabled={busy || reason.trim().length < 2}>
            {hold ? t('retention.release') : t('retention.place')}
          </button>
        </form>
      )}
    </section>
  );
}

type Finding = ReviewResult['findings'][number];

/** A finding's text at most (head office's RaiseFinding.textZh). */
const FINDING_MAX = 500;

/** Raising a finding by hand from what was heard, at the player's position when there is a recording. */
function RaiseFindingForm({
  resultId,
  position,
  onRaised,
  onError,
}: {
  resultId: string;
  position: { current: number } | null;
  onRaised: (finding: Finding) => void;
  onError: (text: string | null) => void;
}) {
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [text, setText] = useState('');
  const [severity, setSeverity] = useState<'low' | 'medium' | 'high'>('medium');
  const [about, setAbout] = useState<'salesperson' | 'branch' | 'customer'>('salesperson');
  const [atMoment, setAtMoment] = useState(true);
  const [raised, setRaised] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function raise() {
    if (!fits(text, FINDING_MAX)) return;
    setBusy(true);
    const offsetMs = position && atMoment ? Math.round(position.current) : null;
    try {
      const { id } = await call(seat, 'review.raiseFinding', {
        resultId,
        textZh: text,
        severity,
        about,
        offsetMs,
      });
      onRaised({
        id,
        stepId: 'manual',
        category: 'reviewer_observation',
        severity,
        about,
        textZh: text.trim(),
        salespersonId: null,
        recordingId: null,
        offsetMs,
      });
      setRaised(offsetMs === null ? t('raise.done') : t('raise.doneAt', { at: formatDuration(offsetMs) }));
      setText('');
      onError(null);
    } catch (e) {
      onError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="raise pad">
      <summary>{t('raise.title')}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void raise();
        }}
      >
        <textarea
          aria-label={t('raise.text')}
          placeholder={t('raise.text')}
          value={text}
          rows={2}
          aria-invalid={fits(text, FINDING_MAX) ? undefined : true}
          aria-describedby="raise-text-count"
          onChange={(e) => setText(e.target.value)}
        />
        <LengthCount id="raise-text-count" text={text} max={FINDING_MAX} />
        <div className="raise-row">
          <label>
            {t('raise.severity')}
            <select value={severity} onChange={(e) => setSeverity(e.target.value as typeof severity)}>
              {(['high', 'medium', 'low'] as const).map((v) => (
                <option key={v} value={v}>
                  {t(`findings.severity.${v}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('raise.about')}
            <select value={about} onChange={(e) => setAbout(e.target.value as typeof about)}>
              {(['salesperson', 'branch', 'customer'] as const).map((v) => (
                <option key={v} value={v}>
                  {t(`raise.abouts.${v}`)}
                </option>
              ))}
            </select>
          </label>
          {position && (
            <label className="check">
              <input type="checkbox" checked={atMoment} onChange={(e) => setAtMoment(e.target.checked)} />
              {t('raise.atMoment')}
            </label>
          )}
          <button type="submit" disabled={busy || text.trim().length < 4 || !fits(text, FINDING_MAX)}>
            {t('raise.submit')}
          </button>
        </div>
        {raised && (
          <p className="verified" role="status">
            {raised}
          </p>
        )}
      </form>
    </details>
  );
}
