import type { Migration } from './types';

/**
 * Callback scripts and what a call's script leaves behind.
 *
 * - `scripts`: every version of every script the seat has loaded (shipped, from the administrators' folder,
 *   later from head office), kept so that a result can always be read against the version it was asked under.
 *   A script's (id, version) never changes content: a changed script must carry a new version.
 * - `script_drafts`: working state, one row per task being worked: the engine state (plain JSON, no personal
 *   data) and, per answer given, when and where in which recording; and the wrap-up notes as they are typed.
 *   Written on every answer, deleted by the commit of the task's result.
 * - `result_purposes`: each purpose's outcome (pass, hold, …) with the script and version that asked it. This
 *   replaces `results.script_id` / `script_version`, which a merged call of several scripts cannot fill;
 *   those columns stay null from this version on.
 * - `findings`: what an answer revealed, for compliance, linked to the salesperson and branch of the task and
 *   to the moment in the recording.
 * - `answers` gain the purposes a shared question was asked for and the recording its offset refers to.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'scripts, drafts, purpose outcomes and findings',
  up: `
    CREATE TABLE scripts (
      id            TEXT NOT NULL,
      version       INTEGER NOT NULL CHECK (version > 0),
      callback_type TEXT NOT NULL,
      body          TEXT NOT NULL,
      sha256        TEXT NOT NULL,
      source        TEXT NOT NULL,
      loaded_at     TEXT NOT NULL,
      PRIMARY KEY (id, version)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX scripts_by_type ON scripts (callback_type, version);
    CREATE TRIGGER scripts_no_update BEFORE UPDATE ON scripts
      BEGIN SELECT RAISE(ABORT, 'append-only: scripts cannot be updated'); END;
    CREATE TRIGGER scripts_no_delete BEFORE DELETE ON scripts
      BEGIN SELECT RAISE(ABORT, 'append-only: scripts cannot be deleted'); END;

    CREATE TABLE script_drafts (
      task_id    TEXT PRIMARY KEY REFERENCES tasks (id),
      agent_id   TEXT NOT NULL,
      state      TEXT NOT NULL,
      marks      TEXT NOT NULL,
      notes      TEXT NOT NULL DEFAULT '',
      updated_at TEXT NOT NULL
    ) STRICT;

    ALTER TABLE answers ADD COLUMN purposes TEXT;
    ALTER TABLE answers ADD COLUMN recording_id TEXT;

    CREATE TABLE result_purposes (
      result_id      TEXT NOT NULL REFERENCES results (id),
      purpose        TEXT NOT NULL,
      outcome        TEXT NOT NULL,
      script_id      TEXT NOT NULL,
      script_version INTEGER NOT NULL,
      PRIMARY KEY (result_id, purpose)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE findings (
      id             TEXT PRIMARY KEY,
      result_id      TEXT NOT NULL REFERENCES results (id),
      step_id        TEXT NOT NULL,
      purposes       TEXT NOT NULL,
      category       TEXT NOT NULL,
      severity       TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
      about          TEXT NOT NULL CHECK (about IN ('salesperson', 'branch', 'customer')),
      text_zh        TEXT NOT NULL,
      salesperson_id TEXT,
      branch_id      TEXT NOT NULL,
      customer_id    TEXT NOT NULL,
      recording_id   TEXT,
      offset_ms      INTEGER,
      created_at     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX findings_by_result ON findings (result_id);

    CREATE TRIGGER result_purposes_no_update BEFORE UPDATE ON result_purposes
      BEGIN SELECT RAISE(ABORT, 'append-only: result_purposes cannot be updated'); END;
    CREATE TRIGGER result_purposes_no_delete BEFORE DELETE ON result_purposes
      BEGIN SELECT RAISE(ABORT, 'append-only: result_purposes cannot be deleted'); END;
    CREATE TRIGGER findings_no_update BEFORE UPDATE ON findings
      BEGIN SELECT RAISE(ABORT, 'append-only: findings cannot be updated'); END;
    CREATE TRIGGER findings_no_delete BEFORE DELETE ON findings
      BEGIN SELECT RAISE(ABORT, 'append-only: findings cannot be deleted'); END;

    -- Today's history of an agent.
    CREATE INDEX results_by_agent ON results (agent_id, created_at);
  `,
};
