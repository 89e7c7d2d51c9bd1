import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  AttemptOutcome,
  Disposition,
  ResultOutcome,
  ScriptDraft,
  Settings,
  TaskDetail,
} from '../../shared/contract';
import { inPreferredTimes, type PreferredWindowLike } from '../../shared/domain/preferred-times';
import { finish } from '../../shared/scripts/engine';
import { formatDateTime } from '../app/format';
import { useLine, usePhone } from '../app/phone-context';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from './ErrorLine';
import { fits, LengthCount } from './LengthCount';

const DISPOSITIONS: Disposition[] = [
  'connected',
  'no_answer',
  'busy',
  'wrong_person',
  'invalid_number',
  'declined',
  'call_back_later',
];

/** What the last dial suggests the agent record: the ending of the task's last call, never an earlier one. */
const DISPOSITION_OF: Record<AttemptOutcome, Disposition> = {
  answered: 'connected',
  busy: 'busy',
  no_answer: 'no_answer',
  invalid_number: 'invalid_number',
  declined: 'declined',
  failed: 'no_answer',
  interrupted: 'connected',
};

const CHINA_MS = 8 * 3600_000;
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** `YYYY-MM-DDTHH:MM` in China time, for a datetime-local field. */
export const toLocalField = (ms: number) => new Date(ms + CHINA_MS).toISOString().slice(0, 16);
export const fromLocalField = (value: string) => new Date(`${value}:00.000Z`).getTime() - CHINA_MS;

/** Characters (not counting spaces) of the reason for 号码错误/空号 without a dial, as the seat asks. */
const MIN_REASON_CHARS = 4;
/** The contract's bound on a result's notes (CommitResultArgs: PlainText(2000)). */
const NOTES_MAX = 2000;
const reasonLength = (notes: string) => [...notes.replace(/\s/g, '')].length;

/**
 * The first moment at least an hour from now that falls inside a calling window (China time) and the
 * customer's preferred times (when set), within a week, or null when the windows leave none. It may be after the task's deadline: an overdue task is still
 * called again (the wrap-up says it stays overdue).
 */
export function suggestRetry(
  nowMs: number,
  windows: Settings['calling.window'],
  preferred: readonly PreferredWindowLike[] = [],
): number | null {
  const from = Math.ceil((nowMs + 3600_000) / 900_000) * 900_000;
  for (let t = from; t <= from + 7 * 86_400_000; t += 900_000) {
    const local = new Date(t + CHINA_MS);
    const m = local.getUTCHours() * 60 + local.getUTCMinutes();
    if (windows.some((w) => m >= minutes(w.start) && m < minutes(w.end)) && inPreferredTimes(t, preferred))
      return t;
  }
  return null;
}

/**
 * The end of a callback: outcome (the script's own when it ran to its end), disposition, notes, and a retry
 * time inside the calling window when the customer is to be called again (after the deadline too: the task
 * stays overdue, and the wrap-up says so). The disposition follows the task's last call: it is derived again
 * each time a call ends, and the agent's own choice holds until then. With no dial at all every disposition
 * can still be recorded (号码错误 found in the customer's data needs the reason in the notes). The seat
 * commits result, answers, findings, outbox and audit in one transaction; then the next task is offered.
 */
