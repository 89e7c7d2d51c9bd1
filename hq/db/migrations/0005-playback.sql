-- Playback: a copy of each stored recording remuxed for seeking (the seat's WebM has no duration or cues),
-- kept beside the original, which is never altered; with its own hash, its duration and the waveform's
-- peaks per channel (agent left, customer right).
CREATE TABLE playback_copies (
  recording_id UUID PRIMARY KEY REFERENCES recordings (id),
  sha256       TEXT NOT NULL,
  size_bytes   BIGINT NOT NULL,
  duration_ms  INTEGER NOT NULL,
  peaks        JSONB NOT NULL,
  made_at      TIMESTAMPTZ NOT NULL
);

-- A grant to stream one playback copy: a media element cannot send an Authorization header, so the
-- supervisor's session buys a short-lived capability URL (its token is kept only as a hash).
CREATE TABLE playback_grants (
  token_hash   TEXT PRIMARY KEY,
  recording_id UUID NOT NULL REFERENCES recordings (id),
  user_id      UUID NOT NULL REFERENCES users (id),
  seat_id      UUID REFERENCES seats (id),
  created_at   TIMESTAMPTZ NOT NULL,
  expires_at   TIMESTAMPTZ NOT NULL
);

-- The seat a user logged in from (null for a login not made from a seat): every audit entry of that session
-- names it.
ALTER TABLE sessions ADD COLUMN seat_id UUID REFERENCES seats (id);

-- Supervisors search results by a customer's salesperson.
CREATE INDEX customers_by_salesperson ON customers (salesperson_id);
