-- Head office, version 1: people and seats, reference data with its change log, and the evidence seats push.
-- Plain PostgreSQL that PostgreSQL 15 and PGlite (PostgreSQL 18) both accept.

CREATE TABLE branches (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Everyone who logs in: agents (also at the seats, which receive their hashes for offline login), reviewers,
-- supervisors, compliance and administrators. branch_id NULL: a head-office role that sees every branch.
CREATE TABLE users (
  id            UUID PRIMARY KEY,
  code          TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('agent', 'reviewer', 'supervisor', 'compliance', 'admin')),
  branch_id     TEXT REFERENCES branches (id),
  password_hash TEXT NOT NULL,
  staff_id      TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (role IN ('reviewer', 'compliance', 'admin', 'supervisor') OR branch_id IS NOT NULL)
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    UUID NOT NULL REFERENCES users (id),
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);

-- A seat belongs to one branch; it authenticates with its own token (given once, at enrolment).
-- last_applied_seq: the seat's outbox sequence applied last, written in the transaction that applies it.
CREATE TABLE seats (
  id               UUID PRIMARY KEY,
  branch_id        TEXT NOT NULL REFERENCES branches (id),
  name             TEXT NOT NULL,
  token_hash       TEXT NOT NULL UNIQUE,
  enrolled_by      UUID NOT NULL REFERENCES users (id),
  enrolled_at      TIMESTAMPTZ NOT NULL,
  last_applied_seq BIGINT NOT NULL DEFAULT 0,
  last_seen_at     TIMESTAMPTZ
);

CREATE TABLE salespeople (
  id          TEXT PRIMARY KEY,
  code        TEXT NOT NULL,
  name        TEXT NOT NULL,
  branch_id   TEXT NOT NULL REFERENCES branches (id),
  departed_at TIMESTAMPTZ
);

CREATE TABLE customers (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  id_number      TEXT NOT NULL,
  phone          TEXT NOT NULL,
  branch_id      TEXT NOT NULL REFERENCES branches (id),
  salesperson_id TEXT REFERENCES salespeople (id),
  introducer_id  TEXT REFERENCES salespeople (id),
  opened_at      TIMESTAMPTZ,
  channel        TEXT CHECK (channel IN ('counter', 'nonsite')),
  margin         BOOLEAN NOT NULL DEFAULT false
);

