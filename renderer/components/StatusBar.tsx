import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SeatInfo, SessionInfo, SyncStatus } from '../../shared/contract';
import { CLOCK_WARN_MS } from '../../shared/contract/sync';
import { useAgentStatus } from '../app/agent-state';
import { formatOffset } from '../app/format';
import { useLine, usePhone, useRegistration } from '../app/phone-context';
import { call, useSeat } from '../app/seat-context';
import { registrationText } from '../phone/registration';
import { AgentStateControl } from './AgentStateControl';

export type ServiceState = 'open' | 'connecting' | 'closed';

/**
 * What the agent must always see: who is logged in at which seat, and the state of each connection: the
 * seat's own service, head office sync (在线 / 同步中 / 离线 · N 条待同步 / 未配置) and the phone.
 */
export function StatusBar(props: {
  info: SeatInfo | null;
  session: SessionInfo | null;
  service: ServiceState | null;
}) {
  const { t, i18n } = useTranslation();
  const { info, session, service } = props;
  // The sync queue changes with every audited action: only the status bar re-renders for it.
  const seat = useSeat();
  const [pending, setPending] = useState(0);
  const [sync, setSync] = useState<SyncStatus | null>(null);
  useEffect(() => seat.on('outbox.changed', (o) => setPending(o.pending)), [seat]);
  useEffect(() => seat.on('sync.changed', setSync), [seat]);
  // The state when the bar appears (events only tell changes); readable once someone is logged in.
  useEffect(() => {
    if (session) void call(seat, 'sync.status', {}).then(setSync, () => {});
  }, [seat, session]);
  const syncState = sync?.state ?? 'not_configured';
  const syncClass = { online: 'open', syncing: 'connecting', offline: 'closed', not_configured: 'off' }[
    syncState
  ];
  // Those who take calls have a working state; reviewers, compliance and administrators do not.
  const agentStatus = useAgentStatus(
    session !== null && session !== undefined && (session.role === 'agent' || session.role === 'supervisor'),
  );
  const phone = usePhone();
  const registration = useRegistration(phone);
  // A refused registration says its SIP code, and a wrong password reads otherwise than a forbidden account.
  const phoneText = registrationText(registration);
  // The training line is never mistaken for the PBX: its own words and colour, not the registered green.
  const training = useLine(phone).kind === 'training';
  const phoneClass = training
    ? 'training'
    : { registered: 'open', connecting: 'connecting', failed: 'closed', not_configured: 'off' }[
        registration.state
      ];
  return (
    <footer className="status-bar">
      {session && (
        <span>
          {t('status.agent')}
          {t('common.colon')}
          {session.name}
          {t('common.paren', { text: session.agentCode })}
        </span>
      )}
      {session && agentStatus && <AgentStateControl status={agentStatus} />}
      {info && (
        <span>
          {t('status.branch')}
          {t('common.colon')}
          {info.branchName}
        </span>
      )}
      {info && (
        <span title={info.seatId}>
          {t('status.seat')}
          {t('common.colon')}
          {info.seatId.slice(0, 8)}
        </span>
      )}
      {service && (
        <span className={`conn conn-${service}`}>
          {t('status.service')}
          {t('common.colon')}
          {t(`status.${service}`)}
        </span>
      )}
      <span
        className={`conn conn-${syncClass}`}
        title={[sync?.lastError, sync?.notice].filter(Boolean).join('\n') || undefined}
      >
        {t('status.hq')}
        {t('common.colon')}
        {syncState === 'not_configured'
          ? t('status.notConfigured')
          : syncState === 'offline'
            ? t('status.syncOffline', { count: pending })
            : t(`status.sync_${syncState}`)}
      </span>
      <span className={`conn conn-${phoneClass}`}>
        {t('status.phone')}
        {t('common.colon')}
        {training
          ? t('trainingLine.status')
          : registration.state === 'not_configured'
            ? t('status.notConfigured')
            : t(phoneText.key, phoneText.values)}
      </span>
      {sync?.clockOffsetMs != null && Math.abs(sync.clockOffsetMs) > CLOCK_WARN_MS && (
        <span className="conn conn-closed" role="alert">
          {t(sync.clockOffsetMs > 0 ? 'status.clockAhead' : 'status.clockBehind', {
            offset: formatOffset(sync.clockOffsetMs, i18n.language),
          })}
        </span>
      )}
      {sync != null && sync.refused > 0 && (
        <span className="conn conn-closed">{t('status.refused', { count: sync.refused })}</span>
      )}
      <span className="spacer" />
      <span>{t('status.outbox', { count: pending })}</span>
    </footer>
  );
}
