import type { Kysely, Transaction } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { appendHqChain, inTransaction } from './audit-chain';
import type { HqSchema } from './db/schema';

export interface HqAuditEntry {
  at: string;
  userId: string | null;
  seatId?: string | null;
  action: string;
  entityType: string;
  entityId: string;
  /** Ids, names of fields and counts only: never a personal value. */
  detail?: Record<string, unknown>;
  ip?: string | null;
}

/**
 * Head office's own audit entry (the seats' come with their pushes); in the caller's transaction if given, else
 * in one of its own. A link of head office's chain (hq/audit-chain.ts): appends wait for one another on the
 * chain's lock until the transaction ends.
 */
export async function hqAudit(db: Kysely<HqSchema> | Transaction<HqSchema>, e: HqAuditEntry): Promise<void> {
  await inTransaction(db, (tx) =>
    appendHqChain(tx, [
      {
        id: uuidv7(),
        at: e.at,
        seat_id: e.seatId ?? null,
        user_id: e.userId,
        action: e.action,
        entity_type: e.entityType,
        entity_id: e.entityId,
        detail: e.detail ?? {},
        ip: e.ip ?? null,
      },
    ]),
  );
}
