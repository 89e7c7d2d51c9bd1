import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../shared/contract';
import type { Report, SavedFile } from '../../shared/contract/review';
import { chinaDate, chinaDayStart } from '../app/format';
import { useLatest } from '../app/latest';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';

type Section = 'coverage' | 'findingsByBranch' | 'findingsBySalesperson' | 'rechecks';

/** Today and the first of its month, as dates of China time. */
function defaultRange() {
  const today = chinaDate(new Date().toISOString());
  return { from: `${today.slice(0, 8)}01`, to: today };
}
const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/** A bar of parts (on time, late, missed, not yet due), each as wide as its share, labelled for screen readers. */
function StackedBar({ parts, label }: { parts: { value: number; className: string }[]; label: string }) {
  const total = parts.reduce((n, p) => n + p.value, 0);
  return (
    <div className="bar" role="img" aria-label={label}>
      {parts.map((p) =>
        p.value > 0 ? (
          <span
            key={p.className}
            className={`bar-part ${p.className}`}
            style={{ width: `${(p.value / total) * 100}%` }}
          />
        ) : null,
      )}
    </div>
  );
}

/**
 * What branch managers and head office read for a period: coverage against the 100% requirements per branch
 * and callback type (on time, late, missed), unreachable customers, findings by branch and salesperson, and
 * re-check scores; exported as CSV (a section) or Excel (all of it) to this computer.
 */
