import {
  CUSTOMER_HISTORY_LIMITS,
  type CustomerHistory,
  type CustomerHistoryFinding,
  type CustomerHistoryRecording,
  type CustomerHistoryResult,
  type CustomerHistoryTask,
} from '../../../shared/contract';
import { CALLBACK_TYPES, type CallbackType } from '../../../shared/domain/callback-types';
import { type Db, stmt } from './database';
import type { Actor } from './tasks';

const byTypeOrder = (a: CallbackType, b: CallbackType) =>
  CALLBACK_TYPES.indexOf(a) - CALLBACK_TYPES.indexOf(b);

/**
 * The customer's earlier callbacks this seat holds (客户回访记录), for a task the actor may see (the caller
 * checked it: task.get's visibility, recusal included): the customer's other tasks of the actor's branch,
 * open or closed, newest first, with their real results (the training line's are practice, not callbacks),
 * the findings those raised and the recordings of their real calls. A recording is playable by the rule
 * `recording.read` applies (Recordings.read: the attempt's agent is the reader), nothing wider. Head office
 * sends a seat no results of other seats, so this is the seat's own record. Bounded by
 * CUSTOMER_HISTORY_LIMITS (`more` counts the older tasks left out), served by tasks_by_customer.
 */
export function customerHistory(
  db: Db,
  actor: Actor,
  customerId: string,
  exceptTaskId: string,
): CustomerHistory {
  const where = 't.customer_id = :customerId AND t.branch_id = :branchId AND t.id <> :exceptTaskId';
  const params = { customerId, branchId: actor.branchId, exceptTaskId };
  const tasks = stmt<
    [object],
    Omit<CustomerHistoryTask, 'purposes' | 'results' | 'recordings'> & { purposes: string }
  >(
    db,
    `SELECT t.id AS taskId, t.status, t.created_at AS createdAt, t.deadline_at AS deadlineAt,
            t.last_attempt_at AS lastAttemptAt,
            (SELECT group_concat(p.type) FROM task_purposes p WHERE p.task_id = t.id) AS purposes,
            (SELECT count(*) FROM attempts a WHERE a.task_id = t.id AND a.training_persona_id IS NULL) AS attempts
     FROM tasks t WHERE ${where}
     ORDER BY t.created_at DESC, t.id DESC LIMIT :limit`,
  ).all({ ...params, limit: CUSTOMER_HISTORY_LIMITS.tasks });
  const all = stmt<[object], { n: number }>(db, `SELECT count(*) AS n FROM tasks t WHERE ${where}`).get(
    params,
  );

  const results = stmt<
    [string, number],
    Omit<CustomerHistoryResult, 'findings' | 'superseded'> & { s: number }
  >(
    db,
    `SELECT r.id, r.outcome, r.disposition, r.created_at AS createdAt, substr(ag.name, 1, 100) AS agentName,
            EXISTS (SELECT 1 FROM results n WHERE n.supersedes_id = r.id) AS s
     FROM results r LEFT JOIN agents ag ON ag.id = r.agent_id
     WHERE r.task_id = ? AND r.training IS NULL
     ORDER BY r.created_at DESC, r.id DESC LIMIT ?`,
  );
  const findings = stmt<[string, number], CustomerHistoryFinding>(
    db,
    `SELECT substr(id, 1, 64) AS id, substr(category, 1, 100) AS category, severity,
            substr(text_zh, 1, 500) AS text
     FROM findings WHERE result_id = ? ORDER BY created_at, id LIMIT ?`,
  );
  const recordings = stmt<
    [string, string, number],
    Omit<CustomerHistoryRecording, 'playable'> & { playable: number }
  >(
    db,
    `SELECT rec.id, rec.started_at AS startedAt, rec.duration_ms AS durationMs,
            substr(ag.name, 1, 100) AS agentName, a.agent_id = ? AS playable
     FROM recordings rec JOIN attempts a ON a.id = rec.attempt_id LEFT JOIN agents ag ON ag.id = a.agent_id
     WHERE a.task_id = ? AND a.training_persona_id IS NULL
     ORDER BY rec.started_at DESC, rec.id DESC LIMIT ?`,
  );

  const items = tasks.map(({ purposes, ...t }) => ({
    ...t,
    purposes: (purposes.split(',') as CallbackType[]).sort(byTypeOrder),
    results: results.all(t.taskId, CUSTOMER_HISTORY_LIMITS.results).map(({ s, ...r }) => ({
      ...r,
      superseded: s === 1,
      findings: findings.all(r.id, CUSTOMER_HISTORY_LIMITS.findings),
    })),
    recordings: recordings
      .all(actor.agentId, t.taskId, CUSTOMER_HISTORY_LIMITS.recordings)
      .map((rec) => ({ ...rec, playable: rec.playable === 1 })),
  }));
  return { items, more: Math.max(0, (all?.n ?? 0) - items.length) };
}
