-- Retention and legal hold of recordings (DOMAIN.md, "Evidence"): a recording is kept for its retention period
-- (at least 3 years; 5 for anti-money-laundering callbacks), then its files are removed; its row, with the
-- SHA-256, stays as the trace that it existed. A legal hold keeps it past its period until released.

-- Holds placed and released, append-only: the state is the latest row per recording.
CREATE TABLE legal_holds (
  id           UUID PRIMARY KEY,
  recording_id UUID NOT NULL REFERENCES recordings (id),
  action       TEXT NOT NULL CHECK (action IN ('place', 'release')),
  reason       TEXT NOT NULL,
  user_id      UUID NOT NULL REFERENCES users (id),
  at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX legal_holds_by_recording ON legal_holds (recording_id, at);
CREATE TRIGGER legal_holds_append_only BEFORE UPDATE OR DELETE ON legal_holds
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();

-- Recordings whose files were removed at the end of their retention period, once each.
CREATE TABLE recording_purges (
  recording_id UUID PRIMARY KEY REFERENCES recordings (id),
  retain_until TIMESTAMPTZ NOT NULL,
  purged_at    TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER recording_purges_append_only BEFORE UPDATE OR DELETE ON recording_purges
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();

CREATE INDEX recordings_by_finished ON recordings (finished_at);
