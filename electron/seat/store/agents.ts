import { type Db, stmt } from './database';
import type { AgentRecord } from './records';

/** An agent as the store keeps it: the record from head office plus this seat's login bookkeeping. */
export interface AgentRow extends AgentRecord {
  failedLogins: number;
  lockedUntil: string | null;
}

const COLUMNS = `id, code, name, branch_id AS branchId, role, password_hash AS passwordHash, staff_id AS staffId,
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
