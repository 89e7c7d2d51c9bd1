import type { Migration } from './types';

/**
 * Reference data: the seat itself, settings, and what head office sends (agents, salespeople, customers,
 * tasks and their purposes). These rows are a local cache and may change; evidence lives in 0002.
 */
export const migration0001: Migration = {
  version: 1,
  name: 'reference data',
  up: `
    CREATE TABLE seat (
      singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
      id          TEXT NOT NULL,
      branch_id   TEXT NOT NULL,
      branch_name TEXT NOT NULL,
      created_at  TEXT NOT NULL
    ) STRICT;

    CREATE TABLE settings (
      key        TEXT PRIMARY KEY,
      value      TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE salespeople (
      id          TEXT PRIMARY KEY,
      code        TEXT NOT NULL,
      name        TEXT NOT NULL,
      branch_id   TEXT NOT NULL,
      departed_at TEXT
    ) STRICT;

    CREATE TABLE agents (
      id            TEXT PRIMARY KEY,
      code          TEXT NOT NULL UNIQUE,
      name          TEXT NOT NULL,
      branch_id     TEXT NOT NULL,
      role          TEXT NOT NULL CHECK (role IN ('agent', 'reviewer', 'supervisor', 'compliance', 'admin')),
      password_hash TEXT NOT NULL,
      staff_id      TEXT,
      failed_logins INTEGER NOT NULL DEFAULT 0,
      locked_until  TEXT
    ) STRICT;

    CREATE TABLE customers (
      id             TEXT PRIMARY KEY,
      name           TEXT NOT NULL,
      id_number      TEXT NOT NULL,
      phone          TEXT NOT NULL,
      branch_id      TEXT NOT NULL,
      salesperson_id TEXT REFERENCES salespeople (id),
      introducer_id  TEXT REFERENCES salespeople (id),
      opened_at      TEXT,
      channel        TEXT CHECK (channel IN ('counter', 'nonsite')),
      margin         INTEGER NOT NULL DEFAULT 0 CHECK (margin IN (0, 1))
    ) STRICT;
    -- Recusal looks customers up by the salesperson who serves or introduced them.
    CREATE INDEX customers_by_salesperson ON customers (salesperson_id, id) WHERE salesperson_id IS NOT NULL;
    CREATE INDEX customers_by_introducer ON customers (introducer_id, id) WHERE introducer_id IS NOT NULL;

    -- deadline_at (the earliest deadline of the task's purposes) and purpose_mask (bit i set when the task
    -- has purpose CALLBACK_TYPES[i]) are kept here, written only by the import of the purposes, so that the
    -- worklist and its count are one walk of one covering index, whatever the history beside them.
    CREATE TABLE tasks (
      id                TEXT PRIMARY KEY,
      customer_id       TEXT NOT NULL REFERENCES customers (id),
      branch_id         TEXT NOT NULL,
      assigned_agent_id TEXT,
      status            TEXT NOT NULL CHECK (status IN ('open', 'closed')),
      deadline_at       TEXT NOT NULL,
      purpose_mask      INTEGER NOT NULL CHECK (purpose_mask > 0),
      next_attempt_at   TEXT,
      created_at        TEXT NOT NULL
    ) STRICT;
    CREATE INDEX tasks_open_by_deadline
      ON tasks (branch_id, deadline_at, id, assigned_agent_id, purpose_mask, customer_id) WHERE status = 'open';
    CREATE INDEX tasks_open_by_customer
      ON tasks (customer_id, branch_id, assigned_agent_id, purpose_mask) WHERE status = 'open';

    CREATE TABLE task_purposes (
      task_id        TEXT NOT NULL REFERENCES tasks (id),
      type           TEXT NOT NULL,
      deadline_at    TEXT NOT NULL,
      reason         TEXT NOT NULL,
      salesperson_id TEXT REFERENCES salespeople (id),
      PRIMARY KEY (task_id, type)
    ) STRICT, WITHOUT ROWID;
  `,
};