-- One open task per customer at most; its purposes are merged into it (一事一扰).
CREATE TABLE tasks (
  id               UUID PRIMARY KEY,
  customer_id      TEXT NOT NULL REFERENCES customers (id),
  branch_id        TEXT NOT NULL REFERENCES branches (id),
  status           TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  assigned_seat_id UUID REFERENCES seats (id),
  deadline_at      TIMESTAMPTZ NOT NULL,
  next_attempt_at  TIMESTAMPTZ,
  created_at       TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX tasks_one_open_per_customer ON tasks (customer_id) WHERE status = 'open';
CREATE INDEX tasks_unassigned ON tasks (branch_id, deadline_at) WHERE status = 'open' AND assigned_seat_id IS NULL;
CREATE INDEX tasks_held ON tasks (assigned_seat_id) WHERE status = 'open';

CREATE TABLE task_purposes (
  task_id        UUID NOT NULL REFERENCES tasks (id),
  type           TEXT NOT NULL,
  deadline_at    TIMESTAMPTZ NOT NULL,
  reason         TEXT NOT NULL,
  salesperson_id TEXT REFERENCES salespeople (id),
  -- The feed row the purpose came from: a re-import of the same feed creates nothing twice.
  source_key     TEXT NOT NULL UNIQUE,
  created_at     TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (task_id, type)
);

-- What changed, for the seats to pull in order. seat_id set: for that seat only (a task handed to it, or
-- taken back); NULL: for every seat of the branch (customers, salespeople, agents). Writers take the
-- branch's advisory lock first, so a branch's sequence numbers are assigned in commit order.
CREATE TABLE changes (
  seq       BIGSERIAL PRIMARY KEY,
  branch_id TEXT NOT NULL,
  seat_id   UUID,
  kind      TEXT NOT NULL CHECK (kind IN ('task', 'revoke', 'customer', 'salesperson', 'agent')),
  entity_id TEXT NOT NULL,
  at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX changes_by_branch ON changes (branch_id, seq);

-- Every outbox entry a seat pushed, as applied, in the seat's order: which fact (kind and id, whose content
-- is in its own table), when the seat made it and when head office applied it.
CREATE TABLE seat_entries (
  seat_id    UUID NOT NULL REFERENCES seats (id),
  seq        BIGINT NOT NULL,
  kind       TEXT NOT NULL,
  entity_id  TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (seat_id, seq)
);

CREATE TABLE attempts (
  id            UUID PRIMARY KEY,
  task_id       UUID NOT NULL,
  seat_id       UUID NOT NULL,
  agent_id      UUID NOT NULL,
  started_at    TIMESTAMPTZ NOT NULL,
  number_masked TEXT NOT NULL,
  answered_at   TIMESTAMPTZ,
  ended_at      TIMESTAMPTZ NOT NULL,
  outcome       TEXT NOT NULL,
  sip_code      INTEGER
);
CREATE INDEX attempts_by_task ON attempts (task_id);

-- flag: 'reassigned' when the task belonged to another seat by the time the result arrived (kept, never
-- dropped, for a supervisor to look at).
CREATE TABLE results (
  id            UUID PRIMARY KEY,
  task_id       UUID NOT NULL,
  seat_id       UUID NOT NULL,
  agent_id      UUID NOT NULL,
  attempt_id    UUID,
  outcome       TEXT NOT NULL,
  disposition   TEXT NOT NULL,
  notes         TEXT NOT NULL,
  retry_at      TIMESTAMPTZ,
  supersedes_id UUID,
  created_at    TIMESTAMPTZ NOT NULL,
  received_at   TIMESTAMPTZ NOT NULL,
  flag          TEXT
);
CREATE INDEX results_by_task ON results (task_id);

CREATE TABLE answers (
  result_id    UUID NOT NULL REFERENCES results (id),
  step_id      TEXT NOT NULL,
  purposes     JSONB NOT NULL,
  value        JSONB,
  answered_at  TIMESTAMPTZ NOT NULL,
  recording_id UUID NOT NULL,
  offset_ms    INTEGER NOT NULL,
  PRIMARY KEY (result_id, step_id)
);

CREATE TABLE result_purposes (
  result_id      UUID NOT NULL REFERENCES results (id),
  purpose        TEXT NOT NULL,
  outcome        TEXT NOT NULL,
  script_id      TEXT NOT NULL,
  script_version INTEGER NOT NULL,
  PRIMARY KEY (result_id, purpose)
);

CREATE TABLE findings (
  id             UUID PRIMARY KEY,
  result_id      UUID NOT NULL REFERENCES results (id),
  step_id        TEXT NOT NULL,
  purposes       JSONB NOT NULL,
  category       TEXT NOT NULL,
  severity       TEXT NOT NULL,
  about          TEXT NOT NULL,
  text_zh        TEXT NOT NULL,
  salesperson_id TEXT,
  branch_id      TEXT NOT NULL,
  customer_id    TEXT NOT NULL,
  recording_id   UUID,
  offset_ms      INTEGER
);

-- A recording as the seat closed it; stored_at is set once the uploaded file's SHA-256 matched.
CREATE TABLE recordings (
  id          UUID PRIMARY KEY,
  attempt_id  UUID NOT NULL,
  seat_id     UUID NOT NULL,
  mime_type   TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  size_bytes  BIGINT NOT NULL,
  duration_ms INTEGER,
  status      TEXT NOT NULL,
  started_at  TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ NOT NULL,
  stored_at   TIMESTAMPTZ
);

-- The audit trail: the seats' (pushed) and head office's own (seat_id NULL).
CREATE TABLE audit (
  id          UUID PRIMARY KEY,
  at          TIMESTAMPTZ NOT NULL,
  seat_id     UUID,
  user_id     UUID,
  action      TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id   TEXT NOT NULL,
  detail      JSONB NOT NULL,
  ip          TEXT
);
CREATE INDEX audit_by_at ON audit (at);

-- Evidence is append-only here as at the seat: a correction is a new fact, never an UPDATE.
CREATE FUNCTION hq_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'append-only: % cannot be changed', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER seat_entries_append_only BEFORE UPDATE OR DELETE ON seat_entries
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();
CREATE TRIGGER attempts_append_only BEFORE UPDATE OR DELETE ON attempts
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();
CREATE TRIGGER results_append_only BEFORE UPDATE OR DELETE ON results
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();
CREATE TRIGGER answers_append_only BEFORE UPDATE OR DELETE ON answers
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();
CREATE TRIGGER result_purposes_append_only BEFORE UPDATE OR DELETE ON result_purposes
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();
CREATE TRIGGER findings_append_only BEFORE UPDATE OR DELETE ON findings
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();

-- A recording fact changes once: when its verified file is stored.
CREATE FUNCTION hq_recording_stored_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.stored_at IS NOT NULL
     OR ROW(NEW.id, NEW.attempt_id, NEW.seat_id, NEW.mime_type, NEW.sha256, NEW.size_bytes, NEW.duration_ms,
            NEW.status, NEW.started_at, NEW.finished_at)
        IS DISTINCT FROM ROW(OLD.id, OLD.attempt_id, OLD.seat_id, OLD.mime_type, OLD.sha256, OLD.size_bytes,
            OLD.duration_ms, OLD.status, OLD.started_at, OLD.finished_at) THEN
    RAISE EXCEPTION 'append-only: recordings cannot be changed';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER recordings_stored_once BEFORE UPDATE OR DELETE ON recordings
  FOR EACH ROW EXECUTE FUNCTION hq_recording_stored_once();
