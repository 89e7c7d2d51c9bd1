import { type Kysely, sql, type Transaction } from 'kysely';
import type { HqSchema } from '../db/schema';

type Tx = Transaction<HqSchema> | Kysely<HqSchema>;

/**
 * Serialises the writers of one branch's change log for the rest of the transaction, so the branch's
 * sequence numbers are assigned in commit order and a seat's cursor never skips a change committed late.
 */
export async function lockBranch(tx: Tx, branchId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`branch:${branchId}`}))`.execute(tx);
}

/** Records a change for the branch's seats (seatId null) or for one seat. Call after `lockBranch`. */
export async function recordChange(
  tx: Tx,
  change: {
    branchId: string;
    kind: HqSchema['changes']['kind'];
    entityId: string;
    seatId?: string | null;
  },
): Promise<void> {
  await tx
    .insertInto('changes')
    .values({
      branch_id: change.branchId,
      seat_id: change.seatId ?? null,
      kind: change.kind,
      entity_id: change.entityId,
    })
    .execute();
}
