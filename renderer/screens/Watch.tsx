import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../shared/contract';
import type { Watch as WatchData } from '../../shared/contract/review';
import { CLOCK_WARN_MS } from '../../shared/contract/sync';
import { formatOffset, formatShort } from '../app/format';
import { useLatest } from '../app/latest';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';

/** How often the watch reloads by itself (the seats sync every 30 s). */
const RELOAD_MS = 30_000;

/**
 * What a supervisor watches: the open tasks of each branch by how close their deadline is, every seat with
 * when head office last heard from it, what it holds and the recordings it has not sent home yet, and the
 * overdue tasks themselves. Reloads every 30 s.
 */
export function Watch({ session }: { session: SessionInfo }) {
  const { t, i18n } = useTranslation();
  const time = (iso: string) => formatShort(iso, i18n.language);
  const seat = useSeat();
  const errorText = useErrorText();
  const [branchId, setBranchId] = useState('');
  // The branch shown, with a count of asks: a new ask reloads even when the branch is the same.
  const [shown, setShown] = useState({ branch: '', asks: 0 });
  const [data, setData] = useState<WatchData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useLatest();

  useEffect(() => {
    const load = () =>
      latest(
        call(seat, 'review.watch', shown.branch ? { branchId: shown.branch } : {}),
        (w) => {
          setData(w);
          setError(null);
        },
        (e) => setError(errorText(e)),
      );
    load();
    const timer = setInterval(load, RELOAD_MS);
    return () => clearInterval(timer);
  }, [seat, errorText, latest, shown]);

  return (
    <main className="console single reports watch">
      <section aria-labelledby="watch-title">
        <div className="panel-head">
          <h1 id="watch-title" className="screen-title">
            {t('watch.title')}
          </h1>
          <span className="muted">{session.branchId ?? t('review.allBranches')}</span>
          <span className="spacer" />
          {data && <span className="muted">{t('watch.at', { time: time(data.at) })}</span>}
        </div>
        <form
          className="review-filters"
          onSubmit={(e) => {
            e.preventDefault();
            setShown({ branch: branchId.trim(), asks: shown.asks + 1 });
          }}
        >
          {session.branchId === null && (
            <label>
              {t('review.branch')}
              <input
                value={branchId}
                onChange={(e) => setBranchId(e.target.value)}
                placeholder={t('review.allBranches')}
              />
            </label>
          )}
          <button type="submit" className="primary">
            {t('watch.reload')}
          </button>
        </form>
        <ErrorLine text={error} />
        {data && data.warnings.length > 0 && (
          <ul className="notice pad-list" aria-label={t('watch.warnings')}>
            {data.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        )}
        {data && (
          <>
            <h3 className="pad">{t('watch.deadlines')}</h3>
            <table className="compact report-table" aria-label={t('watch.deadlines')}>
              <thead>
                <tr>
                  <th>{t('review.branch')}</th>
                  <th className="num">{t('watch.open')}</th>
                  <th className="num">{t('watch.overdue')}</th>
                  <th className="num">{t('watch.dueToday')}</th>
                  <th className="num">{t('watch.dueSoon')}</th>
                  <th className="num">{t('watch.unassigned')}</th>
                </tr>
              </thead>
              <tbody>
                {data.branches.map((b) => (
                  <tr key={b.branchId}>
                    <td>
                      {b.branchId} <span className="muted">{b.branchName}</span>
                    </td>
                    <td className="num">{b.open}</td>
                    <td className={`num${b.overdue > 0 ? ' bad' : ''}`}>{b.overdue}</td>
                    <td className={`num${b.dueToday > 0 ? ' warn' : ''}`}>{b.dueToday}</td>
                    <td className="num">{b.dueSoon}</td>
                    <td className="num">{b.unassigned}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.branches.length === 0 && <p className="muted pad">{t('watch.noOpen')}</p>}

            <h3 className="pad">{t('watch.agentsTitle')}</h3>
            <table className="compact report-table" aria-label={t('watch.agentsTitle')}>
              <thead>
                <tr>
                  <th>{t('watch.agent')}</th>
                  <th>{t('watch.seat')}</th>
                  <th>{t('watch.agentState')}</th>
                  <th>{t('watch.agentSince')}</th>
                  <th className="num">{t('watch.callsToday')}</th>
                  <th className="num">{t('watch.contactRate')}</th>
                </tr>
              </thead>
              <tbody>
                {data.agents.map((a) => (
                  <tr key={a.agentId} data-agent={a.agentCode ?? a.agentId} data-state={a.state}>
                    <td>
                      {a.agentName ?? '—'}
                      {a.agentCode && t('common.paren', { text: a.agentCode })}
                    </td>
                    <td>{a.seatName}</td>
                    <td>
                      {t(`agentState.${a.state}`)}
                      {a.reason && ` · ${a.reason}`}
                      {a.stale && <span className="muted"> {t('watch.agentStale')}</span>}
                    </td>
                    <td>{time(a.since)}</td>
                    <td className="num">{a.callsToday}</td>
                    <td className="num">
                      {a.callsToday === 0 ? '—' : `${Math.round((a.answeredToday / a.callsToday) * 100)}%`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.agents.length === 0 && <p className="muted pad">{t('watch.noAgents')}</p>}

            <h3 className="pad">{t('watch.seats')}</h3>
            <table className="compact report-table" aria-label={t('watch.seats')}>
              <thead>
                <tr>
                  <th>{t('watch.seat')}</th>
                  <th>{t('review.branch')}</th>
                  <th>{t('watch.state')}</th>
                  <th>{t('watch.lastSeen')}</th>
                  <th className="num">{t('watch.held')}</th>
                  <th className="num">{t('watch.overdue')}</th>
                  <th className="num">{t('watch.waiting')}</th>
                  <th>{t('watch.clock')}</th>
                  <th className="num">{t('watch.quarantined')}</th>
                </tr>
              </thead>
              <tbody>
                {data.seats.map((s) => (
                  <tr key={s.id}>
                    <td>{s.name}</td>
                    <td>{s.branchId}</td>
                    <td>
                      <span className={`conn conn-${s.online ? 'open' : 'closed'}`}>
                        {s.online ? t('watch.online') : t('watch.offline')}
                      </span>
                    </td>
                    <td>{s.lastSeenAt ? time(s.lastSeenAt) : t('watch.never')}</td>
                    <td className="num">{s.open}</td>
                    <td className={`num${s.overdue > 0 ? ' bad' : ''}`}>{s.overdue}</td>
                    <td className={`num${s.recordingsWaiting > 0 ? ' warn' : ''}`}>{s.recordingsWaiting}</td>
                    {s.clockOffsetMs !== null && Math.abs(s.clockOffsetMs) > CLOCK_WARN_MS ? (
                      <td className="bad">
                        {t('watch.clockOff', {
                          offset: `${s.clockOffsetMs > 0 ? '+' : '−'}${formatOffset(s.clockOffsetMs, i18n.language)}`,
                        })}
                      </td>
                    ) : (
                      <td className="muted">{s.clockOffsetMs === null ? '—' : t('watch.clockOk')}</td>
                    )}
                    <td className={`num${s.quarantined > 0 ? ' bad' : ''}`}>{s.quarantined}</td>
                  </tr>
                ))}
              </tbody>
            </table>

            {data.quarantine.length > 0 && (
              <>
                <h3 className="pad">{t('watch.quarantineTitle')}</h3>
                <p className="muted pad">{t('watch.quarantineHint')}</p>
                <table className="compact report-table" aria-label={t('watch.quarantineTitle')}>
                  <thead>
                    <tr>
                      <th>{t('watch.receivedAt')}</th>
                      <th>{t('watch.seat')}</th>
                      <th className="num">{t('watch.seq')}</th>
                      <th>{t('watch.kind')}</th>
                      <th>{t('watch.entity')}</th>
                      <th>{t('watch.reason')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.quarantine.map((q) => (
                      <tr key={`${q.seatId}#${q.seq}`}>
                        <td>{time(q.receivedAt)}</td>
                        <td>
                          {q.seatName} <span className="muted">{q.branchId}</span>
                        </td>
                        <td className="num">{q.seq}</td>
                        <td>{q.kind}</td>
                        <td className="mono">{q.entityId.slice(0, 13)}</td>
                        <td className="bad">
                          {q.reason} <span className="muted">({q.status})</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}

            <h3 className="pad">{t('watch.overdueTitle')}</h3>
            {data.overdue.length === 0 ? (
              <p className="muted pad">{t('watch.noneOverdue')}</p>
            ) : (
              <table className="compact report-table" aria-label={t('watch.overdueTitle')}>
                <thead>
                  <tr>
                    <th>{t('watch.deadline')}</th>
                    <th>{t('review.branch')}</th>
                    <th>{t('review.customer')}</th>
                    <th>{t('review.type')}</th>
                    <th>{t('watch.seat')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.overdue.map((o) => (
                    <tr key={o.taskId}>
                      <td className="bad">{time(o.deadlineAt)}</td>
                      <td>{o.branchId}</td>
                      <td>{o.customerName}</td>
                      <td>{o.types.map((type) => t(`callbackType.${type}`)).join('、')}</td>
                      <td>{o.seatName ?? t('watch.notOnSeat')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </section>
    </main>
  );
}
