import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodArgs, SessionInfo } from '../../shared/contract';
import type { ReviewPlayback, ReviewResult } from '../../shared/contract/review';
import type { PersonaSummary, TrainingCall } from '../../shared/contract/training';
import { formatDateTime, formatDuration, formatShort } from '../app/format';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';
import { ReviewPlayer } from '../components/ReviewPlayer';

type TrainingArgs = MethodArgs<'review.training'>;
type Completeness = NonNullable<TrainingCall['completeness']>;

interface Filters {
  agentCode: string;
  branchId: string;
}

function query(f: Filters, before?: string): TrainingArgs {
  const q: TrainingArgs = { limit: 50 };
  if (f.agentCode.trim()) q.agentCode = f.agentCode.trim();
  if (f.branchId.trim()) q.branchId = f.branchId.trim();
  if (before) q.before = before;
  return q;
}

/** The findings the trainee left out (the persona gave cause) and those raised without cause. */
function findingsGap(c: Completeness): { missed: string[]; extra: string[] } {
  const raised = new Set(c.findingsRaised);
  const expected = new Set(c.findingsExpected);
  return {
    missed: c.findingsExpected.filter((s) => !raised.has(s)),
    extra: c.findingsRaised.filter((s) => !expected.has(s)),
  };
}

/** A persona's name in the console's language, from the seat's personas; its id when the seat has none. */
type PersonaName = (id: string) => string;

/**
 * The training view (演练记录): a trainee's practice calls on the training line, never evidence (head office
 * keeps them out of reports and re-checks), with how complete the script was, so a supervisor can coach before
 * the trainee works real customers. A row opens the call in the review player, markers and all. Keys in the
 * list: ↑/↓ (Home/End) move between calls, Enter opens one.
 */
