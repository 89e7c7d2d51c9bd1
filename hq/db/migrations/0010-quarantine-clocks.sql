-- Head office, version 10.
--
-- The quarantine: an outbox entry head office could not accept (its content refused by the schemas or the
-- database, a result for another branch's task, an agent not of the seat's branch, an id another seat holds)
-- is kept here verbatim with the reason, its sequence counts as applied, and administrators see it. It is
-- evidence too: never lost, never retried for ever. `body` is the entry as the seat sent it, as JSON text (a
-- NUL inside is kept as its escape: no PostgreSQL text holds the character itself).
CREATE TABLE quarantine (
  seat_id     UUID NOT NULL REFERENCES seats (id),
  seq         BIGINT NOT NULL,
  branch_id   TEXT NOT NULL REFERENCES branches (id),
  kind        TEXT NOT NULL,
  entity_id   TEXT NOT NULL,
  status      INTEGER NOT NULL,
  code        TEXT NOT NULL,
  reason      TEXT NOT NULL,
  body        TEXT NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (seat_id, seq)
);
CREATE INDEX quarantine_by_branch ON quarantine (branch_id, received_at);
CREATE TRIGGER quarantine_append_only BEFORE UPDATE OR DELETE ON quarantine
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();

-- Seat clocks. At every sync head office compares the seat's clock (the request's X-Seat-Time) with its own
-- and keeps the offset (seat minus head office, ms). The times of what the seat pushes are corrected by it
-- before they are stored, so deadlines, reports and searches use head office's time; `clock_offset_ms` on the
-- entry keeps what was subtracted (the seat's own time is the stored one plus it).
ALTER TABLE seats ADD COLUMN clock_offset_ms BIGINT;
ALTER TABLE seats ADD COLUMN clock_checked_at TIMESTAMPTZ;
ALTER TABLE seat_entries ADD COLUMN clock_offset_ms BIGINT;
