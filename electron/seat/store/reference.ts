import { purposeMask } from '../../../shared/domain/callback-types';
import { saveOfflineVerifier } from './agents';
import { type Db, stmt } from './database';
import type { ReferenceBatch } from './records';

/**
 * Upserts reference data (from head office's pull or the demo generator) in one transaction. A task closed
 * on this seat stays closed whatever the batch says: the seat's own result is newer news than the batch.
 */
export function importReferenceData(db: Db, batch: ReferenceBatch, at = new Date().toISOString()): void {
  db.transaction(() => {
    const sp = stmt(
      db,
      `INSERT INTO salespeople (id, code, name, branch_id, departed_at) VALUES (:id, :code, :name, :branchId, :departedAt)
       ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, branch_id = excluded.branch_id,
         departed_at = excluded.departed_at`,
    );
    for (const s of batch.salespeople) sp.run(s);

    const agent = stmt(
      db,
      `INSERT INTO agents (id, code, name, branch_id, role, staff_id)
       VALUES (:id, :code, :name, :branchId, :role, :staffId)
       ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, branch_id = excluded.branch_id,
         role = excluded.role, staff_id = excluded.staff_id`,
    );
    for (const { passwordHash, ...a } of batch.agents) {
      agent.run(a);
      // Only a local seed (demo, tests) gives one; a pull never does (sync.applyPull).
      if (passwordHash) saveOfflineVerifier(db, a.id, passwordHash, at);
    }

    const setDoNotCall = stmt(db, 'UPDATE customers SET do_not_call = ? WHERE id = ?');
    const setPreferred = stmt(db, 'UPDATE customers SET preferred_times = ? WHERE id = ?');
    const customer = stmt(
      db,
      `INSERT INTO customers (id, name, id_number, phone, branch_id, salesperson_id, introducer_id, opened_at, channel, margin)
       VALUES (:id, :name, :idNumber, :phone, :branchId, :salespersonId, :introducerId, :openedAt, :channel, :margin)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, id_number = excluded.id_number, phone = excluded.phone,
         branch_id = excluded.branch_id, salesperson_id = excluded.salesperson_id,
         introducer_id = excluded.introducer_id, opened_at = excluded.opened_at, channel = excluded.channel,
         margin = excluded.margin`,
    );
    for (const { doNotCall, preferredTimes, ...c } of batch.customers) {
      customer.run({ ...c, margin: c.margin ? 1 : 0 });
      if (doNotCall !== undefined && !contactPending(db, c.id, 'doNotCall')) {
        setDoNotCall.run(doNotCall === null ? null : JSON.stringify(doNotCall), c.id);
      }
      if (preferredTimes !== undefined && !contactPending(db, c.id, 'preferredTimes')) {
        setPreferred.run(JSON.stringify(preferredTimes), c.id);
      }
    }

    const task = stmt(
      db,
      `INSERT INTO tasks (id, customer_id, branch_id, assigned_agent_id, status, deadline_at, purpose_mask, created_at)
       VALUES (:id, :customerId, :branchId, :assignedAgentId, :status, :deadlineAt, :purposeMask, :createdAt)
       ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, branch_id = excluded.branch_id,
         assigned_agent_id = excluded.assigned_agent_id, deadline_at = excluded.deadline_at,
         purpose_mask = excluded.purpose_mask,
         status = CASE WHEN tasks.status = 'closed' THEN 'closed' ELSE excluded.status END`,
    );
    const clearPurposes = stmt(db, 'DELETE FROM task_purposes WHERE task_id = ?');
    const purpose = stmt(
      db,
      `INSERT INTO task_purposes (task_id, type, deadline_at, reason, salesperson_id)
       VALUES (:taskId, :type, :deadlineAt, :reason, :salespersonId)`,
    );
    for (const t of batch.tasks) {
      if (t.purposes.length === 0) throw new Error(`task ${t.id} has no purpose`);
      const deadlineAt = t.purposes.map((p) => p.deadlineAt).sort()[0] as string;
      const { purposes, ...row } = t;
      task.run({ ...row, deadlineAt, purposeMask: purposeMask(purposes.map((p) => p.type)) });
      clearPurposes.run(t.id);
      for (const p of purposes) purpose.run({ taskId: t.id, ...p });
    }
  })();
}

/**
 * Whether an agent's change of this wish of the customer still waits in the outbox: head office's value in a
 * pull is then older news than the seat's, and the seat keeps its own until head office has applied it (its
 * change then comes back in a later pull).
 */
function contactPending(db: Db, customerId: string, wish: 'doNotCall' | 'preferredTimes'): boolean {
  return (
    stmt<[string, string], { n: number }>(
      db,
      `SELECT 1 AS n FROM outbox WHERE kind = 'contact' AND entity_id = ? AND json_extract(payload, '$.wish') = ?
         AND seq > (SELECT acked_seq FROM sync_state)`,
    ).get(customerId, wish) !== undefined
  );
}
