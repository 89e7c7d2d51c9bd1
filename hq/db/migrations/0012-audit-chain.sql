-- Head office, version 12: the audit chains (#14, point 5).
--
-- Every audit entry written from now on is a link of one chain: head office's own (chain_seat_id NULL), or
-- the seat's that wrote it (chain_seat_id, the seat's own position, previous hash and hash as it sent them:
-- hq/sync/push.ts checks each on arrival). hash is SHA-256 over shared/contract/audit-chain.ts's text.
--   entry_seq: the seat's outbox number the entry came under (the order the seat sent its chain in: the
--              entries head office quarantined sit between these, by the same number);
--   seat_at:   the seat's own time, where head office corrected it by the seat's clock offset (the hash covers
--              the seat's time); NULL when it is `at`.
-- Entries from before this version stay outside the chains; head office's first link (`audit.chain_start`)
-- carries their count and digest, so that they too cannot change unnoticed.
ALTER TABLE audit ADD COLUMN chain_seat_id UUID;
ALTER TABLE audit ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
ALTER TABLE audit ADD COLUMN entry_seq BIGINT;
ALTER TABLE audit ADD COLUMN seat_at TIMESTAMPTZ;
CREATE UNIQUE INDEX audit_hq_chain ON audit (chain_seq) WHERE chain_seat_id IS NULL AND chain_seq IS NOT NULL;
CREATE INDEX audit_seat_chain ON audit (chain_seat_id, entry_seq) WHERE chain_seat_id IS NOT NULL;
-- The link a fork goes on from (a seat restored from a backup: hq/sync/push.ts).
CREATE INDEX audit_seat_chain_seq ON audit (chain_seat_id, chain_seq) WHERE chain_seat_id IS NOT NULL;

-- The last link head office took of each seat's chain (accepted or quarantined): what the next must follow.
ALTER TABLE seats ADD COLUMN audit_chain_seq BIGINT;
ALTER TABLE seats ADD COLUMN audit_chain_hash TEXT;

-- The public keys of the daily signed anchors (the private key is a 0600 file in head office's data
-- directory, the anchors are kept in the recordings store: hq/audit-chain.ts).
CREATE TABLE audit_keys (
  public_key TEXT PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL
);
