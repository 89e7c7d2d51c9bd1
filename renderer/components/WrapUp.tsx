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
import { finish } from '../../shared/scripts/engine';
import { useLine, usePhone } from '../app/phone-context';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from './ErrorLine';

const DISPOSITIONS: Disposition[] = [
  'connected',
  'no_answer',
  'busy',
  'wrong_person',
  'invalid_number',
  'declined',
  'call_back_later',
];

/** What the last dial suggests the agent record. */
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

/**
 * The first moment at least an hour from now that falls inside a calling window (China time), or null when
 * none comes before the deadline.
 */
export function suggestRetry(
  nowMs: number,
  windows: Settings['calling.window'],
  deadlineMs: number,
): number | null {
  const from = Math.ceil((nowMs + 3600_000) / 900_000) * 900_000;
  for (let t = from; t <= deadlineMs; t += 900_000) {
    const local = new Date(t + CHINA_MS);
    const m = local.getUTCHours() * 60 + local.getUTCMinutes();
    if (windows.some((w) => m >= minutes(w.start) && m < minutes(w.end))) return t;
  }
  return null;
}

/**
 * The end of a callback: outcome (the script's own when it ran to its end), disposition, notes, and a retry
 * time inside the calling window and before the deadline when the customer is to be called again. The seat
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
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [settings, setSettings] = useState<Settings | null>(null);
  const scripted = draft ? finish(draft.state) : null;
  const finished = scripted?.ok ? scripted.value : null;
  const outcomes: ResultOutcome[] = finished ? [finished.outcome] : ['retry', 'refused', 'unreachable'];
  const lastAttempt = task.attempts.at(-1);
  // A practice call's result: saved as practice, and the task stays open for the real callback. During a call
  // its line tells (the attempt reaches the task's list once the call has ended).
  const lineIsTraining = useLine(usePhone()).kind === 'training';
  const training = inCall ? lineIsTraining : lastAttempt?.training === true;
  const [outcome, setOutcome] = useState<ResultOutcome>(outcomes[0] ?? 'retry');
  const [disposition, setDisposition] = useState<Disposition>(
    lastAttempt?.outcome ? DISPOSITION_OF[lastAttempt.outcome] : 'no_answer',
  );
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
    const at = suggestRetry(Date.now(), settings['calling.window'], new Date(task.deadlineAt).getTime());
    if (at !== null) setRetryAt(toLocalField(at));
  }, [outcome, retryAt, settings, task.deadlineAt]);

  // Notes are kept with the draft as they are typed (half a second after the last key), so nothing is lost.
  useEffect(() => {
    if (!draft || notes === savedNotes.current) return;
    const timer = setTimeout(() => {
      call(seat, 'script.notes', { taskId: task.taskId, notes }).then(
        () => {
          savedNotes.current = notes;
          setNotesSaved(true);
        },
        (e: unknown) => setError(errorText(e)),
      );
    }, 500);
    return () => clearTimeout(timer);
  }, [seat, draft, notes, task.taskId, errorText]);

  async function commit() {
    if (busy || inCall) return;
    if (outcome === 'retry' && retryAt === '') {
      setError(t('wrapup.retryRequired'));
      return;
    }
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
          <select value={disposition} onChange={(e) => setDisposition(e.target.value as Disposition)}>
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
              max={toLocalField(new Date(task.deadlineAt).getTime())}
              onChange={(e) => setRetryAt(e.target.value)}
            />
          </label>
        )}
        <label className="wide">
          {t('wrapup.notes')}
          <textarea
            value={notes}
            maxLength={2000}
            rows={3}
            onChange={(e) => {
              setNotes(e.target.value);
              setNotesSaved(false);
            }}
          />
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
