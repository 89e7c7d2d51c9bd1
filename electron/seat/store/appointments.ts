/**
 * 约定回拨 (issue 16, point 2): the customer asked to be called back at a time, and the agent recorded it —
 * a real result (never the training line's) with the disposition `call_back_later` and its retry time, which
 * the seat only accepts inside a calling window. The appointment is the agent's own: it stands while it is
 * the task's latest real result, the task is open and nobody has dialled the task since.
 */
import { type Db, stmt } from './database';

export interface Appointment {
  resultId: string;
  taskId: string;
  /** The time the customer asked for (ISO). */
  at: string;
  customerName: string;
}

/** The agent's standing appointments, earliest first (at most 50). */
export function appointmentsOf(db: Db, agentId: string): Appointment[] {
  return stmt<[string], Appointment>(
    db,
    `SELECT r.id AS resultId, r.task_id AS taskId, r.retry_at AS at, c.name AS customerName
     FROM results r
     JOIN tasks t ON t.id = r.task_id
     JOIN customers c ON c.id = t.customer_id
     WHERE r.agent_id = ? AND r.disposition = 'call_back_later' AND r.retry_at IS NOT NULL
       AND r.training IS NULL AND t.status = 'open'
       AND NOT EXISTS (SELECT 1 FROM results n
                       WHERE n.task_id = r.task_id AND n.training IS NULL AND n.created_at > r.created_at)
       AND NOT EXISTS (SELECT 1 FROM attempts a
                       WHERE a.task_id = r.task_id AND a.training_persona_id IS NULL
                         AND a.started_at > r.created_at)
     ORDER BY r.retry_at, r.id
     LIMIT 50`,
  ).all(agentId);
}
