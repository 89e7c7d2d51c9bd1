import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../shared/contract';
import type {
  EvaluationForm,
  EvaluationResult,
  RecheckPlan,
  RecheckRow,
  SampleReport,
} from '../../shared/contract/review';
import { scoreEvaluation } from '../../shared/domain/evaluation';
import { chinaDate, formatDateTime, formatDuration } from '../app/format';
import { useLatest } from '../app/latest';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';
import { HOLDING, ResultDetail } from '../components/ResultDetail';

const REVIEWING = ['reviewer', 'compliance', 'admin'];
const MANAGING = ['compliance', 'admin'];
const thisMonth = () => chinaDate(new Date().toISOString()).slice(0, 7);

/** Plans per branch and sampling a period: compliance and administrators. */
function Sampling() {
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [plans, setPlans] = useState<RecheckPlan[]>([]);
  const [draft, setDraft] = useState({ branchId: '', share: '10', period: 'month' as RecheckPlan['period'] });
  const [periodKey, setPeriodKey] = useState(thisMonth());
  const [report, setReport] = useState<SampleReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    () =>
      call(seat, 'review.plans', {}).then(
        (r) => setPlans(r.items),
        (e: unknown) => setError(errorText(e)),
      ),
    [seat, errorText],
  );
  useEffect(() => void load(), [load]);

  return (
    <details className="sampling pad">
      <summary>{t('recheck.sampling')}</summary>
      <ErrorLine text={error} />
      <table className="compact">
        <thead>
          <tr>
            <th scope="col">{t('review.branch')}</th>
            <th scope="col">{t('recheck.share')}</th>
            <th scope="col">{t('recheck.period')}</th>
          </tr>
        </thead>
        <tbody>
          {plans.map((p) => (
            <tr key={p.branchId}>
              <td>{p.branchId}</td>
              <td className="num">{Math.round(p.share * 1000) / 10}%</td>
              <td>{t(`recheck.periods.${p.period}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          call(seat, 'review.setPlan', {
            branchId: draft.branchId.trim(),
            share: Number(draft.share) / 100,
            period: draft.period,
          }).then(load, (err: unknown) => setError(errorText(err)));
        }}
      >
        <label>
          {t('review.branch')}
          <input
            value={draft.branchId}
            onChange={(e) => setDraft({ ...draft, branchId: e.target.value })}
            required
          />
        </label>
        <label>
          {t('recheck.share')} %
          <input
            type="number"
            min="1"
            max="100"
            value={draft.share}
            onChange={(e) => setDraft({ ...draft, share: e.target.value })}
          />
        </label>
        <label>
          {t('recheck.period')}
          <select
            value={draft.period}
            onChange={(e) => setDraft({ ...draft, period: e.target.value as RecheckPlan['period'] })}
          >
            <option value="month">{t('recheck.periods.month')}</option>
            <option value="quarter">{t('recheck.periods.quarter')}</option>
          </select>
        </label>
        <button type="submit">{t('recheck.savePlan')}</button>
      </form>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          call(seat, 'review.sample', { periodKey: periodKey.trim() }).then(setReport, (err: unknown) =>
            setError(errorText(err)),
          );
        }}
      >
        <label>
          {t('recheck.periodKey')}
          <input
            value={periodKey}
            onChange={(e) => setPeriodKey(e.target.value)}
            placeholder="2026-11 / 2026-Q4"
          />
        </label>
        <button type="submit" className="primary">
          {t('recheck.sample')}
        </button>
        {report && (
          <span role="status" className="muted">
            {report.branches.length === 0
              ? t('recheck.noPlan')
              : report.branches
                  .map((b) =>
                    t('recheck.sampled', {
                      branch: b.branchId,
                      added: b.added,
                      total: b.total,
                      of: b.candidates,
                    }),
                  )
                  .join('；')}
          </span>
        )}
      </form>
    </details>
  );
}

/** The evaluation form for one sampled callback, with the score as it will be decided. */
function Evaluation({
  recheck,
  form,
  position,
  onDone,
}: {
  recheck: RecheckRow;
  form: EvaluationForm;
  position: { current: number };
  onDone: (verdict: EvaluationResult) => void;
}) {
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [marks, setMarks] = useState<Record<string, { passed: boolean | null; comment: string }>>(() =>
    Object.fromEntries(form.criteria.map((c) => [c.id, { passed: null, comment: '' }])),
  );
  const [comments, setComments] = useState<{ atMs: number; text: string }[]>([]);
  const [note, setNote] = useState('');
  const [summary, setSummary] = useState('');
  const [followUp, setFollowUp] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const judged = form.criteria.every((c) => marks[c.id]?.passed !== null);
  const items = form.criteria.map((c) => ({ criterionId: c.id, passed: marks[c.id]?.passed === true }));
  const scored = judged ? scoreEvaluation(form, items) : null;

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      onDone(
        await call(seat, 'review.evaluate', {
          recheckId: recheck.id,
          formId: form.id,
          formVersion: form.version,
          items: form.criteria.map((c) => ({
            criterionId: c.id,
            passed: marks[c.id]?.passed === true,
            comment: marks[c.id]?.comment ?? '',
          })),
          comments,
          summary,
          followUp: scored?.ok === true && !scored.passed && followUp,
        }),
      );
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="evaluation pad"
      aria-label={form.title}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>
        {form.title} <span className="muted">v{form.version}</span>
      </h3>
      <table className="compact">
        <tbody>
          {form.criteria.map((c) => (
            <tr key={c.id}>
              <th scope="row">
                {c.label}{' '}
                {c.critical && <span className="tag marker-tag-disclosure">{t('recheck.critical')}</span>}
                <span className="muted"> · {c.weight}</span>
              </th>
              <td>
                <fieldset className="segmented" aria-label={c.label}>
                  {[true, false].map((v) => (
                    <label key={String(v)}>
                      <input
                        type="radio"
                        name={`c-${c.id}`}
                        checked={marks[c.id]?.passed === v}
                        onChange={() =>
                          setMarks({ ...marks, [c.id]: { comment: marks[c.id]?.comment ?? '', passed: v } })
                        }
                      />
                      {v ? t('recheck.met') : t('recheck.notMet')}
                    </label>
                  ))}
                </fieldset>
              </td>
              <td>
                <input
                  aria-label={t('recheck.itemComment', { item: c.label })}
                  value={marks[c.id]?.comment ?? ''}
                  maxLength={500}
                  onChange={(e) =>
                    setMarks({
                      ...marks,
                      [c.id]: { passed: marks[c.id]?.passed ?? null, comment: e.target.value },
                    })
                  }
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="inline-form">
        <label>
          {t('recheck.commentAt')}
          <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
        </label>
        <button
          type="button"
          disabled={!note.trim()}
          onClick={() => {
            setComments(
              [...comments, { atMs: Math.round(position.current), text: note.trim() }].sort(
                (a, b) => a.atMs - b.atMs,
              ),
            );
            setNote('');
          }}
        >
          {t('recheck.addComment')}
        </button>
      </div>
      {comments.length > 0 && (
        <ul className="comments">
          {comments.map((c) => (
            <li key={`${c.atMs}-${c.text}`}>
              <span className="mono">{formatDuration(c.atMs)}</span> {c.text}
            </li>
          ))}
        </ul>
      )}
      <label className="block">
        {t('recheck.summary')}
        <textarea value={summary} maxLength={2000} rows={2} onChange={(e) => setSummary(e.target.value)} />
      </label>
      <p className="score" aria-live="polite">
        {scored?.ok
          ? t(scored.passed ? 'recheck.willPass' : 'recheck.willFail', { score: scored.score })
          : t('recheck.judgeAll')}
      </p>
      {scored?.ok && !scored.passed && (
        <label className="check">
          <input type="checkbox" checked={followUp} onChange={(e) => setFollowUp(e.target.checked)} />
          {t('recheck.followUp')}
        </label>
      )}
      <ErrorLine text={error} />
      <button type="submit" className="primary" disabled={!judged || busy}>
        {t('recheck.submit')}
      </button>
    </form>
  );
}

/**
 * Company-level re-check (公司级回访检查): the sampled callbacks dealt to this reviewer (never their own), each
 * listened to and scored on the evaluation form; compliance and administrators set the plans and sample.
 */
export function Recheck({ session }: { session: SessionInfo }) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const canEvaluate = REVIEWING.includes(session.role);
  const [status, setStatus] = useState<'open' | 'passed' | 'failed' | ''>('open');
  const [mine, setMine] = useState(session.role === 'reviewer');
  const [rows, setRows] = useState<RecheckRow[] | null>(null);
  const [open, setOpen] = useState<RecheckRow | null>(null);
  const [form, setForm] = useState<EvaluationForm | null>(null);
  const [verdict, setVerdict] = useState<EvaluationResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const position = useRef(0);

  const latest = useLatest();
  const load = useCallback(() => {
    latest(
      call(seat, 'review.rechecks', {
        ...(status ? { status } : {}),
        ...(mine ? { mine: 'true' as const } : {}),
      }),
      (r) => setRows(r.items),
      (e) => setError(errorText(e)),
    );
  }, [seat, status, mine, errorText, latest]);
  useEffect(load, [load]);
  useEffect(() => {
    call(seat, 'review.recheckForm', {}).then(setForm, (e: unknown) => setError(errorText(e)));
  }, [seat, errorText]);

  return (
    <main className="console review">
      <section aria-labelledby="recheck-title" className="review-search">
        <div className="panel-head">
          <h1 id="recheck-title" className="screen-title">
            {t('recheck.title')}
          </h1>
          <span className="muted">{t('recheck.hint')}</span>
        </div>
        {MANAGING.includes(session.role) && <Sampling />}
        <div className="review-filters">
          <label>
            {t('recheck.status')}
            <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
              <option value="open">{t('recheck.statuses.open')}</option>
              <option value="passed">{t('recheck.statuses.passed')}</option>
              <option value="failed">{t('recheck.statuses.failed')}</option>
              <option value="">{t('review.any')}</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} />
            {t('recheck.mine')}
          </label>
        </div>
        <ErrorLine text={error} />
        <div className="review-results">
          <table aria-label={t('recheck.list')}>
            <thead>
              <tr>
                <th scope="col">{t('review.time')}</th>
                <th scope="col">{t('recheck.period')}</th>
                <th scope="col">{t('review.branch')}</th>
                <th scope="col">{t('review.agent')}</th>
                <th scope="col">{t('review.customer')}</th>
                <th scope="col">{t('recheck.status')}</th>
                <th scope="col">{t('recheck.score')}</th>
                <th scope="col">{t('recheck.reviewer')}</th>
              </tr>
            </thead>
            <tbody>
              {(rows ?? []).map((r) => (
                <tr key={r.id} aria-selected={open?.id === r.id}>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        setVerdict(null);
                        setOpen(r);
                      }}
                    >
                      {formatDateTime(r.createdAt, i18n.language)}
                    </button>
                  </td>
                  <td>{r.periodKey}</td>
                  <td>{r.branchId}</td>
                  <td>{r.agentName}</td>
                  <td>
                    {r.customerName} <span className="muted mono">{r.idNumberMasked}</span>
                  </td>
                  <td>
                    <span className={`tag recheck-${r.status}`}>{t(`recheck.statuses.${r.status}`)}</span>
                  </td>
                  <td className="num">{r.score ?? ''}</td>
                  <td>{r.assignedName}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows?.length === 0 && <p className="muted pad">{t('recheck.none')}</p>}
        </div>
      </section>
      <section aria-labelledby="recheck-detail-title" className="review-detail">
        <div className="panel-head">
          <h2 id="recheck-detail-title">{t('recheck.detail')}</h2>
        </div>
        {!open && <p className="muted pad">{t('recheck.pick')}</p>}
        {open && (
          <ResultDetail
            key={open.id}
            resultId={open.resultId}
            position={position}
            canHold={HOLDING.includes(session.role)}
          >
            {() =>
              verdict ? (
                <p className={`verdict pad ${verdict.passed ? 'ok' : 'bad'}`} role="status">
                  {t(verdict.passed ? 'recheck.passed' : 'recheck.failed', { score: verdict.score })}
                  {verdict.followUpTaskId && ` ${t('recheck.followUpMade')}`}
                </p>
              ) : open.status === 'open' && canEvaluate && form ? (
                <Evaluation
                  recheck={open}
                  form={form}
                  position={position}
                  onDone={(v) => {
                    setVerdict(v);
                    load();
                  }}
                />
              ) : null
            }
          </ResultDetail>
        )}
      </section>
    </main>
  );
}