export function Reports({ session }: { session: SessionInfo }) {
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [range, setRange] = useState(defaultRange);
  const [branchId, setBranchId] = useState('');
  const [report, setReport] = useState<Report | null>(null);
  const [saved, setSaved] = useState<SavedFile | null>(null);
  const [error, setError] = useState<string | null>(null);

  /** The form as a query. */
  const asked = () => ({
    from: chinaDayStart(range.from),
    to: chinaDayStart(range.to, 1),
    ...(branchId.trim() ? { branchId: branchId.trim() } : {}),
  });
  // The report on screen is the one asked for last (on opening, then on 查询); editing the form does not reload.
  const [shown, setShown] = useState(asked);
  const latest = useLatest();
  useEffect(() => {
    setError(null);
    latest(call(seat, 'review.report', shown), setReport, (e) => setError(errorText(e)));
  }, [seat, shown, errorText, latest]);

  const exportAs = (format: 'csv' | 'xlsx', section: Section = 'coverage') => {
    setSaved(null);
    call(seat, 'review.export', { ...shown, format, section }).then(setSaved, (e: unknown) =>
      setError(errorText(e)),
    );
  };
  const exportCsv = (section: Section) => (
    <button type="button" className="small" onClick={() => exportAs('csv', section)}>
      {t('reports.csv')}
    </button>
  );

  const type = (code: string) => t(`callbackType.${code}`);
  const totals = report?.coverage.reduce(
    (s, c) => ({
      required: s.required + c.required,
      completed: s.completed + c.completed,
      missed: s.missed + c.missed,
    }),
    { required: 0, completed: 0, missed: 0 },
  );
  const maxFindings = Math.max(1, ...(report?.findingsByBranch.map((f) => f.total) ?? []));

  return (
    <main className="console single reports">
      <section aria-labelledby="reports-title">
        <div className="panel-head">
          <h1 id="reports-title" className="screen-title">
            {t('reports.title')}
          </h1>
          <span className="muted">{session.branchId ?? t('review.allBranches')}</span>
        </div>
        <form
          className="review-filters"
          onSubmit={(e) => {
            e.preventDefault();
            setShown(asked());
          }}
        >
          <label>
            {t('review.from')}
            <input
              type="date"
              value={range.from}
              onChange={(e) => setRange({ ...range, from: e.target.value })}
            />
          </label>
          <label>
            {t('review.to')}
            <input
              type="date"
              value={range.to}
              onChange={(e) => setRange({ ...range, to: e.target.value })}
            />
          </label>
          {session.branchId === null && (
            <label>
              {t('review.branch')}
              <input
                value={branchId}
                onChange={(e) => setBranchId(e.target.value)}
                placeholder={t('review.any')}
              />
            </label>
          )}
          <button type="submit" className="primary">
            {t('review.search')}
          </button>
          <button type="button" onClick={() => exportAs('xlsx')}>
            {t('reports.xlsx')}
          </button>
        </form>
        <ErrorLine text={error} />
        {saved && (
          <p className="verified pad" role="status">
            {t('reports.saved', { path: saved.path })}
          </p>
        )}
        {report && totals && (
          <div className="report-body">
            <p className="kpis pad">
              <span>
                {t('reports.required')} <b>{totals.required}</b>
              </span>
              <span>
                {t('reports.coverage')} <b>{pct(totals.completed, totals.required)}%</b>
              </span>
              <span className={totals.missed > 0 ? 'bad' : ''}>
                {t('reports.missed')} <b>{totals.missed}</b>
              </span>
            </p>

            <h3 className="pad">
              {t('reports.coverageTitle')} {exportCsv('coverage')}
            </h3>
            <table className="compact report-table" aria-label={t('reports.coverageTitle')}>
              <thead>
                <tr>
                  <th scope="col">{t('review.branch')}</th>
                  <th scope="col">{t('review.type')}</th>
                  <th scope="col">{t('reports.required')}</th>
                  <th scope="col">{t('reports.completed')}</th>
                  <th scope="col">{t('reports.coverage')}</th>
                  <th scope="col">{t('reports.onTime')}</th>
                  <th scope="col">{t('reports.late')}</th>
                  <th scope="col">{t('reports.missed')}</th>
                  <th scope="col">{t('reports.unreachable')}</th>
                  <th scope="col" className="chart-col">
                    <span className="legend">
                      <span className="swatch on-time" /> {t('reports.onTime')}
                      <span className="swatch late" /> {t('reports.late')}
                      <span className="swatch missed" /> {t('reports.missed')}
                      <span className="swatch pending" /> {t('reports.pending')}
                    </span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.coverage.map((c) => (
                  <tr key={`${c.branchId}-${c.type}`}>
                    <td>{c.branchId}</td>
                    <td>{type(c.type)}</td>
                    <td className="num">{c.required}</td>
                    <td className="num">{c.completed}</td>
                    <td className="num">{pct(c.completed, c.required)}%</td>
                    <td className="num">{c.onTime}</td>
                    <td className="num">{c.late}</td>
                    <td className={`num ${c.missed > 0 ? 'bad' : ''}`}>{c.missed}</td>
                    <td className="num">{c.unreachable}</td>
                    <td className="chart-col">
                      <StackedBar
                        label={t('reports.barLabel', {
                          onTime: c.onTime,
                          late: c.late,
                          missed: c.missed,
                          pending: c.required - c.completed - c.missed,
                        })}
                        parts={[
                          { value: c.onTime, className: 'on-time' },
                          { value: c.late, className: 'late' },
                          { value: c.missed, className: 'missed' },
                          { value: c.required - c.completed - c.missed, className: 'pending' },
                        ]}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {report.coverage.length === 0 && <p className="muted pad">{t('reports.empty')}</p>}

            <div className="report-columns">
              <div>
                <h3 className="pad">
                  {t('reports.findingsByBranch')} {exportCsv('findingsByBranch')}
                </h3>
                <table className="compact report-table" aria-label={t('reports.findingsByBranch')}>
                  <thead>
                    <tr>
                      <th scope="col">{t('review.branch')}</th>
                      <th scope="col">{t('findings.statuses.open')}</th>
                      <th scope="col">{t('findings.statuses.resolved')}</th>
                      <th scope="col" className="chart-col" />
                    </tr>
                  </thead>
                  <tbody>
                    {report.findingsByBranch.map((f) => (
                      <tr key={f.branchId}>
                        <td>{f.branchId}</td>
                        <td className={`num ${f.open > 0 ? 'bad' : ''}`}>{f.open}</td>
                        <td className="num">{f.resolved}</td>
                        <td className="chart-col">
                          <div className="bar-track" style={{ width: `${(f.total / maxFindings) * 100}%` }}>
                            <StackedBar
                              label={`${f.open} / ${f.total}`}
                              parts={[
                                { value: f.open, className: 'missed' },
                                { value: f.resolved, className: 'on-time' },
                              ]}
                            />
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <h3 className="pad">
                  {t('reports.findingsBySalesperson')} {exportCsv('findingsBySalesperson')}
                </h3>
                <table className="compact report-table" aria-label={t('reports.findingsBySalesperson')}>
                  <thead>
                    <tr>
                      <th scope="col">{t('findings.salesperson')}</th>
                      <th scope="col">{t('review.branch')}</th>
                      <th scope="col">{t('findings.count')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.findingsBySalesperson.map((f) => (
                      <tr key={`${f.salespersonId}-${f.branchId}`}>
                        <td>
                          {f.name ?? '—'} <span className="muted mono">{f.code ?? f.salespersonId}</span>
                        </td>
                        <td>{f.branchId}</td>
                        <td className="num">{f.total}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div>
                <h3 className="pad">
                  {t('reports.rechecks')} {exportCsv('rechecks')}
                </h3>
                <table className="compact report-table" aria-label={t('reports.rechecks')}>
                  <thead>
                    <tr>
                      <th scope="col">{t('review.branch')}</th>
                      <th scope="col">{t('reports.sampled')}</th>
                      <th scope="col">{t('reports.evaluated')}</th>
                      <th scope="col">{t('recheck.statuses.passed')}</th>
                      <th scope="col">{t('recheck.statuses.failed')}</th>
                      <th scope="col">{t('reports.average')}</th>
                      <th scope="col" className="chart-col" />
                    </tr>
                  </thead>
                  <tbody>
                    {report.rechecks.map((r) => (
                      <tr key={r.branchId}>
                        <td>{r.branchId}</td>
                        <td className="num">{r.sampled}</td>
                        <td className="num">{r.evaluated}</td>
                        <td className="num">{r.passed}</td>
                        <td className={`num ${r.failed > 0 ? 'bad' : ''}`}>{r.failed}</td>
                        <td className="num">{r.averageScore ?? '—'}</td>
                        <td className="chart-col">
                          {r.averageScore !== null && (
                            <div
                              className={`score-bar ${r.averageScore < 80 ? 'low' : ''}`}
                              style={{ width: `${r.averageScore}%` }}
                              role="img"
                              aria-label={`${r.averageScore}`}
                            />
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          </div>
        )}
      </section>
    </main>
  );
}
