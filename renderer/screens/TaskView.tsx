import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RevealField, ScriptDraft, TaskDetail } from '../../shared/contract';
import { dueState, formatDateTime } from '../app/format';
import { useCallSelect, usePhone } from '../app/phone-context';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { CallPanel } from '../components/CallPanel';
import { CustomerContact } from '../components/CustomerContact';
import { CustomerHistory } from '../components/CustomerHistory';
import { ErrorLine } from '../components/ErrorLine';
import { ScriptRunner } from '../components/ScriptRunner';
import { WrapUp } from '../components/WrapUp';

/**
 * One task: the customer (masked; each reveal is an audited action), the purposes of this call, the
 * salesperson involved, the deadline, earlier attempts and results.
 */
export function TaskView({
  taskId,
  onClose,
  onNext,
  previewDial = false,
  onPreviewDone = () => {},
  refresh,
}: {
  taskId: string;
  onClose: () => void;
  /** Open the next task of the worklist (after a commit); `preview`: opened by 自动下一个, to be dialled. */
  onNext: (preview?: boolean) => void;
  /** This task was opened by 自动下一个: its call panel counts down to the dial (preview dialling). */
  previewDial?: boolean;
  /** The countdown ended: dialled, or stopped by the agent. */
  onPreviewDone?: () => void;
  refresh: number;
}) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [task, setTask] = useState<TaskDetail | null>(null);
  const [revealed, setRevealed] = useState<Partial<Record<RevealField, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState<ScriptDraft | null>(null);
  /** The result is saved: as a callback (`real`) or as practice on the training line (`training`). */
  const [committed, setCommitted] = useState<'real' | 'training' | null>(null);
  /** Another practice round of the same task (its script starts again). */
  const [round, setRound] = useState(0);
  /** The agent records a result without dialling (号码错误 seen in the customer's data, …). */
  const [noDial, setNoDial] = useState(false);
  const nextButton = useRef<HTMLButtonElement>(null);
  /** 自动下一个 (the agent's own setting) and the branch's countdown before the preview dial. */
  const [autoNext, setAutoNext] = useState<{ on: boolean; sec: number } | null>(null);
  const phone = usePhone();
  const inCall = useCallSelect(phone, (c) => c !== null && c.taskId === taskId && c.phase !== 'ended');
  const lng = i18n.language;

  // A new task: start clean (revealed values are never carried over to another customer).
  useEffect(() => {
    void taskId;
    setTask(null);
    setRevealed({});
    setError(null);
    setDraft(null);
    setCommitted(null);
    setNoDial(false);
  }, [taskId]);

  // The task's script: the draft as it was left (after a crash or reload too), or a new merged one.
  const open = task?.status === 'open';
  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` is the signal for a new practice round
  useEffect(() => {
    if (!open) return;
    let current = true;
    call(seat, 'script.open', { taskId })
      .then((d) => current && setDraft(d))
      .catch((e: unknown) => current && setError(errorText(e)));
    return () => {
      current = false;
    };
  }, [seat, taskId, open, errorText, round]);

  useEffect(() => {
    let current = true;
    call(seat, 'settings.get', {}).then(
      (s) => current && setAutoNext({ on: s['dial.autoNext'], sec: s['dial.previewSec'] }),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [seat]);
  const toggleAutoNext = (on: boolean) => {
    setAutoNext((a) => (a ? { ...a, on } : a));
    call(seat, 'settings.set', { key: 'dial.autoNext', value: on }).catch((e: unknown) =>
      setError(errorText(e)),
    );
  };

  useEffect(() => {
    if (committed) nextButton.current?.focus();
  }, [committed]);

  // 自动下一个: a result (or practice) committed by an agent who is ready (not on a break) opens the next task
  // at once, its dial counting down. Turning it on afterwards applies from the next commit (or 下一个任务).
  const onCommitted = (training: boolean) => {
    setCommitted(training ? 'training' : 'real');
    if (!autoNext?.on) return;
    call(seat, 'agent.state', {}).then(
      (s) => s.state === 'ready' && onNext(true),
      () => {},
    );
  };

  // The task, again whenever the seat says tasks changed (a dial started or ended, a result committed).
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh is the reload signal itself
  useEffect(() => {
    let current = true;
    call(seat, 'task.get', { taskId })
      .then((detail) => current && setTask(detail))
      .catch((e: unknown) => current && setError(errorText(e)));
    return () => {
      current = false;
    };
  }, [seat, taskId, errorText, refresh]);

  async function reveal(field: RevealField) {
    if (!task) return;
    try {
      const { value } = await call(seat, 'customer.reveal', { customerId: task.customer.id, field, taskId });
      setRevealed((r) => ({ ...r, [field]: value }));
      // The reveal button goes away: focus moves to the value it revealed, not to <body> (Esc still closes).
      requestAnimationFrame(() => document.getElementById(`reveal-${field}`)?.focus());
    } catch (e) {
      setError(errorText(e));
    }
  }

  const yesNo = (b: boolean) => (b ? t('task.yes') : t('task.no'));
  return (
    <section
      className="task-view"
      aria-labelledby="task-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div className="panel-head">
        <h2 id="task-title">{task ? task.customer.name : t('worklist.loading')}</h2>
        {task && (
          <span className={`badge badge-${dueState(task.deadlineAt, new Date())}`}>
            {t(`task.status.${task.status}`)}
          </span>
        )}
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          {t('task.back')}
        </button>
      </div>
      <ErrorLine text={error} />
      {committed && (
        <div className={`notice committed${committed === 'training' ? ' training' : ''}`} role="status">
          {committed === 'training' ? t('trainingLine.committed') : t('wrapup.committed')}
          <button type="button" className="primary" ref={nextButton} onClick={() => onNext(autoNext?.on)}>
            {t('wrapup.next')} <kbd>Enter</kbd>
          </button>
          {autoNext && (
            <label className="auto-next">
              <input
                type="checkbox"
                checked={autoNext.on}
                onChange={(e) => toggleAutoNext(e.target.checked)}
              />
              {t('preview.autoNext')}
            </label>
          )}
          {committed === 'training' && (
            <button
              type="button"
              onClick={() => {
                setDraft(null);
                setCommitted(null);
                setRound((n) => n + 1);
              }}
            >
              {t('trainingLine.again')}
            </button>
          )}
        </div>
      )}
      {task && (
        <div className="task-body">
          {task.status === 'open' && !committed && (
            <div className="task-work">
              <CallPanel
                taskId={task.taskId}
                numberMasked={task.customer.phoneMasked}
                autoDialSec={previewDial && autoNext?.on ? autoNext.sec : null}
                onAutoDialDone={onPreviewDone}
                onAutoNextOff={() => toggleAutoNext(false)}
              />
              {draft && <ScriptRunner draft={draft} onDraft={setDraft} />}
              {!inCall && task.attempts.length === 0 && !noDial && (
                <button type="button" className="small" onClick={() => setNoDial(true)}>
                  {t('wrapup.recordWithoutDial')}
                </button>
              )}
              {(inCall || task.attempts.length > 0 || noDial) && (
                // Made again once the draft is there, so the notes typed before a crash come back.
                <WrapUp
                  key={`${task.taskId}-${draft ? 'draft' : 'none'}`}
                  task={task}
                  draft={draft}
                  inCall={inCall}
                  onCommitted={onCommitted}
                />
              )}
            </div>
          )}
          <div className="task-facts">
            <h3>{t('task.customer')}</h3>
            <dl className="facts">
              <dt>{t('task.name')}</dt>
              <dd>{task.customer.name}</dd>
              <dt>{t('task.idNumber')}</dt>
              <dd>
                <span id="reveal-idNumber" className="mono" tabIndex={-1}>
                  {revealed.idNumber ?? task.customer.idNumberMasked}
                </span>
                {revealed.idNumber === undefined && (
                  <button type="button" className="small" onClick={() => reveal('idNumber')}>
                    {t('task.revealIdNumber')}
                  </button>
                )}
              </dd>
              <dt>{t('task.phone')}</dt>
              <dd>
                <span id="reveal-phone" className="mono" tabIndex={-1}>
                  {revealed.phone ?? task.customer.phoneMasked}
                </span>
                {revealed.phone === undefined && (
                  <button type="button" className="small" onClick={() => reveal('phone')}>
                    {t('task.revealPhone')}
                  </button>
                )}
              </dd>
              <dt>{t('task.openedAt')}</dt>
              <dd>
                {task.customer.openedAt ? formatDateTime(task.customer.openedAt, lng) : t('task.none')}
                {task.customer.channel &&
                  t('common.paren', { text: t(`task.channels.${task.customer.channel}`) })}
              </dd>
              <dt>{t('task.margin')}</dt>
              <dd>{yesNo(task.customer.margin)}</dd>
              <dt>{t('task.salesperson')}</dt>
              <dd>
                {task.customer.salesperson
                  ? `${task.customer.salesperson.name}${t('common.paren', { text: task.customer.salesperson.code })}${task.customer.salesperson.departed ? ` · ${t('task.departed')}` : ''}`
                  : t('task.none')}
              </dd>
            </dl>
            {(revealed.idNumber !== undefined || revealed.phone !== undefined) && (
              <p className="notice" role="status">
                {t('task.revealed')}
              </p>
            )}
            <CustomerContact task={task} onChange={setTask} />

            <h3>{t('task.purposes')}</h3>
            <ul className="purposes-list">
              {task.purposes.map((p) => (
                <li key={p.type}>
                  <span className={`tag tag-${p.type}`}>{t(`callbackType.${p.type}`)}</span>
                  <span>
                    {t('task.deadline')} {formatDateTime(p.deadlineAt, lng)}
                  </span>
                  {dueState(p.deadlineAt, new Date()) !== 'later' && (
                    <span className={`badge badge-${dueState(p.deadlineAt, new Date())}`}>
                      {t(
                        dueState(p.deadlineAt, new Date()) === 'overdue'
                          ? 'worklist.overdue'
                          : 'worklist.dueToday',
                      )}
                    </span>
                  )}
                  <span className="muted">
                    {t('task.reason')}
                    {t('common.colon')}
                    {p.reason}
                  </span>
                  {p.salesperson && (
                    <span className="muted">
                      {t('task.salesperson')}
                      {t('common.colon')}
                      {p.salesperson.name}
                    </span>
                  )}
                </li>
              ))}
            </ul>
            {task.nextAttemptAt && (
              <p>
                {t('task.nextAttempt')}
                {t('common.colon')}
                {formatDateTime(task.nextAttemptAt, lng)}
              </p>
            )}

            <h3>{t('task.attempts')}</h3>
            {task.attempts.length === 0 ? (
              <p className="muted">{t('task.noAttempts')}</p>
            ) : (
              <ul className="history">
                {task.attempts.map((a) => (
                  <li key={a.id}>
                    {a.training && <span className="badge badge-training">{t('trainingLine.attempt')}</span>}
                    {formatDateTime(a.startedAt, lng)} · {t(`attemptOutcome.${a.outcome}`)}
                    {a.sipCode !== null && ` · ${t('task.sipCode')} ${a.sipCode}`}
                  </li>
                ))}
              </ul>
            )}

            <h3>{t('task.results')}</h3>
            {task.results.length === 0 ? (
              <p className="muted">{t('task.noResults')}</p>
            ) : (
              <ul className="history">
                {task.results.map((r) => (
                  <li key={r.id} className={r.superseded ? 'superseded' : undefined}>
                    {formatDateTime(r.createdAt, lng)} · {t(`resultOutcome.${r.outcome}`)} ·{' '}
                    {t(`disposition.${r.disposition}`)}
                    {r.superseded && ` · ${t('task.superseded')}`}
                    {r.notes && <div className="muted">{r.notes}</div>}
                  </li>
                ))}
              </ul>
            )}

            <CustomerHistory history={task.customerHistory} />
          </div>
        </div>
      )}
    </section>
  );
}
