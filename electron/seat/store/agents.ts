import { type Db, stmt } from './database';
import type { AgentRecord } from './records';

/** An agent as the store keeps it: the record from head office plus this seat's login bookkeeping. */
export interface AgentRow extends Omit<AgentRecord, 'passwordHash'> {
  failedLogins: number;
  lockedUntil: string | null;
}

const COLUMNS = `id, code, name, branch_id AS branchId, role, staff_id AS staffId,
  failed_logins AS failedLogins, locked_until AS lockedUntil`;

export const agentByCode = (db: Db, code: string): AgentRow | undefined =>
  stmt<[string], AgentRow>(db, `SELECT ${COLUMNS} FROM agents WHERE code = ?`).get(code);

export const agentById = (db: Db, id: string): AgentRow | undefined =>
  stmt<[string], AgentRow>(db, `SELECT ${COLUMNS} FROM agents WHERE id = ?`).get(id);

/** Records a failed login; `lockedUntil` set when the failure reaches the limit. Returns the new count. */
export function noteLoginFailure(db: Db, id: string, lockedUntil: string | null): number {
  const row = stmt<[object], { n: number }>(
    db,
    `UPDATE agents SET failed_logins = CASE WHEN :lockedUntil IS NULL THEN failed_logins + 1 ELSE 0 END,
       locked_until = :lockedUntil WHERE id = :id RETURNING failed_logins AS n`,
  ).get({ lockedUntil, id });
  return row?.n ?? 0;
}

export function noteLoginSuccess(db: Db, id: string): void {
  stmt(db, 'UPDATE agents SET failed_logins = 0, locked_until = NULL WHERE id = ?').run(id);
}

/**
 * The verifier this seat made at the agent's last successful online login here (auth/login.ts), or null: an
 * agent who never logged in online at this seat cannot log in offline.
 */
export const offlineVerifier = (db: Db, agentId: string): string | null =>
  stmt<[string], { hash: string }>(db, 'SELECT hash FROM offline_verifiers WHERE agent_id = ?').get(agentId)
    ?.hash ?? null;

export function saveOfflineVerifier(db: Db, agentId: string, hash: string, at: string): void {
  stmt(
    db,
    `INSERT INTO offline_verifiers (agent_id, hash, created_at) VALUES (?, ?, ?)
     ON CONFLICT (agent_id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at`,
  ).run(agentId, hash, at);
}

export function removeOfflineVerifier(db: Db, agentId: string): void {
  stmt(db, 'DELETE FROM offline_verifiers WHERE agent_id = ?').run(agentId);
}

/** Agents locked at this seat now (five wrong passwords in a row), for a supervisor to see and lift. */
export const lockedAgents = (db: Db, now: string): AgentRow[] =>
  stmt<[string], AgentRow>(
    db,
    `SELECT ${COLUMNS} FROM agents WHERE locked_until IS NOT NULL AND locked_until > ? ORDER BY code`,
  ).all(now);
