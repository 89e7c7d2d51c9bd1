import { CHAIN_GENESIS } from '../../../../shared/contract/audit-chain';
import type { Migration } from './types';

/**
 * The seat's audit chain (issue 14, point 5): each entry's position, the previous entry's hash and its own
 * (SHA-256 over shared/contract/audit-chain.ts's text, `audit_chain_hash` registered by database.ts). The
 * entries written before are chained here in the order they were written (rowid), the first after the genesis
 * hash. The append-only trigger is lifted for that one UPDATE only, inside this migration's transaction.
 */
export const migration0008: Migration = {
  version: 8,
  name: 'audit chain',
  up: `
    DROP TRIGGER audit_no_update;
    ALTER TABLE audit ADD COLUMN chain_seq INTEGER;
    ALTER TABLE audit ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit ADD COLUMN hash TEXT;

    -- Positions first, with a key: the recursive step below finds the next entry by it, not by a scan.
    CREATE TEMP TABLE audit_chain_order (n INTEGER PRIMARY KEY, rid INTEGER NOT NULL);
    INSERT INTO audit_chain_order (n, rid) SELECT row_number() OVER (ORDER BY rowid), rowid FROM audit;
    WITH RECURSIVE chain (n, rid, prev, hash) AS (
      SELECT 0, NULL, NULL, '${CHAIN_GENESIS}'
      UNION ALL
      SELECT o.n, o.rid, c.hash,
             audit_chain_hash(o.n, c.hash, a.id, a.at, a.seat_id, a.agent_id, a.action, a.entity_type,
                              a.entity_id, a.detail)
      FROM chain c
      JOIN audit_chain_order o ON o.n = c.n + 1
      JOIN audit a ON a.rowid = o.rid
    )
    UPDATE audit SET chain_seq = chain.n, prev_hash = chain.prev, hash = chain.hash
    FROM chain WHERE chain.rid = audit.rowid;
    DROP TABLE audit_chain_order;

    CREATE UNIQUE INDEX audit_by_chain_seq ON audit (chain_seq);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
      BEGIN SELECT RAISE(ABORT, 'append-only: audit cannot be updated'); END;
  `,
};
