import type { Migration } from './types';

const APPEND_ONLY = ['attempts', 'attempt_endings', 'results', 'answers', 'recordings', 'audit'] as const;

/**
 * Evidence: attempts, results, answers, recordings and the audit trail are append-only facts keyed by UUID
 * (ARCHITECTURE "Data rules"). Triggers refuse UPDATE and DELETE in the database itself, so no code path —
 * ours, a future one or a hand-run SQL statement — can rewrite evidence; a correction is a new result that
 * names the one it supersedes. The outbox is append-only too, except that entries head office has
 * acknowledged may be pruned.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'evidence and outbox',
  up: `
    -- A dial is two facts: its start (written before the phone calls) and its ending (how it ended). An
    -- attempt with no ending after a restart was cut off by the crash and gets the ending 'interrupted'.
    CREATE TABLE attempts (
      id            TEXT PRIMARY KEY,
      task_id       TEXT NOT NULL REFERENCES tasks (id),
      agent_id      TEXT NOT NULL,
      seat_id       TEXT NOT NULL,
      started_at    TEXT NOT NULL,
      number_masked TEXT NOT NULL
    ) STRICT;
    CREATE INDEX attempts_by_task ON attempts (task_id);

    CREATE TABLE attempt_endings (
      attempt_id  TEXT PRIMARY KEY REFERENCES attempts (id),
      answered_at TEXT,
      ended_at    TEXT NOT NULL,
      outcome     TEXT NOT NULL CHECK (outcome IN
                    ('answered', 'busy', 'no_answer', 'invalid_number', 'declined', 'failed', 'interrupted')),
      sip_code    INTEGER
    ) STRICT;

    CREATE TABLE results (
      id             TEXT PRIMARY KEY,
      task_id        TEXT NOT NULL REFERENCES tasks (id),
      attempt_id     TEXT REFERENCES attempts (id),
      agent_id       TEXT NOT NULL,
      seat_id        TEXT NOT NULL,
      outcome        TEXT NOT NULL
                     CHECK (outcome IN ('completed', 'identity_not_verified', 'refused', 'unreachable', 'retry')),
      disposition    TEXT NOT NULL,
      notes          TEXT NOT NULL,
      retry_at       TEXT,
      script_id      TEXT,
      script_version INTEGER,
      supersedes_id  TEXT REFERENCES results (id),
      created_at     TEXT NOT NULL,
      -- SHA-256 of the commit request, so a repeated commit is recognised as the same one.
      request_hash   TEXT NOT NULL
    ) STRICT;
    CREATE INDEX results_by_task ON results (task_id);
    -- A result is superseded at most once: corrections form a chain, never a fork.
    CREATE UNIQUE INDEX results_by_supersedes ON results (supersedes_id) WHERE supersedes_id IS NOT NULL;

    CREATE TABLE answers (
      id                  TEXT PRIMARY KEY,
      result_id           TEXT NOT NULL REFERENCES results (id),
      step_id             TEXT NOT NULL,
      purpose             TEXT,
      value               TEXT NOT NULL,
      answered_at         TEXT NOT NULL,
      recording_offset_ms INTEGER
    ) STRICT;
    CREATE INDEX answers_by_result ON answers (result_id);

    CREATE TABLE recordings (
      id          TEXT PRIMARY KEY,
      attempt_id  TEXT NOT NULL REFERENCES attempts (id),
      path        TEXT NOT NULL,
      mime_type   TEXT NOT NULL,
      sha256      TEXT NOT NULL,
      size_bytes  INTEGER NOT NULL,
      duration_ms INTEGER,
      status      TEXT NOT NULL CHECK (status IN ('finished', 'interrupted')),
      started_at  TEXT NOT NULL,
      finished_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX recordings_by_attempt ON recordings (attempt_id);

    CREATE TABLE audit (
      id          TEXT PRIMARY KEY,
      at          TEXT NOT NULL,
      seat_id     TEXT NOT NULL,
      agent_id    TEXT,
      action      TEXT NOT NULL,
      entity_type TEXT NOT NULL,
      entity_id   TEXT NOT NULL,
      detail      TEXT NOT NULL
    ) STRICT;

    -- AUTOINCREMENT: sequence numbers only grow, even after acknowledged entries are pruned.
    CREATE TABLE outbox (
      seq        INTEGER PRIMARY KEY AUTOINCREMENT,
      seat_id    TEXT NOT NULL,
      kind       TEXT NOT NULL,
      entity_id  TEXT NOT NULL,
      payload    TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE sync_state (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      acked_seq INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    INSERT INTO sync_state (singleton, acked_seq) VALUES (1, 0);

    ${APPEND_ONLY.map(
      (t) => `
    CREATE TRIGGER ${t}_no_update BEFORE UPDATE ON ${t}
      BEGIN SELECT RAISE(ABORT, 'append-only: ${t} cannot be updated'); END;
    CREATE TRIGGER ${t}_no_delete BEFORE DELETE ON ${t}
      BEGIN SELECT RAISE(ABORT, 'append-only: ${t} cannot be deleted'); END;`,
    ).join('\n')}

    CREATE TRIGGER outbox_no_update BEFORE UPDATE ON outbox
      BEGIN SELECT RAISE(ABORT, 'append-only: outbox cannot be updated'); END;
    CREATE TRIGGER outbox_delete_only_acked BEFORE DELETE ON outbox
      WHEN OLD.seq > (SELECT acked_seq FROM sync_state)
      BEGIN SELECT RAISE(ABORT, 'append-only: outbox entries not yet acknowledged cannot be deleted'); END;
  `,
};
