/**
 * The agents' working states at this seat (issue 16, point 1), kept per agent (not per connection: a reloaded
 * page keeps its state) and changed by the agent and by the call flow:
 *
 *   login → 就绪 ready · call.start → 通话中 on_call · call.end → 话后处理 wrap_up (until the result's commit, or
 *   `agent.afterCallWorkSec` later → ready by itself) · the agent: ready ⇄ 小休 break (a branch reason) ·
 *   logout → 离线 offline.
 *
 * Each change is audited (`agent.state`, with the state left and how long it lasted), which is how head office
 * learns of it: the audit trail syncs as it always does. Nothing here is stored apart from that trail: a seat
 * that restarts has nobody logged in.
 */
import type { AgentState, AgentStatus, Role } from '../../shared/contract';
import { SeatError } from '../../shared/contract';

interface Held {
  state: AgentState;
  reason: string | null;
  since: string;
  wrapUpUntil: string | null;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The roles that take calls and so have a working state. */
export const takesCalls = (role: Role): boolean => role === 'agent' || role === 'supervisor';

export interface AgentStateDeps {
  now: () => string;
  /** The branch's settings that shape the states. */
  settings: () => { breakReasons: readonly string[]; afterCallWorkSec: number };
  audit: (agentId: string, detail: Record<string, unknown>) => void;
  changed: (agentId: string, status: AgentStatus) => void;
}

export class AgentStates {
  readonly #held = new Map<string, Held>();

  constructor(private readonly deps: AgentStateDeps) {}

  get(agentId: string): AgentStatus {
    const held = this.#held.get(agentId);
    return this.#status(held ?? null);
  }

  /** A login (or a resumed session) is ready, unless the agent already is in a state at this seat. */
  loggedIn(agentId: string): void {
    const held = this.#held.get(agentId);
    if (!held || held.state === 'offline') this.#move(agentId, 'ready', null, { via: 'login' });
  }

  loggedOut(agentId: string): void {
    if (this.#held.has(agentId)) this.#move(agentId, 'offline', null, { via: 'logout' });
    const held = this.#held.get(agentId);
    clearTimeout(held?.timer);
    this.#held.delete(agentId);
  }

  callStarted(agentId: string, attemptId: string): void {
    this.#move(agentId, 'on_call', null, { via: 'call', attemptId });
  }

  /** After-call work, for at most the branch's limit. */
  callEnded(agentId: string, attemptId: string): void {
    const { afterCallWorkSec } = this.deps.settings();
    this.#move(agentId, 'wrap_up', null, { via: 'call', attemptId }, afterCallWorkSec);
  }

  /** The result is in: after-call work ends (a break or ready state the agent chose stays). */
  committed(agentId: string): void {
    if (this.#held.get(agentId)?.state === 'wrap_up') this.#move(agentId, 'ready', null, { via: 'commit' });
  }

  set(agentId: string, state: 'ready' | 'break', reason: string | null): AgentStatus {
    const held = this.#held.get(agentId);
    if (held?.state === 'on_call') throw new SeatError('CONFLICT', '通话中不能切换状态，请先结束通话');
    if (state === 'break') {
      const reasons = this.deps.settings().breakReasons;
      if (reason === null) throw new SeatError('BAD_REQUEST', '请选择小休原因');
      if (!reasons.includes(reason))
        throw new SeatError('BAD_REQUEST', `小休原因「${reason}」不在本营业部的列表中`);
    } else if (reason !== null) {
      throw new SeatError('BAD_REQUEST', '就绪状态不需要原因');
    }
    if (held && held.state === state && held.reason === reason) return this.#status(held);
    this.#move(agentId, state, state === 'break' ? reason : null, { via: 'agent' });
    return this.get(agentId);
  }

  close(): void {
    for (const held of this.#held.values()) clearTimeout(held.timer);
    this.#held.clear();
  }

  #move(
    agentId: string,
    state: AgentState,
    reason: string | null,
    detail: Record<string, unknown>,
    limitSec = 0,
  ): void {
    const before = this.#held.get(agentId);
    clearTimeout(before?.timer);
    const at = this.deps.now();
    const wrapUpUntil =
      state === 'wrap_up' && limitSec > 0 ? new Date(Date.parse(at) + limitSec * 1000).toISOString() : null;
    const held: Held = { state, reason, since: at, wrapUpUntil, timer: undefined };
    if (wrapUpUntil !== null) {
      held.timer = setTimeout(() => {
        if (this.#held.get(agentId) === held) this.#move(agentId, 'ready', null, { via: 'limit' });
      }, limitSec * 1000);
      held.timer.unref?.();
    }
    this.#held.set(agentId, held);
    this.deps.audit(agentId, {
      state,
      ...(reason !== null ? { reason } : {}),
      from: before?.state ?? 'offline',
      ...(before ? { fromMs: Math.max(0, Date.parse(at) - Date.parse(before.since)) } : {}),
      ...detail,
    });
    this.deps.changed(agentId, this.#status(held));
  }

  #status(held: Held | null): AgentStatus {
    return {
      state: held?.state ?? 'offline',
      reason: held?.reason ?? null,
      since: held?.since ?? this.deps.now(),
      wrapUpUntil: held?.wrapUpUntil ?? null,
      breakReasons: [...this.deps.settings().breakReasons],
    };
  }
}