export function WrapUp({
  task,
  draft,
  inCall,
  onCommitted,
}: {
  task: TaskDetail;
  draft: ScriptDraft | null;
  /** Notes can be typed during the call; the result is committed after it. */
  inCall: boolean;
  /** `training`: the result was of a practice call (the seat left the task open). */
  onCommitted: (training: boolean) => void;
}) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [settings, setSettings] = useState<Settings | null>(null);
  const scripted = draft ? finish(draft.state) : null;
  const finished = scripted?.ok ? scripted.value : null;
  const outcomes: ResultOutcome[] = finished ? [finished.outcome] : ['retry', 'refused', 'unreachable'];
  const lastAttempt = task.attempts.at(-1);
  const withoutDial = !inCall && lastAttempt === undefined;
  // A practice call's result: saved as practice, and the task stays open for the real callback. During a call
  // its line tells (the attempt reaches the task's list once the call has ended).
  const lineIsTraining = useLine(usePhone()).kind === 'training';
  const training = inCall ? lineIsTraining : lastAttempt?.training === true;
  const [outcome, setOutcome] = useState<ResultOutcome>(outcomes[0] ?? 'retry');
  // The last call as it stands (a call still going on is another call than the same one ended): the
  // disposition it suggests, and the agent's own choice, which holds only for the call it was made after.
  // Without any dial, what is recorded is mostly what the customer's data shows: 号码错误/空号.
  const lastCall = lastAttempt
    ? `${lastAttempt.id}:${lastAttempt.outcome ?? 'live'}`
    : inCall
      ? 'live'
      : 'none';
  const suggested: Disposition = lastAttempt?.outcome
    ? DISPOSITION_OF[lastAttempt.outcome]
    : withoutDial
      ? 'invalid_number'
      : 'connected';
  const [chosen, setChosen] = useState<{ call: string; disposition: Disposition } | null>(null);
  const disposition = chosen?.call === lastCall ? chosen.disposition : suggested;
  const reasonNeeded = withoutDial && disposition === 'invalid_number';
  const [notes, setNotes] = useState(draft?.notes ?? '');
  const savedNotes = useRef(draft?.notes ?? '');
  const [notesSaved, setNotesSaved] = useState(false);
  const [retryAt, setRetryAt] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [resultId] = useState(() => crypto.randomUUID());

  useEffect(() => {
    call(seat, 'settings.get', {}).then(setSettings, () => setSettings(null));
  }, [seat]);

  // The script's outcome once it is at its end; one of the others otherwise.
  const key = outcomes.join();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the outcomes offered
  useEffect(() => {
    if (!outcomes.includes(outcome)) setOutcome(outcomes[0] ?? 'retry');
  }, [key]);

  // A retry gets a suggested time: the first calling-window slot an hour or more from now.
  useEffect(() => {
    if (outcome !== 'retry' || retryAt !== '' || !settings) return;
    const at = suggestRetry(Date.now(), settings['calling.window'], task.contact.preferredTimes);
    if (at !== null) setRetryAt(toLocalField(at));
  }, [outcome, retryAt, settings, task.contact.preferredTimes]);
  const retryAfterDeadline =
    outcome === 'retry' && retryAt !== '' && fromLocalField(retryAt) > new Date(task.deadlineAt).getTime();

  // Notes are kept with the draft as they are typed (half a second after the last key), so nothing is lost.
  useEffect(() => {
    if (!draft || notes === savedNotes.current || !fits(notes, NOTES_MAX)) return;
    const timer = setTimeout(() => {
      call(seat, 'script.notes', { taskId: task.taskId, notes }).then(
        () => {
          savedNotes.current = notes;
          setNotesSaved(true);
        },
        (e: unknown) => setError(errorText(e)),
      );
    }, 500);
    // A reload (F5) or a closed window within that half second: the notes go as the page goes.
    const flush = () => {
      clearTimeout(timer);
      call(seat, 'script.notes', { taskId: task.taskId, notes }).catch(() => undefined);
    };
    window.addEventListener('pagehide', flush);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('pagehide', flush);
    };
  }, [seat, draft, notes, task.taskId, errorText]);

  async function commit() {
    if (busy || inCall) return;
    if (outcome === 'retry' && retryAt === '') {
      setError(t('wrapup.retryRequired'));
      return;
    }
    if (reasonNeeded && reasonLength(notes) < MIN_REASON_CHARS) {
      setError(t('wrapup.reasonRequired', { n: MIN_REASON_CHARS }));
      return;
    }
    // Never cut: the count beside the notes says by how much they are over.
    if (!fits(notes, NOTES_MAX)) return;
    setBusy(true);
    setError(null);
    try {
      await call(seat, 'result.commit', {
        id: resultId,
        taskId: task.taskId,
        attemptId: lastAttempt?.id ?? null,
        outcome,
        disposition,
        notes: notes.trim(),
        retryAt: outcome === 'retry' ? new Date(fromLocalField(retryAt)).toISOString() : null,
        supersedesId: null,
      });
      onCommitted(training);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }

  return (
    <section
      className="wrapup"
      aria-labelledby="wrapup-title"
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.ctrlKey) {
          e.preventDefault();
          void commit();
        }
      }}
    >
      <h3 id="wrapup-title">
        {t('wrapup.title')}
        {training && <span className="badge badge-training">{t('trainingLine.badge')}</span>}
      </h3>
      {training && <p className="notice wrapup-training">{t('trainingLine.wrapup')}</p>}
      {withoutDial && <p className="notice">{t('wrapup.withoutDial')}</p>}
      {finished && (
        <div className="purpose-outcomes">
          {finished.purposes.map((p) => (
            <span key={p.purpose} className={`badge outcome-${p.outcome}`}>
              {t(`callbackType.${p.purpose}`)}
              {t('common.colon')}
              {t(`purposeOutcome.${p.outcome}`)}
            </span>
          ))}
          {finished.findings.length > 0 && (
            <ul className="findings" aria-label={t('wrapup.findings')}>
              {finished.findings.map((f) => (
                <li key={`${f.stepId}-${f.category}`}>
                  <span className={`badge severity-${f.severity}`}>{t(`severity.${f.severity}`)}</span>{' '}
                  {f.text.zh}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="wrapup-grid">
        <label>
          {t('wrapup.outcome')}
          <select value={outcome} onChange={(e) => setOutcome(e.target.value as ResultOutcome)}>
            {outcomes.map((o) => (
              <option key={o} value={o}>
                {t(`resultOutcome.${o}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('wrapup.disposition')}
          <select
            value={disposition}
            onChange={(e) => setChosen({ call: lastCall, disposition: e.target.value as Disposition })}
          >
            {DISPOSITIONS.map((d) => (
              <option key={d} value={d}>
                {t(`disposition.${d}`)}
              </option>
            ))}
          </select>
        </label>
        {outcome === 'retry' && (
          <label>
            {t('wrapup.retryAt')}
            <input
              type="datetime-local"
              value={retryAt}
              min={toLocalField(Date.now())}
              aria-describedby={retryAfterDeadline ? 'wrapup-after-deadline' : undefined}
              onChange={(e) => setRetryAt(e.target.value)}
            />
          </label>
        )}
        {retryAfterDeadline && (
          <p id="wrapup-after-deadline" className="notice wide" role="status">
            {t('wrapup.retryAfterDeadline', { deadline: formatDateTime(task.deadlineAt, i18n.language) })}
          </p>
        )}
        <label className="wide">
          {reasonNeeded ? t('wrapup.notesReason', { n: MIN_REASON_CHARS }) : t('wrapup.notes')}
          <textarea
            value={notes}
            required={reasonNeeded}
            aria-describedby="wrapup-notes-count"
            aria-invalid={!fits(notes, NOTES_MAX) || undefined}
            rows={3}
            onChange={(e) => {
              setNotes(e.target.value);
              setNotesSaved(false);
            }}
          />
          <LengthCount id="wrapup-notes-count" text={notes} max={NOTES_MAX} />
        </label>
      </div>
      {!finished && draft && draft.answered > 0 && <p className="muted">{t('wrapup.partial')}</p>}
      <div className="call-row">
        <button type="button" className="primary" disabled={busy || inCall} onClick={() => void commit()}>
          {t('wrapup.commit')} <kbd>Ctrl+Enter</kbd>
        </button>
        {inCall && <span className="muted">{t('wrapup.afterCall')}</span>}
        {notesSaved && (
          <span className="muted" role="status">
            {t('wrapup.notesSaved')}
          </span>
        )}
      </div>
      <ErrorLine text={error} />
    </section>
  );
}
