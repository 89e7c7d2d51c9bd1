import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodArgs, SessionInfo } from '../../shared/contract';
import type { ReviewRow } from '../../shared/contract/review';

type ReviewSearch = MethodArgs<'review.search'>;

import { CALLBACK_TYPES } from '../../shared/domain/callback-types';
import { chinaDayStart, formatDateTime } from '../app/format';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';
import { HOLDING, ResultDetail } from '../components/ResultDetail';

const OUTCOMES = ['completed', 'identity_not_verified', 'refused', 'unreachable', 'retry'] as const;

interface Filters {
  customer: string;
  agentCode: string;
  salespersonId: string;
  branchId: string;
  type: string;
  outcome: string;
  from: string;
  to: string;
  findingsOnly: boolean;
}
const EMPTY: Filters = {
  customer: '',
  agentCode: '',
  salespersonId: '',
  branchId: '',
  type: '',
  outcome: '',
  from: '',
  to: '',
  findingsOnly: false,
};

/** The search as head office takes it: a customer by the full ID number (18) or mobile number (11). */
function query(f: Filters, before?: string): ReviewSearch {
  const q: ReviewSearch = { limit: 50 };
  const customer = f.customer.trim().toUpperCase();
  if (/^\d{17}[\dX]$/.test(customer)) q.idNumber = customer;
  else if (customer) q.phone = customer;
  if (f.branchId.trim()) q.branchId = f.branchId.trim();
  if (f.agentCode.trim()) q.agentCode = f.agentCode.trim();
  if (f.salespersonId.trim()) q.salespersonId = f.salespersonId.trim();
  if (f.type) q.type = f.type as ReviewSearch['type'];
  if (f.outcome) q.outcome = f.outcome as ReviewSearch['outcome'];
  if (f.from) q.from = chinaDayStart(f.from);
  if (f.to) q.to = chinaDayStart(f.to, 1);
  if (f.findingsOnly) q.findingsOnly = 'true';
  if (before) q.before = before;
  return q;
}

/**
 * The supervisor workspace: search callbacks at head office, open one, play its recording from any answer's
 * moment, download the original with its hash checked. Head office decides what this user sees and audits
 * every search, view, playback and download.
 */
export function Review({ session }: { session: SessionInfo }) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [rows, setRows] = useState<ReviewRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);

  const set = <K extends keyof Filters>(key: K, value: Filters[K]) =>
    setFilters((f) => ({ ...f, [key]: value }));

  async function search(more = false) {
    setBusy(true);
    setError(null);
    try {
      const page = await call(seat, 'review.search', query(filters, more ? (next ?? undefined) : undefined));
      setRows((r) => (more && r ? [...r, ...page.items] : page.items));
      setNext(page.next);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="console review">
      <section aria-labelledby="review-title" className="review-search">
        <div className="panel-head">
          <h1 id="review-title" className="screen-title">
            {t('review.title')}
          </h1>
          <span className="muted">{session.branchId ?? t('review.allBranches')}</span>
        </div>
        <form
          className="review-filters"
          onSubmit={(e) => {
            e.preventDefault();
            void search();
          }}
        >
          <label>
            {t('review.customer')}
            <input
              value={filters.customer}
              onChange={(e) => set('customer', e.target.value)}
              placeholder={t('review.customerHint')}
              inputMode="numeric"
              autoComplete="off"
            />
          </label>
          <label>
            {t('review.agentCode')}
            <input
              className="short"
              value={filters.agentCode}
              onChange={(e) => set('agentCode', e.target.value)}
              autoComplete="off"
            />
          </label>
          <label>
            {t('review.salesperson')}
            <input
              className="short"
              value={filters.salespersonId}
              onChange={(e) => set('salespersonId', e.target.value)}
              autoComplete="off"
            />
          </label>
          {session.branchId === null && (
            <label>
              {t('review.branch')}
              <input value={filters.branchId} onChange={(e) => set('branchId', e.target.value)} />
            </label>
          )}
          <label>
            {t('review.type')}
            <select value={filters.type} onChange={(e) => set('type', e.target.value)}>
              <option value="">{t('review.any')}</option>
              {CALLBACK_TYPES.map((c) => (
                <option key={c} value={c}>
                  {t(`callbackType.${c}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('review.outcome')}
            <select value={filters.outcome} onChange={(e) => set('outcome', e.target.value)}>
              <option value="">{t('review.any')}</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t(`resultOutcome.${o}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('review.from')}
            <input type="date" value={filters.from} onChange={(e) => set('from', e.target.value)} />
          </label>
          <label>
            {t('review.to')}
            <input type="date" value={filters.to} onChange={(e) => set('to', e.target.value)} />
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={filters.findingsOnly}
              onChange={(e) => set('findingsOnly', e.target.checked)}
            />
            {t('review.findingsOnly')}
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {t('review.search')}
          </button>
        </form>
        <ErrorLine text={error} />
        <div className="review-results">
          <table aria-label={t('review.results')}>
            <thead>
              <tr>
                <th scope="col">{t('review.time')}</th>
                <th scope="col">{t('review.branch')}</th>
                <th scope="col">{t('review.agent')}</th>
                <th scope="col">{t('review.customer')}</th>
                <th scope="col">{t('review.type')}</th>
                <th scope="col">{t('review.outcome')}</th>
                <th scope="col">{t('review.findings')}</th>
              </tr>
            </thead>
            <tbody>
              {(rows ?? []).map((r) => (
                <tr key={r.id} aria-selected={openId === r.id}>
                  <td>
                    <button type="button" className="link" onClick={() => setOpenId(r.id)}>
                      {formatDateTime(r.createdAt, i18n.language)}
                    </button>
                  </td>
                  <td>{r.branchId}</td>
                  <td>
                    {r.agentName} <span className="muted mono">{r.agentCode}</span>
                  </td>
                  <td>
                    {r.customerName} <span className="muted mono">{r.idNumberMasked}</span>
                  </td>
                  <td>
                    {r.purposes.map((p) => (
                      <span key={p} className={`tag tag-${p}`}>
                        {t(`callbackType.${p}`)}
                      </span>
                    ))}
                  </td>
                  <td>
                    {t(`resultOutcome.${r.outcome}`)}
                    {r.flag && <span className="tag">{r.flag}</span>}
                  </td>
                  <td className="num">{r.findings > 0 ? r.findings : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows?.length === 0 && <p className="muted">{t('review.none')}</p>}
          {next && (
            <button type="button" onClick={() => void search(true)} disabled={busy}>
              {t('review.more')}
            </button>
          )}
        </div>
      </section>
      <section aria-labelledby="review-detail-title" className="review-detail">
        <div className="panel-head">
          <h2 id="review-detail-title">{t('review.detail')}</h2>
        </div>
        {openId ? (
          <ResultDetail key={openId} resultId={openId} canHold={HOLDING.includes(session.role)} />
        ) : (
          <p className="muted pad">{t('review.pick')}</p>
        )}
      </section>
    </main>
  );
}
