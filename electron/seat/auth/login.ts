import { SeatError, type SessionInfo } from '../../../shared/contract';
import type { SeatStore } from '../store/seat-store';
import { verifyPassword } from './password';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

// Verified when the agent code is unknown, so a wrong code costs as long as a wrong password.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const hhmm = (iso: string) =>
  new Date(iso).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false });

/**
 * Checks an agent's password against the local store. Five failures in a row lock the account for 15
 * minutes; every outcome is audited. Unknown code and wrong password get the same answer.
 */
export async function login(store: SeatStore, agentCode: string, password: string): Promise<SessionInfo> {
  const seat = store.seat();
  if (!seat) throw new SeatError('STORE_UNAVAILABLE', '坐席尚未初始化（缺少坐席编号）');
  const agent = store.agentByCode(agentCode);
  const now = store.now();
  if (agent?.lockedUntil && agent.lockedUntil > now) {
    throw new SeatError(
      'LOCKED_OUT',
      `密码错误次数过多，账号已锁定至 ${hhmm(agent.lockedUntil)}，请稍后再试或联系主管`,
    );
  }
  const ok = await verifyPassword(password, agent?.passwordHash ?? DUMMY_HASH);
  if (!agent || !ok) {
    const failures = (agent?.failedLogins ?? 0) + 1;
    const lockedUntil =
      agent && failures >= MAX_FAILED_LOGINS ? new Date(Date.parse(now) + LOCKOUT_MS).toISOString() : null;
    store.recordLogin(agent, 'failure', lockedUntil, agentCode);
    if (lockedUntil) {
      throw new SeatError(
        'LOCKED_OUT',
        `密码错误次数过多，账号已锁定至 ${hhmm(lockedUntil)}，请稍后再试或联系主管`,
      );
    }
    const left = agent ? `，还可尝试 ${MAX_FAILED_LOGINS - failures} 次` : '';
    throw new SeatError('WRONG_CREDENTIALS', `工号或密码错误${left}`);
  }
  store.recordLogin(agent, 'success', null, agentCode);
  return {
    agentId: agent.id,
    agentCode: agent.code,
    name: agent.name,
    role: agent.role,
    branchId: agent.branchId,
    seatId: seat.id,
    online: false,
    local: true,
  };
}
