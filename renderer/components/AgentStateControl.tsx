import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentStatus } from '../../shared/contract';
import { elapsed } from '../app/agent-state';
import { call, useErrorText, useSeat } from '../app/seat-context';

/**
 * The agent's working state in the status bar: a menu of 就绪 and 小休 with the branch's reasons (keyboard: a
 * plain select), how long the state has lasted, and during 话后处理 the time left before it ends by itself.
 * On a call the menu is locked (the seat refuses a change there too).
 */
export function AgentStateControl({ status }: { status: AgentStatus }) {
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const value = status.state === 'break' ? `break:${status.reason ?? ''}` : status.state;
  const choose = async (next: string) => {
    setError(null);
    try {
      if (next === 'ready') await call(seat, 'agent.setState', { state: 'ready', reason: null });
      else if (next.startsWith('break:'))
        await call(seat, 'agent.setState', { state: 'break', reason: next.slice('break:'.length) });
    } catch (e) {
      setError(errorText(e));
    }
  };
  const since = Date.parse(status.since);
  const left = status.wrapUpUntil === null ? null : Date.parse(status.wrapUpUntil) - now;
  return (
    <span className={`agent-state agent-${status.state}`} data-state={status.state}>
      <label>
        {t('agentState.label')}
        {t('common.colon')}
        <select
          value={value}
          disabled={status.state === 'on_call'}
          onChange={(e) => void choose(e.target.value)}
        >
          {status.state === 'on_call' && <option value="on_call">{t('agentState.on_call')}</option>}
          {status.state === 'wrap_up' && <option value="wrap_up">{t('agentState.wrap_up')}</option>}
          <option value="ready">{t('agentState.ready')}</option>
          {status.breakReasons.map((reason) => (
            <option key={reason} value={`break:${reason}`}>
              {t('agentState.breakWith', { reason })}
            </option>
          ))}
        </select>
      </label>
      <span className="mono agent-timer">
        {left !== null ? t('agentState.wrapUpLeft', { left: elapsed(left) }) : elapsed(now - since)}
      </span>
      {error && (
        <span className="agent-state-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
