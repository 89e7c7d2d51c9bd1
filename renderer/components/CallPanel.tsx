import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Phone } from '../../shared/phone/service';
import {
  useCall,
  useCallQuality,
  useLine,
  usePhone,
  useRegistration,
  useTrainingProgress,
} from '../app/phone-context';
import { useErrorText } from '../app/seat-context';
import type { ConsolePhone, LineState } from '../phone/console-phone';
import { ErrorLine } from './ErrorLine';

const DTMF = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

const clock = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/**
 * A level on its own, the microphone's or the customer's: it changes ten times a second, written straight into
 * the <meter> element (no React render at all: two meters rendered 20 times a second were a good part of the
 * page's CPU during a call).
 */
function LevelMeter({
  phone,
  side,
  live,
  caption,
  label,
}: {
  phone: Phone;
  side: 'inputLevel' | 'remoteLevel';
  live: boolean;
  caption: string;
  label: string;
}) {
  const ref = useRef<HTMLMeterElement>(null);
  useEffect(() => {
    const meter = ref.current;
    if (!meter) return;
    meter.value = 0;
    if (!live) return;
    return phone.on(side, (level) => {
      meter.value = level;
    });
  }, [phone, side, live]);
  return (
    <label className="level-box">
      {caption}
      <meter ref={ref} className={`level ${side}`} aria-label={label} min={0} max={1} />
    </label>
  );
}

/** The call's running time, re-rendering nothing else (twice a second while the call is up). */
function CallTimer({ since, until }: { since: number; until: number | null }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (until !== null) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [until]);
  return <span className="mono call-timer">{clock((until ?? now) - since)}</span>;
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const ms = (value: number | null) => (value === null ? '—' : String(Math.round(value)));

/**
 * The network quality of the established call, once a second and re-rendering nothing else: the grade, with
 * the counters in the title and in data attributes.
 */
function QualityIndicator({ phone }: { phone: Phone }) {
  const { t } = useTranslation();
  const quality = useCallQuality(phone);
  if (!quality) return null;
  return (
    <span
      className={`call-quality quality-${quality.grade}`}
      title={t('call.quality.detail', {
        sent: kb(quality.bytesSent),
        received: kb(quality.bytesReceived),
        lost: quality.packetsLost,
        jitter: ms(quality.jitterMs),
        rtt: ms(quality.roundTripMs),
      })}
      data-grade={quality.grade}
      data-bytes-sent={quality.bytesSent}
      data-bytes-received={quality.bytesReceived}
      data-packets-lost={quality.packetsLost}
    >
      {t('call.quality.label')} {t(`call.quality.${quality.grade}`)}
    </span>
  );
}

/** The simulated customer's progress in this call (客户台词 3/23), re-rendering nothing else. */
function TrainingProgressLine({ phone, attemptId }: { phone: ConsolePhone; attemptId: string }) {
  const { t } = useTranslation();
  const progress = useTrainingProgress(phone);
  if (!progress || progress.attemptId !== attemptId || progress.total === 0) return null;
  return (
    <span
      className="training-progress"
      data-played={progress.played}
      data-spoken={progress.spoken}
      data-listening={progress.listening}
      data-total={progress.total}
    >
      {t('trainingLine.progress', { played: progress.played, total: progress.total })}
    </span>
  );
}

/**
 * The line and, on the training line, the simulated customer: the agent picks the line when the seat has both
 * (a radio group, arrow keys move), and the persona before dialling (the last choice is kept).
 */
function LineChoice({ phone, line, locked }: { phone: ConsolePhone; line: LineState; locked: boolean }) {
  const { t, i18n } = useTranslation();
  const en = i18n.language !== 'zh-CN';
  const personas = line.info?.personas ?? [];
  const nameOf = (p: (typeof personas)[number]) => (en && p.en ? p.en.name : p.name);
  return (
    <div className="call-row line-choice">
      {line.choosable && (
        <fieldset className="line-kind" disabled={locked}>
          <legend>{t('trainingLine.line')}</legend>
          {(['pbx', 'training'] as const).map((kind) => (
            <label key={kind}>
              <input
                type="radio"
                name="call-line"
                value={kind}
                checked={line.kind === kind}
                onChange={() => phone.chooseLine(kind)}
              />
              {t(`trainingLine.${kind}`)}
            </label>
          ))}
        </fieldset>
      )}
      {line.kind === 'training' && (
        <label className="persona-pick">
          {t('trainingLine.persona')}
          <select
            value={line.persona?.id ?? ''}
            disabled={locked || personas.length === 0}
            onChange={(e) => phone.choosePersona(e.target.value)}
          >
            {personas.length === 0 && <option value="">{t('trainingLine.noPersonas')}</option>}
            {personas.map((p) => (
              <option key={p.id} value={p.id}>
                {nameOf(p)}
              </option>
            ))}
          </select>
        </label>
      )}
      {line.kind === 'training' && line.persona && !locked && (
        <span className="muted persona-about">
          {en && line.persona.en ? line.persona.en.description : line.persona.description}
        </span>
      )}
    </div>
  );
}

