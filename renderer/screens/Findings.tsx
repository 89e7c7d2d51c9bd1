import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../shared/contract';
import type { FindingRow } from '../../shared/contract/review';
import { formatDateTime, formatDuration } from '../app/format';
import { useLatest } from '../app/latest';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';
import { HOLDING, ResultDetail } from '../components/ResultDetail';

type Staff = { id: string; code: string; name: string; role: string };

/** One finding's next step: give it to someone, or resolve it with a note. */
function Act({ finding, staff, onDone }: { finding: FindingRow; staff: Staff[]; onDone: () => void }) {
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [assignee, setAssignee] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const act = (args: Parameters<typeof call<'review.findingAct'>>[2]) =>
    call(seat, 'review.findingAct', args).then(onDone, (e: unknown) => setError(errorText(e)));
  return (
    <div className="finding-act">
      <select
        aria-label={t('findings.assignTo')}
        value={assignee}
        onChange={(e) => setAssignee(e.target.value)}
      >
        <option value="">{t('findings.assignTo')}</option>
        {staff.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}（{s.code}）
          </option>
        ))}
      </select>
      <button
        type="button"
        className="small"
        disabled={!assignee}
        onClick={() => void act({ findingId: finding.id, action: 'assign', assigneeId: assignee })}
      >
        {t('findings.assign')}
      </button>
      <input
        aria-label={t('findings.note')}
        placeholder={t('findings.note')}
        value={note}
        maxLength={1000}
        onChange={(e) => setNote(e.target.value)}
      />
      <button
        type="button"
        className="small"
        onClick={() => void act({ findingId: finding.id, action: 'resolve', note })}
      >
        {t('findings.resolve')}
      </button>
      <ErrorLine text={error} />
    </div>
  );
}

/**
 * Findings for compliance: misconduct an answer revealed (promised returns, met outside the premises, …),
 * linked to the salesperson, branch, result and moment of the recording; assigned and resolved with a note.
 */
export function Findings({ session }: { session: SessionInfo }) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [status, setStatus] = useState<'open' | 'assigned' | 'resolved' | ''>('open');
  const [branchId, setBranchId] = useState('');
  const [rows, setRows] = useState<FindingRow[] | null>(null);
  const [staff, setStaff] = useState<Staff[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [listening, setListening] = useState<FindingRow | null>(null);
  const canAct = ['supervisor', 'compliance', 'admin'].includes(session.role);

  const latest = useLatest();
  const load = useCallback(() => {
    latest(
      call(seat, 'review.findings', {
        ...(status ? { status } : {}),
        ...(branchId.trim() ? { branchId: branchId.trim() } : {}),
      }),
      (r) => setRows(r.items),
      (e) => setError(errorText(e)),
    );
  }, [seat, status, branchId, errorText, latest]);
  useEffect(load, [load]);
  useEffect(() => {
    if (canAct)
      call(seat, 'review.staff', {}).then(
        (r) => setStaff(r.items),
        () => setStaff([]),
      );
  }, [seat, canAct]);

  return (
    <main className={listening ? 'console review' : 'console single'}>
      <section aria-labelledby="findings-title" className="review-search">
        <div className="panel-head">
          <h1 id="findings-title" className="screen-title">
            {t('findings.title')}
          </h1>
          <span className="muted">{session.branchId ?? t('review.allBranches')}</span>
        </div>
        <div className="review-filters">
          <label>
            {t('findings.status')}
            <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
              <option value="open">{t('findings.statuses.open')}</option>
              <option value="assigned">{t('findings.statuses.assigned')}</option>
              <option value="resolved">{t('findings.statuses.resolved')}</option>
              <option value="">{t('review.any')}</option>
            </select>
          </label>
          {session.branchId === null && (
            <label>
              {t('review.branch')}
              <input value={branchId} onChange={(e) => setBranchId(e.target.value)} />
            </label>
          )}
        </div>
        <ErrorLine text={error} />
        <div className="review-results">
          <table aria-label={t('findings.list')}>
            <thead>
              <tr>
                <th scope="col">{t('review.time')}</th>
                <th scope="col">{t('review.branch')}</th>
                <th scope="col">{t('findings.salesperson')}</th>
                <th scope="col">{t('review.customer')}</th>
                <th scope="col">{t('findings.what')}</th>
                <th scope="col">{t('findings.at')}</th>
                <th scope="col">{t('findings.status')}</th>
                {canAct && <th scope="col">{t('findings.next')}</th>}
              </tr>
            </thead>
            <tbody>
              {(rows ?? []).map((f) => (
                <tr key={f.id}>
                  <td>{formatDateTime(f.createdAt, i18n.language)}</td>
                  <td>{f.branchId}</td>
                  <td>{f.salespersonName ?? f.salespersonId ?? '—'}</td>
                  <td>
                    {f.customerName} <span className="muted mono">{f.idNumberMasked}</span>
                  </td>
                  <td>
                    <span className={`tag severity-${f.severity}`}>
                      {t(`findings.severity.${f.severity}`)}
                    </span>{' '}
                    {f.textZh}
                  </td>
                  <td>
                    {f.recordingId && f.offsetMs !== null ? (
                      <button
                        type="button"
                        className="link mono"
                        aria-label={t('findings.listen', { at: formatDuration(f.offsetMs) })}
                        onClick={() => setListening(f)}
                      >
                        ▶ {formatDuration(f.offsetMs)}
                      </button>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {t(`findings.statuses.${f.status}`)}
                    {f.assigneeName && <span className="muted"> · {f.assigneeName}</span>}
                    {f.status === 'resolved' && f.note && <div className="muted">{f.note}</div>}
                  </td>
                  {canAct && (
                    <td>{f.status !== 'resolved' && <Act finding={f} staff={staff} onDone={load} />}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {rows?.length === 0 && <p className="muted pad">{t('findings.none')}</p>}
        </div>
      </section>
      {listening && (
        <section aria-labelledby="finding-detail-title" className="review-detail">
          <div className="panel-head">
            <h2 id="finding-detail-title">{t('findings.recording')}</h2>
            <span className="muted">{listening.textZh}</span>
            <span className="spacer" />
            <button type="button" className="small" onClick={() => setListening(null)}>
              {t('findings.close')}
            </button>
          </div>
          <ResultDetail
            key={listening.id}
            resultId={listening.resultId}
            startAtMs={listening.offsetMs ?? undefined}
            canHold={HOLDING.includes(session.role)}
          />
        </section>
      )}
    </main>
  );
}
