import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AnswerValue, ScriptDraft } from '../../shared/contract';
import type { CallStatus } from '../../shared/phone/service';
import { current, progress, type StepView } from '../../shared/scripts/engine';
import type { LocalizedText } from '../../shared/scripts/schema';
import { useCallSelect, usePhone } from '../app/phone-context';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from './ErrorLine';

/** Where keys typed belong to a field, not to the runner's shortcuts. */
const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/** The choices a step offers by number key: [value, label]. */
function choices(step: StepView, yes: string, no: string, passed: string, failed: string) {
  if (step.kind === 'identity') return [true, false].map((v) => [v, v ? passed : failed] as const);
  if (step.kind !== 'question') return [];
  if (step.input === 'yes_no') return [true, false].map((v) => [v, v ? yes : no] as const);
  if (step.input === 'single_choice' || step.input === 'multi_choice') {
    return (step.options ?? []).map((o) => [o.id, o.label] as const);
  }
  return [];
}

/**
 * The callback script beside the call panel, one step at a time: number keys choose, Enter answers and goes
 * on, Backspace goes back. Every answer is saved by the seat before the next step shows, with its moment in
 * the call's recording, so a crash or reload resumes here. Answers are taken only while the call is
 * connected and recorded.
 */
export function ScriptRunner({
  draft,
  onDraft,
}: {
  draft: ScriptDraft;
  onDraft: (draft: ScriptDraft) => void;
}) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const phone = usePhone();
  // The recording in progress of this task's connected call, and when it was answered (offsets count from
  // there); each changes once a call, so the runner does not render for every ringing.
  const mine = (c: CallStatus | null) => c !== null && c.taskId === draft.taskId && c.phase === 'established';
  const recordingId = useCallSelect(phone, (c) => (mine(c) ? (c?.recordingId ?? null) : null));
  const answeredAt = useCallSelect(phone, (c) => (mine(c) ? (c?.answeredAt ?? null) : null));
  const errorText = useErrorText();
  const [value, setValue] = useState<AnswerValue | undefined>(undefined);
  const [confirmed, setConfirmed] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** An answer was tried before the call was live: the hint beside the buttons is said as an alert. */
  const [nudged, setNudged] = useState(false);
  const section = useRef<HTMLElement>(null);

  const lang: keyof LocalizedText = i18n.language === 'zh-CN' ? 'zh' : 'en';
  const step = current(draft.state);
  const at = progress(draft.state);
  const live = recordingId !== null && answeredAt !== null ? { recordingId, answeredAt } : null;
  const options = choices(step, t('task.yes'), t('task.no'), t('script.passed'), t('script.failed'));

  // A new step starts with nothing chosen.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the step's id is the reset signal
  useEffect(() => {
    setValue(undefined);
    setConfirmed(false);
    setText('');
    setError(null);
  }, [step.id, draft.state.trail.length]);

  /** The value Enter would give now, or undefined when the step is not answered yet. */
  const pending = (): AnswerValue | undefined => {
    switch (step.kind) {
      case 'say':
        return null;
      case 'disclosure':
        return confirmed ? true : undefined;
      case 'identity':
        return value;
      case 'end':
        return undefined;
      case 'question':
        if (step.input === 'free_text' || step.input === 'date') return text.trim() === '' ? undefined : text;
        if (step.input === 'number') return text.trim() === '' ? undefined : Number(text);
        if (step.input === 'multi_choice')
          return Array.isArray(value) && value.length > 0 ? value : undefined;
        return value;
    }
  };

  async function submit(given: AnswerValue | undefined) {
    if (given === undefined || busy) return;
    // Said once, beside the buttons (it was also the error line's: twice on screen); an answer tried before the
    // call turns that same line into the alert.
    if (!live) {
      setNudged(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const next = await call(seat, 'script.answer', {
        taskId: draft.taskId,
        stepId: step.id,
        value: given,
        recordingId: live.recordingId,
        offsetMs: Math.max(0, Math.round(Date.now() - live.answeredAt)),
      });
      onDraft(next);
      // The training line's simulated customer answers the agent: a recorded answer lets it go on.
      phone.scriptAnswered();
      // Back from the answered field, so number keys and Enter drive the next step.
      if (
        document.activeElement instanceof HTMLElement &&
        section.current?.contains(document.activeElement)
      ) {
        document.activeElement.blur();
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function goBack() {
    if (busy || draft.state.trail.length === 0) return;
    setBusy(true);
    try {
      onDraft(await call(seat, 'script.back', { taskId: draft.taskId }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const choose = (index: number) => {
    const option = options[index];
    if (!option) return;
    const [v] = option;
    if (step.kind === 'question' && step.input === 'multi_choice') {
      const list = Array.isArray(value) ? value : [];
      const id = String(v);
      setValue(list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
    } else setValue(v);
  };

  // The runner's keys work wherever the focus is, except in another field (the wrap-up's notes, a filter).
  const onKey = (e: KeyboardEvent) => {
    const inRunner = e.target instanceof Node && section.current?.contains(e.target) === true;
    if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.altKey) {
      // Enter on a button presses it; in the runner's own field it answers with what was typed.
      if (e.target instanceof HTMLButtonElement || (typing(e.target) && !inRunner)) return;
      e.preventDefault();
      void submit(pending());
      return;
    }
    if (typing(e.target)) return;
    if (/^[1-9]$/.test(e.key)) {
      choose(Number(e.key) - 1);
      e.preventDefault();
    } else if (e.key === ' ' && step.kind === 'disclosure') {
      setConfirmed((c) => !c);
      e.preventDefault();
    } else if (e.key === 'Backspace') {
      void goBack();
      e.preventDefault();
    }
  };

  useEffect(() => {
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const selected = (v: string | boolean) => (Array.isArray(value) ? value.includes(String(v)) : value === v);
  const label = (l: string | LocalizedText) => (typeof l === 'string' ? l : l[lang]);

  return (
    <section className="script" aria-label={t('script.title')} ref={section}>
      <div className="script-head">
        {draft.state.merged.scripts.map((s) => (
          <span key={s.id} className={`tag tag-${s.callbackType}`} title={`${s.id} v${s.version}`}>
            {s.title[lang]}
          </span>
        ))}
        <span className="spacer" />
        <span className="muted" role="status">
          {t('script.progress', { done: at.done, total: at.total, required: at.remainingRequired })}
        </span>
      </div>
      <progress className="script-progress" max={Math.max(1, at.total)} value={at.done} aria-hidden />

      <div className={`step step-${step.kind}`} aria-live="polite">
        <span className={`step-kind kind-${step.kind}`}>{t(`script.kind.${step.kind}`)}</span>
        <p className="step-text">{step.text[lang]}</p>
        {step.note && <p className="step-note muted">{step.note[lang]}</p>}
        {step.kind === 'identity' && (
          <ul className="identity-checks">
            {step.checks.map((c) => (
              <li key={c.id}>{c.label[lang]}</li>
            ))}
          </ul>
        )}
      </div>

      {step.kind !== 'end' && (
        <div className="step-answer">
          {options.length > 0 && (
            <fieldset className="choices">
              <legend className="visually-hidden">{t('script.choices')}</legend>
              {options.map(([v, l], i) => (
                <button key={String(v)} type="button" aria-pressed={selected(v)} onClick={() => choose(i)}>
                  <kbd>{i + 1}</kbd> {label(l)}
                </button>
              ))}
            </fieldset>
          )}
          {step.kind === 'disclosure' && (
            <label className="confirm">
              <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
              {t('script.confirmRead')} <kbd>{t('script.space')}</kbd>
            </label>
          )}
          {step.kind === 'question' && step.input === 'free_text' && (
            <textarea
              aria-label={t('script.answer')}
              value={text}
              maxLength={step.maxLength ?? 2000}
              rows={2}
              onChange={(e) => setText(e.target.value)}
            />
          )}
          {step.kind === 'question' && step.input === 'date' && (
            <input
              type="date"
              aria-label={t('script.answer')}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          )}
          {step.kind === 'question' && step.input === 'number' && (
            <input
              type="number"
              aria-label={t('script.answer')}
              value={text}
              {...(step.min !== undefined ? { min: step.min } : {})}
              {...(step.max !== undefined ? { max: step.max } : {})}
              step={step.integer ? 1 : 'any'}
              onChange={(e) => setText(e.target.value)}
            />
          )}
          <div className="call-row">
            <button
              type="button"
              className="primary"
              disabled={pending() === undefined || busy || !live}
              onClick={() => void submit(pending())}
            >
              {step.kind === 'say' ? t('script.readNext') : t('script.next')} <kbd>Enter</kbd>
            </button>
            {'required' in step && !step.required && (
              <button type="button" disabled={busy || !live} onClick={() => void submit(null)}>
                {t('script.skip')}
              </button>
            )}
            <button
              type="button"
              disabled={busy || draft.state.trail.length === 0}
              onClick={() => void goBack()}
            >
              {t('script.back')} <kbd>⌫</kbd>
            </button>
            {!live && (
              <span className={nudged ? 'form-error' : 'muted'} role={nudged ? 'alert' : 'status'}>
                {t('script.needsCall')}
              </span>
            )}
          </div>
        </div>
      )}
      {step.kind === 'end' && (
        <p className="notice" role="status">
          {step.identityFailed ? t('script.identityFailedEnd') : t('script.finished')}
        </p>
      )}
      {step.kind === 'end' && draft.state.trail.length > 0 && (
        <div className="call-row">
          <button type="button" disabled={busy} onClick={() => void goBack()}>
            {t('script.back')} <kbd>⌫</kbd>
          </button>
        </div>
      )}
      <ErrorLine text={error} />
    </section>
  );
}