/**
 * The call controls of the open task: dial (F9), hang up (F10), mute (F8), hold, DTMF, the call timer, the
 * levels of both sides and the network quality. Recording starts by itself when the customer answers and
 * cannot be switched off.
 */
export function CallPanel({
  taskId,
  numberMasked,
  autoDialSec = null,
  onAutoDialDone = () => {},
  onAutoNextOff = () => {},
}: {
  taskId: string;
  numberMasked: string;
  /** Preview dialling (自动下一个): dial by itself after this many seconds unless the agent stops it. */
  autoDialSec?: number | null;
  onAutoDialDone?: () => void;
  /** The agent turns 自动下一个 off from the countdown. */
  onAutoNextOff?: () => void;
}) {
  const { t, i18n } = useTranslation();
  const phone = usePhone();
  const errorText = useErrorText();
  const registration = useRegistration(phone);
  const line = useLine(phone);
  const training = line.kind === 'training';
  const call = useCall(phone);
  const [error, setError] = useState<string | null>(null);
  const mine = call && call.taskId === taskId ? call : null;
  const live = mine !== null && mine.phase !== 'ended';
  const busyElsewhere = call !== null && call.phase !== 'ended' && call.taskId !== taskId;
  const canDial =
    registration.state === 'registered' && !live && !busyElsewhere && (!training || line.persona !== null);

  // A dial under way, before its status arrives (the phone reports it once the offer is made): a second press
  // is ignored. A ref, so that the press itself renders nothing while the call is being set up.
  const placing = useRef(false);
  const dial = async () => {
    if (placing.current) return;
    placing.current = true;
    setError(null);
    try {
      await phone.dial(taskId);
    } catch (e) {
      setError(errorText(e));
    } finally {
      placing.current = false;
    }
  };
  const hangup = () => void phone.hangup();

  // Preview dialling: the countdown starts once the phone can dial, and dials at 0; the agent stops it
  // (button, or Esc, taken before the task view's own Esc closes the task).
  const [countdown, setCountdown] = useState<number | null>(null);
  const countdownStarted = useRef(false);
  const stopButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (autoDialSec === null || countdownStarted.current || !canDial) return;
    countdownStarted.current = true;
    setCountdown(autoDialSec);
    requestAnimationFrame(() => stopButton.current?.focus());
  }, [autoDialSec, canDial]);
  const stopCountdown = () => {
    setCountdown(null);
    onAutoDialDone();
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: one step of the countdown per second
  useEffect(() => {
    if (countdown === null) return;
    if (countdown <= 0) {
      setCountdown(null);
      onAutoDialDone();
      if (canDial) void dial();
      return;
    }
    const timer = setTimeout(() => setCountdown((c) => (c === null ? null : c - 1)), 1000);
    return () => clearTimeout(timer);
  }, [countdown]);
  useEffect(() => {
    if (countdown === null) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopPropagation();
      stopCountdown();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F9' && canDial) void dial();
      else if (e.key === 'F10' && live) hangup();
      else if (e.key === 'F8' && live) phone.setMuted(!mine?.muted);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const since = mine?.answeredAt ?? mine?.startedAt ?? 0;
  return (
    <section className={`call-panel${training ? ' training' : ''}`} aria-label={t('call.panel')}>
      <div className="call-row">
        {training && <span className="badge badge-training">{t('trainingLine.badge')}</span>}
        <span className="mono">{numberMasked}</span>
        {training && line.persona && (
          <span className="training-persona">
            {t('trainingLine.customer', {
              name: i18n.language !== 'zh-CN' && line.persona.en ? line.persona.en.name : line.persona.name,
            })}
          </span>
        )}
        <span className={`call-phase phase-${mine?.phase ?? 'idle'}`} role="status">
          {mine
            ? t(`call.phase.${mine.phase}`)
            : training
              ? t('trainingLine.ready')
              : t(`call.registration.${registration.state}`)}
          {mine?.phase === 'ended' && mine.outcome && ` · ${t(`attemptOutcome.${mine.outcome}`)}`}
          {mine?.phase === 'ended' &&
            mine.sipCode !== null &&
            mine.outcome !== 'answered' &&
            mine.outcome !== 'interrupted' &&
            ` (SIP ${mine.sipCode})`}
          {mine?.phase === 'ended' && mine.endReason && ` · ${t(`call.endReason.${mine.endReason}`)}`}
        </span>
        {live && <CallTimer since={since} until={mine.endedAt} />}
        {mine?.recordingId && live && <span className="rec">{t('call.recording')}</span>}
        {mine?.phase === 'established' && <QualityIndicator phone={phone} />}
        {training && mine && <TrainingProgressLine phone={phone} attemptId={mine.attemptId} />}
      </div>
      {(line.choosable || training) && (
        <LineChoice phone={phone} line={line} locked={live || busyElsewhere} />
      )}
      <div className="call-row">
        <button type="button" className="primary" disabled={!canDial} aria-keyshortcuts="F9" onClick={dial}>
          {t('call.dial')} <kbd>F9</kbd>
        </button>
        <button type="button" disabled={!live} aria-keyshortcuts="F10" onClick={hangup}>
          {t('call.hangup')} <kbd>F10</kbd>
        </button>
        <button
          type="button"
          disabled={mine?.phase !== 'established'}
          aria-pressed={mine?.muted ?? false}
          aria-keyshortcuts="F8"
          onClick={() => phone.setMuted(!mine?.muted)}
        >
          {t('call.mute')} <kbd>F8</kbd>
        </button>
        <button
          type="button"
          disabled={mine?.phase !== 'established'}
          aria-pressed={mine?.held ?? false}
          onClick={() => void phone.setHeld(!mine?.held)}
        >
          {t('call.hold')}
        </button>
        <LevelMeter
          phone={phone}
          side="inputLevel"
          live={live}
          caption={t('call.levelCaption')}
          label={t('call.level')}
        />
        <LevelMeter
          phone={phone}
          side="remoteLevel"
          live={mine?.phase === 'established'}
          caption={t('call.remoteLevelCaption')}
          label={t('call.remoteLevel')}
        />
      </div>
      {/* Nothing listens for tones on the training line. */}
      {mine?.phase === 'established' && !training && (
        <fieldset className="dtmf">
          <legend>{t('call.dtmf')}</legend>
          {DTMF.map((d) => (
            <button key={d} type="button" onClick={() => phone.sendDtmf(d)}>
              {d}
            </button>
          ))}
        </fieldset>
      )}
      {countdown !== null && (
        <div className="preview-dial" role="timer" aria-live="polite" data-seconds={countdown}>
          <span>{t('preview.countdown', { seconds: countdown })}</span>
          <button type="button" ref={stopButton} onClick={stopCountdown}>
            {t('preview.stop')} <kbd>Esc</kbd>
          </button>
          <button
            type="button"
            className="small"
            onClick={() => {
              stopCountdown();
              onAutoNextOff();
            }}
          >
            {t('preview.turnOff')}
          </button>
        </div>
      )}
      {live && mine.warning && (
        <p className="call-warning" role="alert" data-warning={mine.warning}>
          {t(`call.warning.${mine.warning}`)}
        </p>
      )}
      {mine?.phase === 'ended' && mine.outcome === 'interrupted' && (
        <p className="call-warning" role="alert">
          {t('call.deadCallNotice')}
        </p>
      )}
      {busyElsewhere && <p className="muted">{t('call.busyElsewhere')}</p>}
      {training && <p className="call-hint">{t('trainingLine.callHint')}</p>}
      {!mine && registration.state === 'not_configured' && (
        <p className="call-hint">{t('call.notConfiguredHint')}</p>
      )}
      <ErrorLine text={error} />
    </section>
  );
}
