import { SeatError, type SessionInfo } from '../../../shared/contract';
import type { AgentRow } from '../store/agents';
import type { SeatStore } from '../store/seat-store';
import { DEFAULTS, hashPassword, verifyPassword } from './password';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

/** Offline, for an agent head office never confirmed at this seat: there is nothing here to check against. */
export const NO_OFFLINE_VERIFIER = '此坐席尚未在线登录过该工号，请连接总部后登录';

// Verified when there is nothing to verify against, so a wrong code costs as long as a wrong password: made
// at the cost every verifier is made at (DEFAULTS), so the two stay equal when the cost is raised.
const DUMMY_HASH = `scrypt$${DEFAULTS.N}$${DEFAULTS.r}$${DEFAULTS.p}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

const hhmm = (iso: string) =>
  new Date(iso).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false });

const lockedOut = (until: string) =>
  new SeatError('LOCKED_OUT', `密码错误次数过多，账号已锁定至 ${hhmm(until)}，请稍后再试或联系主管`);

function seatId(store: SeatStore): string {
  const seat = store.seat();
  if (!seat) throw new SeatError('STORE_UNAVAILABLE', '坐席尚未初始化（缺少坐席编号）');
  return seat.id;
}

/** A locked agent is refused before any password is checked, here or at head office. */
export function assertNotLocked(store: SeatStore, agent: AgentRow | undefined): void {
  if (agent?.lockedUntil && agent.lockedUntil > store.now()) throw lockedOut(agent.lockedUntil);
}

const session = (store: SeatStore, agent: AgentRow, online: boolean): SessionInfo => ({
  agentId: agent.id,
  agentCode: agent.code,
  name: agent.name,
  role: agent.role,
  branchId: agent.branchId,
  seatId: seatId(store),
  online,
  local: true,
});

/**
 * A wrong password (checked here or by head office) or an unknown code: counted and audited. Five failures in
 * a row lock the account at this seat for 15 minutes. Unknown code and wrong password get the same answer.
 */
function refuse(store: SeatStore, agent: AgentRow | undefined, agentCode: string): never {
  const failures = (agent?.failedLogins ?? 0) + 1;
  const lockedUntil =
    agent && failures >= MAX_FAILED_LOGINS
      ? new Date(Date.parse(store.now()) + LOCKOUT_MS).toISOString()
      : null;
  store.recordLogin(agent, 'failure', lockedUntil, agentCode);
  if (lockedUntil) throw lockedOut(lockedUntil);
  const left = agent ? `，还可尝试 ${MAX_FAILED_LOGINS - failures} 次` : '';
  throw new SeatError('WRONG_CREDENTIALS', `工号或密码错误${left}`);
}

/**
 * Offline login: the password is checked against the verifier this seat made at the agent's last successful
 * online login here, never against a hash from head office (the seat holds none). An agent without one cannot
 * log in offline; that is audited but not counted as a failure (no password was tried).
 */
export async function login(store: SeatStore, agentCode: string, password: string): Promise<SessionInfo> {
  seatId(store);
  const agent = store.agentByCode(agentCode);
  assertNotLocked(store, agent);
  const verifier = agent ? store.offlineVerifier(agent.id) : null;
  const ok = await verifyPassword(password, verifier ?? DUMMY_HASH);
  if (agent && !verifier) {
    store.audit({
      agentId: agent.id,
      action: 'session.login_failed',
      entityType: 'agent',
      entityId: agent.id,
      detail: { reason: 'no_offline_verifier' },
    });
    throw new SeatError('HQ_UNAVAILABLE', NO_OFFLINE_VERIFIER);
  }
  if (!agent || !ok) refuse(store, agent, agentCode);
  store.recordLogin(agent, 'success', null, agentCode);
  return session(store, agent, false);
}

/**
 * Head office accepted the agent's password at this seat: the seat keeps a fresh verifier of it (salted here,
 * its own), so the agent may log in here offline later, and records the login.
 */
export async function acceptOnline(
  store: SeatStore,
  agent: AgentRow,
  password: string,
): Promise<SessionInfo> {
  store.saveOfflineVerifier(agent.id, await hashPassword(password));
  store.recordLogin(agent, 'success', null, agent.code);
  return session(store, agent, true);
}

/**
 * Head office refused the password (401): the agent's verifier goes (a password changed or an account closed
 * at head office no longer opens this seat offline), and the failure counts towards the lockout.
 */
export function refuseOnline(store: SeatStore, agent: AgentRow | undefined, agentCode: string): never {
  if (agent) store.removeOfflineVerifier(agent.id);
  refuse(store, agent, agentCode);
}
