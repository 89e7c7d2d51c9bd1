/**
 * What a seat does between faults: audit facts and wrap-ups (result, outbox entry, audit entry in one
 * transaction), each reported by its id once its transaction has returned. Used by the seat driver (its own
 * process) and by the loops that keep the seat in the test's process.
 */
import type { SeatStore } from '../../electron/seat/store/seat-store';
import { resultFor } from '../support/seat';

export interface Done {
  kind: 'audit' | 'result';
  id: string;
}

/** An open task of the seat's branch that has no result yet, or null. */
function openTask(store: SeatStore): string | null {
  const row = store.db
    .prepare(
      `SELECT t.id FROM tasks t WHERE t.status = 'open' AND t.assigned_agent_id IS NULL
       AND NOT EXISTS (SELECT 1 FROM results r WHERE r.task_id = t.id) ORDER BY t.id LIMIT 1`,
    )
    .get() as { id: string } | undefined;
  return row?.id ?? null;
}

/**
 * `n` facts: an audit fact each, and (when `agentId` is given and `resultEvery` divides the count) a result on
 * an open task; `newTask` makes one when none is left (a seat without head office). Calls `done` after each
 * commit returned.
 */
export function work(
  store: SeatStore,
  n: number,
  opts: {
    agentId?: string | null;
    resultEvery?: number;
    newTask?: () => string;
    counter: { i: number };
    done: (d: Done) => void;
  },
): void {
  for (let k = 0; k < n; k++) {
    const i = opts.counter.i++;
    const every = opts.resultEvery ?? 0;
    if (opts.agentId && every > 0 && i % every === 0) {
      const taskId = openTask(store) ?? opts.newTask?.() ?? null;
      if (taskId) {
        const args = resultFor(taskId, { outcome: 'refused', notes: `fault ${i}` });
        store.commitResult(opts.agentId, args);
        opts.done({ kind: 'result', id: args.id });
        continue;
      }
    }
    const id = store.audit({
      agentId: null,
      action: 'fault.fact',
      entityType: 'fault',
      entityId: `F${i}`,
      detail: { i },
    });
    opts.done({ kind: 'audit', id });
  }
}
