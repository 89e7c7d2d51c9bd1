/** The logged-in agent's working state (agent.state), kept current by the seat's `agent.changed` events. */
import { useEffect, useState } from 'react';
import type { AgentStatus } from '../../shared/contract';
import { call, useSeat } from './seat-context';

export function useAgentStatus(enabled = true): AgentStatus | null {
  const seat = useSeat();
  const [status, setStatus] = useState<AgentStatus | null>(null);
  useEffect(() => {
    if (!enabled) {
      setStatus(null);
      return;
    }
    let live = true;
    const off = seat.on('agent.changed', (s) => live && setStatus(s));
    call(seat, 'agent.state', {}).then(
      (s) => live && setStatus(s),
      () => {},
    );
    return () => {
      live = false;
      off();
    };
  }, [seat, enabled]);
  return status;
}

/** `m:ss` (or `h:mm:ss`) of a span in ms. */
export function elapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
