import type { HistoryItem } from '../../../shared/contract';
import { CALLBACK_TYPES, type CallbackType } from '../../../shared/domain/callback-types';
import { type Db, stmt } from './database';

/** Midnight of the instant's day in China time, as an ISO instant. */
export function chinaDayStart(iso: string): string {
  const shifted = new Date(new Date(iso).getTime() + 8 * 3600_000);
  shifted.setUTCHours(0, 0, 0, 0);
  return new Date(shifted.getTime() - 8 * 3600_000).toISOString();
}

/**
 * The agent's results since local midnight, newest first in the order they were committed (the table's own
 * sequence, not the clock, which may have been set back meanwhile), with the talk time and recording.
 */
export function historyToday(db: Db, agentId: string, now: string): HistoryItem[] {
  const rows = stmt<
    [string, string],
    Omit<HistoryItem, 'purposes'> & { purposes: string; answeredAt: string | null; endedAt: string | null }
  >(
    db,
    `SELECT r.id AS resultId, r.task_id AS taskId, c.name AS customerName, r.outcome, r.disposition,
            r.created_at AS createdAt,
            (SELECT group_concat(p.type) FROM task_purposes p WHERE p.task_id = r.task_id) AS purposes,
            e.answered_at AS answeredAt, e.ended_at AS endedAt,
            (SELECT rec.id FROM recordings rec WHERE rec.attempt_id = r.attempt_id) AS recordingId,
            (SELECT count(*) FROM findings f WHERE f.result_id = r.id) AS findings,
            r.training IS NOT NULL AS training
     FROM results r
     JOIN tasks t ON t.id = r.task_id
     JOIN customers c ON c.id = t.customer_id
     LEFT JOIN attempt_endings e ON e.attempt_id = r.attempt_id
     WHERE r.agent_id = ? AND r.created_at >= ?
     ORDER BY r.rowid DESC LIMIT 500`,
  ).all(agentId, chinaDayStart(now));
  return rows.map(({ answeredAt, endedAt, purposes, ...r }) => ({
    ...r,
    training: Boolean(r.training),
    purposes: (purposes ?? '')
      .split(',')
      .filter(Boolean)
      .sort(
        (a, b) => CALLBACK_TYPES.indexOf(a as CallbackType) - CALLBACK_TYPES.indexOf(b as CallbackType),
      ) as CallbackType[],
    talkMs:
      answeredAt && endedAt
        ? Math.max(0, new Date(endedAt).getTime() - new Date(answeredAt).getTime())
        : null,
  }));
}
