import { z } from 'zod';
import type { EVENT_NAMES } from './names';
import { AgentStatus, SessionInfo, SyncStatus } from './schemas';

/** Every event the seat pushes to the renderer. Payloads carry no personal data. */
export const EVENTS = {
  /** The connection's session began or ended (logout, lock, expiry). */
  'session.changed': SessionInfo.nullable(),
  /** Tasks changed (a result committed here, or tasks pulled from head office); refetch what is shown. */
  'worklist.changed': z.object({ taskIds: z.array(z.uuid()) }),
  /** The outbox grew or was acknowledged: `pending` entries wait to sync, up to `lastSeq`. */
  'outbox.changed': z.object({
    pending: z.number().int().nonnegative(),
    lastSeq: z.number().int().nonnegative(),
  }),
  /** Sync with head office changed state (online, syncing, offline) or its counts moved. */
  'sync.changed': SyncStatus,
  /** The logged-in agent's working state changed (by the agent, the call flow or the after-call-work limit). */
  'agent.changed': AgentStatus,
  /** 约定回拨 of the logged-in agent whose time has just come (each once per seat run). */
  'appointments.due': z.object({ taskIds: z.array(z.uuid()).max(50) }),
} as const;

export type Events = typeof EVENTS;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _eventNamesMatch: Same<(typeof EVENT_NAMES)[number], EventName> = true;
void _eventNamesMatch;