export function Training({ session }: { session: SessionInfo }) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [filters, setFilters] = useState<Filters>({ agentCode: '', branchId: '' });
  const [rows, setRows] = useState<TrainingCall[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [personas, setPersonas] = useState<PersonaSummary[]>([]);
  const [searched, setSearched] = useState<Filters>(filters);
  const table = useRef<HTMLTableElement>(null);

  const en = i18n.language.startsWith('en');
  const personaName: PersonaName = (id) => {
    const p = personas.find((x) => x.id === id);
    return p ? (en && p.en ? p.en.name : p.name) : id;
  };

  const search = useCallback(
    async (f: Filters, before?: string) => {
      setBusy(true);
      setError(null);
      try {
        const page = await call(seat, 'review.training', query(f, before));
        setRows((r) => (before && r ? [...r, ...page.items] : page.items));
        setNext(page.next);
        setSearched(f);
      } catch (e) {
        setError(errorText(e));
      } finally {
        setBusy(false);
      }
    },
    [seat, errorText],
  );

  // The newest practice calls at once; the personas' names as the seat has them (ids if it cannot say).
  useEffect(() => {
    void search({ agentCode: '', branchId: '' });
    void call(seat, 'training.personas', {}).then(
      (info) => setPersonas(info.personas),
      () => setPersonas([]),
    );
  }, [seat, search]);

  function onKeyDown(e: React.KeyboardEvent) {
    const buttons = [...(table.current?.querySelectorAll<HTMLButtonElement>('tbody button.row-open') ?? [])];
    if (buttons.length === 0) return;
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const to =
      e.key === 'ArrowDown'
        ? Math.min(buttons.length - 1, at + 1)
        : e.key === 'ArrowUp'
          ? Math.max(0, at - 1)
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? buttons.length - 1
              : null;
    if (to === null) return;
    e.preventDefault();
    buttons[to]?.focus();
  }

  const open = rows?.find((r) => r.attemptId === openId) ?? null;
  const filtered = Boolean(searched.agentCode.trim() || searched.branchId.trim());

  return (
    <main className="console review training">
      <section aria-labelledby="training-title" className="review-search">
        <div className="panel-head">
          <h1 id="training-title" className="screen-title">
            {t('trainingView.title')}
          </h1>
          <span className="muted">{session.branchId ?? t('review.allBranches')}</span>
        </div>
        <p className="hint training-note">{t('trainingView.note')}</p>
        <form
          className="review-filters"
          onSubmit={(e) => {
            e.preventDefault();
            void search(filters);
          }}
        >
          <label>
            {t('trainingView.agentCode')}
            <input
              className="short"
              value={filters.agentCode}
              onChange={(e) => setFilters((f) => ({ ...f, agentCode: e.target.value }))}
              autoComplete="off"
            />
          </label>
          {session.branchId === null && (
            <label>
              {t('review.branch')}
              <input
                className="short"
                value={filters.branchId}
                onChange={(e) => setFilters((f) => ({ ...f, branchId: e.target.value }))}
                autoComplete="off"
              />
            </label>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {t('review.search')}
          </button>
        </form>
        <ErrorLine text={error} />
        <div className="review-results">
          <table ref={table} aria-label={t('trainingView.list')} onKeyDown={onKeyDown}>
            <thead>
              <tr>
                <th scope="col">{t('review.time')}</th>
                <th scope="col">{t('trainingView.trainee')}</th>
                <th scope="col">{t('trainingView.persona')}</th>
                <th scope="col">{t('trainingView.call')}</th>
                <th scope="col">{t('trainingView.result')}</th>
                <th scope="col" className="num">
                  {t('trainingView.colSteps')}
                </th>
                <th scope="col" className="num">
                  {t('trainingView.colDisclosures')}
                </th>
                <th scope="col">{t('trainingView.findings')}</th>
                <th scope="col" className="num">
                  {t('trainingView.duration')}
                </th>
              </tr>
            </thead>
            <tbody>
              {(rows ?? []).map((r) => {
                const c = r.completeness;
                return (
                  <tr key={r.attemptId} aria-selected={openId === r.attemptId}>
                    <td>
                      <button
                        type="button"
                        className="link row-open"
                        title={formatDateTime(r.startedAt, i18n.language)}
                        onClick={() => setOpenId(r.attemptId)}
                      >
                        {formatShort(r.startedAt, i18n.language)}
                      </button>
                    </td>
                    <td>
                      {r.agentName ?? ''}{' '}
                      <span className="muted mono">{r.agentCode ?? r.agentId.slice(0, 8)}</span>
                    </td>
                    <td className="persona-cell" title={personaName(r.personaId)}>
                      {personaName(r.personaId)}
                    </td>
                    <td>{t(`attemptOutcome.${r.attemptOutcome}`)}</td>
                    <td>
                      {r.resultOutcome ? (
                        t(`resultOutcome.${r.resultOutcome}`)
                      ) : (
                        <span className="muted">{t('trainingView.noResult')}</span>
                      )}
                    </td>
                    <td className="num mono">{c ? `${c.stepsDone}/${c.stepsTotal}` : '—'}</td>
                    <td className="num mono">
                      {c ? `${c.disclosuresConfirmed}/${c.disclosuresTotal}` : '—'}
                    </td>
                    <td>{c ? <FindingsVerdict c={c} correct={r.findingsCorrect} /> : '—'}</td>
                    <td className="num mono">{formatDuration(r.durationMs)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows?.length === 0 && (
            <p className="empty">{filtered ? t('trainingView.noneFiltered') : t('trainingView.empty')}</p>
          )}
          {next && (
            <button type="button" onClick={() => void search(searched, next)} disabled={busy}>
              {t('review.more')}
            </button>
          )}
        </div>
        {rows && rows.length > 0 && <p className="hint">{t('trainingView.keys')}</p>}
      </section>
      <section aria-labelledby="training-detail-title" className="review-detail">
        <div className="panel-head">
          <h2 id="training-detail-title">{t('trainingView.detail')}</h2>
        </div>
        {open ? (
          <TrainingDetail key={open.attemptId} row={open} personaName={personaName} />
        ) : (
          <p className="muted pad">{t('trainingView.pick')}</p>
        )}
      </section>
    </main>
  );
}

/** Raised against expected, and whether they match: ✓ 发现正确, or ✗ with what was missed or raised without cause. */
function FindingsVerdict({ c, correct }: { c: Completeness; correct: boolean | null }) {
  const { t } = useTranslation();
  const { missed, extra } = findingsGap(c);
  const ok = correct ?? (missed.length === 0 && extra.length === 0);
  return (
    <span className="findings-verdict">
      <span className="mono">
        {c.findingsRaised.length}/{c.findingsExpected.length}
      </span>{' '}
      {ok ? (
        <span className="ok">✓ {t('trainingView.correct')}</span>
      ) : (
        <span className="bad">
          ✗{missed.length > 0 && ` ${t('trainingView.missed', { count: missed.length })}`}
          {extra.length > 0 && ` ${t('trainingView.extra', { count: extra.length })}`}
        </span>
      )}
    </span>
  );
}

/**
 * One practice call: its completeness step by step (which findings were due, which raised), then its recording
 * in the review player with a marker at every answer, to play from.
 */
function TrainingDetail({ row, personaName }: { row: TrainingCall; personaName: PersonaName }) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [detail, setDetail] = useState<ReviewResult | null>(null);
  const [playback, setPlayback] = useState<ReviewPlayback | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      let recordingId = row.recordingId;
      if (row.resultId) {
        const opened = await call(seat, 'review.result', { resultId: row.resultId });
        if (!live) return;
        setDetail(opened);
        const rec = opened.recording;
        recordingId = rec?.storedAt && !rec.retention.purgedAt ? rec.id : null;
      }
      if (recordingId) {
        const grant = await call(seat, 'review.playback', { recordingId });
        if (live) setPlayback(grant);
      }
    })()
      .catch((e: unknown) => live && setError(errorText(e)))
      .finally(() => live && setLoaded(true));
    return () => {
      live = false;
    };
  }, [seat, row.resultId, row.recordingId, errorText]);

  const language = i18n.language.startsWith('en') ? 'en' : 'zh';
  const stepLabel = (stepId: string) => {
    const label = detail?.markers.find((m) => m.stepId === stepId)?.label;
    return label ? label[language] : stepId;
  };
  const c = row.completeness;
  const gap = c ? findingsGap(c) : null;
  const raised = new Set(c?.findingsRaised ?? []);

  return (
    <div className="result-detail training-detail">
      <ErrorLine text={error} />
      <p className="pad">
        <strong>{personaName(row.personaId)}</strong>{' '}
        <span className="muted">
          · {row.agentName ?? ''} {row.agentCode ?? ''} · {formatDateTime(row.startedAt, i18n.language)} ·{' '}
          {t(`attemptOutcome.${row.attemptOutcome}`)}
          {row.resultOutcome && ` · ${t(`resultOutcome.${row.resultOutcome}`)}`}
        </span>
      </p>
      {c ? (
        <section className="pad" aria-label={t('trainingView.completeness')}>
          <dl className="completeness">
            <dt>{t('trainingView.steps')}</dt>
            <dd className="mono">{t('trainingView.done', { done: c.stepsDone, total: c.stepsTotal })}</dd>
            <dt>{t('trainingView.disclosures')}</dt>
            <dd className="mono">
              {t('trainingView.confirmed', { done: c.disclosuresConfirmed, total: c.disclosuresTotal })}
            </dd>
            <dt>{t('trainingView.findings')}</dt>
            <dd>
              <FindingsVerdict c={c} correct={row.findingsCorrect} />
            </dd>
          </dl>
          {(c.findingsExpected.length > 0 || (gap?.extra.length ?? 0) > 0) && (
            <ul className="finding-steps">
              {c.findingsExpected.map((s) => (
                <li key={`e-${s}`} className={raised.has(s) ? 'ok' : 'bad'}>
                  {raised.has(s) ? `✓ ${t('trainingView.raisedAt')}` : `✗ ${t('trainingView.missedAt')}`}：
                  {stepLabel(s)}
                </li>
              ))}
              {gap?.extra.map((s) => (
                <li key={`x-${s}`} className="bad">
                  ✗ {t('trainingView.extraAt')}：{stepLabel(s)}
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : (
        <p className="muted pad">{t('trainingView.noCompleteness')}</p>
      )}
      {playback && (
        <ReviewPlayer
          playback={playback}
          markers={detail?.markers ?? []}
          renew={async () => {
            const id = detail?.recording?.id ?? row.recordingId;
            return id ? (await call(seat, 'review.playback', { recordingId: id })).url : null;
          }}
        />
      )}
      {loaded && !playback && !error && (
        <p className="muted pad">
          {detail?.recording && !detail.recording.storedAt
            ? t('trainingView.notUploaded')
            : t('trainingView.noRecording')}
        </p>
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
