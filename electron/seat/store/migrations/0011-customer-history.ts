import type { Migration } from './types';

/**
 * The agent's working day (issue 16, point 4): a customer's earlier callbacks in the task view, and the
 * worklist sorted by deadline, customer name, callback type or last dial.
 * - `tasks_by_customer`: every task of a customer, open or closed (the open-only index cannot serve history).
 * - `customers_by_name`: the worklist by name, and the search by a name (or its start), walk names in order.
 * - The callback type a task sorts by is its first purpose in CALLBACK_TYPES order: the lowest bit of
 *   `purpose_mask` (`purpose_mask & -purpose_mask`), indexed as that expression.
 * - `last_attempt_at`: the task's latest real dial (training attempts are practice, not callbacks), kept by a
 *   trigger as attempts are recorded and filled from the attempts already there; sorted with never-dialled
 *   first (`ifnull(…, '')`), then the longest since the last dial.
 * Each worklist index covers what the worklist's filter reads, like tasks_open_by_deadline.
 */
export const migration0011: Migration = {
  version: 11,
  name: 'customer history and worklist sorting',
  up: `
    CREATE INDEX tasks_by_customer ON tasks (customer_id, created_at);
    CREATE INDEX customers_by_name ON customers (name, id);

    CREATE INDEX tasks_open_by_type
      ON tasks (branch_id, (purpose_mask & -purpose_mask), deadline_at, id, assigned_agent_id, purpose_mask, customer_id)
      WHERE status = 'open';

    ALTER TABLE tasks ADD COLUMN last_attempt_at TEXT;
    UPDATE tasks SET last_attempt_at =
      (SELECT max(a.started_at) FROM attempts a WHERE a.task_id = tasks.id AND a.training_persona_id IS NULL);
    CREATE TRIGGER attempts_last_attempt AFTER INSERT ON attempts WHEN NEW.training_persona_id IS NULL
      BEGIN
        UPDATE tasks SET last_attempt_at = NEW.started_at
        WHERE id = NEW.task_id AND (last_attempt_at IS NULL OR last_attempt_at < NEW.started_at);
      END;
    CREATE INDEX tasks_open_by_last_attempt
      ON tasks (branch_id, ifnull(last_attempt_at, ''), deadline_at, id, assigned_agent_id, purpose_mask, customer_id)
      WHERE status = 'open';
  `,
};
