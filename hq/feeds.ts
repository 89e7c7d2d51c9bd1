import type { Kysely, Transaction } from 'kysely';
import { v4 as uuidv4 } from 'uuid';
import { z } from 'zod';
import type { CallbackType } from '../shared/domain/callback-types';
import type { Hq } from './context';
import type { HqSchema } from './db/schema';
import { upsertCustomers } from './reference';
import {
  type CustomerState,
  callQuarters,
  DEFAULT_RULES,
  type FeedBatch,
  type FeedKind,
  localDateOf,
  type OpenTaskState,
  parseFeed,
  plan,
  type QuarterKey,
  quarterOf,
  type Rules,
  type Skipped,
} from './rules';
import { lockBranch, recordChange } from './sync/changes';

type Tx = Transaction<HqSchema> | Kysely<HqSchema>;

/** What an import did, as the importer sees it (and as `feed_imports` keeps it). */
export const ImportReport = z.object({
  importId: z.uuid(),
  rows: z.number().int(),
  tasksCreated: z.number().int(),
  purposesAdded: z.number().int(),
  purposesMerged: z.number().int(),
  customersUpserted: z.number().int(),
  skipped: z.array(
    z.object({
      feed: z.string(),
      row: z.number().int(),
      sourceKey: z.string().nullable(),
      customerId: z.string().nullable(),
      reason: z.string(),
      message: z.string(),
    }),
  ),
});
export type ImportReport = Omit<z.infer<typeof ImportReport>, 'skipped'> & { skipped: Skipped[] };

/** The ids the rows name, to load only the state the plan needs. */
function referenced(batches: readonly FeedBatch[]) {
  const customers = new Set<string>();
  const salespeople = new Set<string>();
  const branches = new Set<string>();
  for (const b of batches) {
    for (const { value } of parseFeed(b.kind, b.rows, b.firstRow ?? 1).rows) {
      const row = value as Record<string, unknown>;
      if (typeof row.customerId === 'string') customers.add(row.customerId);
      if (b.kind === 'salesperson_departures' && typeof row.salespersonId === 'string')
        salespeople.add(row.salespersonId);
      const ids = row.branchIds ?? row.branchId;
      if (b.kind === 'satisfaction_campaigns')
        for (const id of [ids].flat()) if (typeof id === 'string') branches.add(id);
    }
  }
  return { customers: [...customers], salespeople: [...salespeople], branches: [...branches] };
}

async function loadState(tx: Tx, batches: readonly FeedBatch[]) {
  const ref = referenced(batches);
  const customerRows = await tx
    .selectFrom('customers')
    .select(['id', 'branch_id', 'salesperson_id', 'introducer_id'])
    .where((eb) =>
      eb.or([
        eb('id', 'in', ref.customers.length > 0 ? ref.customers : ['']),
        eb('salesperson_id', 'in', ref.salespeople.length > 0 ? ref.salespeople : ['']),
        eb('introducer_id', 'in', ref.salespeople.length > 0 ? ref.salespeople : ['']),
        eb('branch_id', 'in', ref.branches.length > 0 ? ref.branches : ['']),
      ]),
    )
    .execute();
  const customers = new Map<string, CustomerState>(
    customerRows.map((c) => [
      c.id,
      { id: c.id, branchId: c.branch_id, salespersonId: c.salesperson_id, introducerId: c.introducer_id },
    ]),
  );
  const ids = [...customers.keys()];
  const open = ids.length
    ? await tx
        .selectFrom('tasks')
        .innerJoin('task_purposes', 'task_purposes.task_id', 'tasks.id')
        .select([
          'tasks.id',
          'tasks.customer_id',
          'tasks.branch_id',
          'tasks.created_at',
          'tasks.deadline_at as task_deadline',
          'task_purposes.type',
          'task_purposes.deadline_at',
          'task_purposes.reason',
          'task_purposes.salesperson_id',
        ])
        .where('tasks.status', '=', 'open')
        .where('tasks.customer_id', 'in', ids)
        .execute()
    : [];
  const openTasks = new Map<string, OpenTaskState & { purposes: OpenTaskState['purposes'][number][] }>();
  const counts = new Map<string, Map<QuarterKey, number>>();
  const bump = (customerId: string, q: QuarterKey) => {
    const m = counts.get(customerId) ?? new Map<QuarterKey, number>();
    m.set(q, (m.get(q) ?? 0) + 1);
    counts.set(customerId, m);
  };
  const taskQuarters = new Map<string, { customerId: string; from: string; to: string }>();
  for (const r of open) {
    const task = openTasks.get(r.customer_id) ?? {
      id: r.id,
      customerId: r.customer_id,
      branchId: r.branch_id,
      purposes: [],
    };
    task.purposes.push({
      type: r.type as CallbackType,
      deadlineAt: r.deadline_at,
      reason: r.reason,
      salespersonId: r.salesperson_id,
    });
    openTasks.set(r.customer_id, task);
    taskQuarters.set(r.id, { customerId: r.customer_id, from: r.created_at, to: r.task_deadline });
  }
  // A planned call counts in every quarter it may fall in; a call made, in the quarter it was made.
  for (const t of taskQuarters.values()) {
    for (const q of callQuarters(localDateOf(t.from), localDateOf(t.to))) bump(t.customerId, q);
  }
  if (ids.length) {
    const made = await tx
      .selectFrom('results')
      .innerJoin('tasks', 'tasks.id', 'results.task_id')
      .select(['tasks.customer_id', 'results.created_at'])
      .where('results.outcome', '=', 'completed')
      // A training call (演练线路) is practice with a simulated customer: no call made to the customer.
      .where('results.training', 'is', null)
      .where('tasks.customer_id', 'in', ids)
      .execute();
    for (const r of made) bump(r.customer_id, quarterOf(localDateOf(r.created_at)));
  }
  const seenKeys = new Set(
    (await tx.selectFrom('feed_keys').select('source_key').execute()).map((k) => k.source_key),
  );
  return { customers, openTasks, quarterCounts: counts, seen: seenKeys };
}

/**
 * Turns feed rows into tasks by the rules, in one transaction: customers from account openings, purposes
 * merged into each customer's one open task or a new one, every decided key remembered (a re-import of the
 * same feed creates nothing), and a change for the seat holding a task that changed.
 */
export async function importFeeds(
  hq: Hq,
  batches: FeedBatch[],
  options: { userId: string | null; rules?: Rules },
): Promise<ImportReport> {
  const rules = options.rules ?? DEFAULT_RULES;
  const now = hq.now().toISOString();
  const importId = uuidv4();
  return hq.db.db.transaction().execute(async (tx) => {
    // One import at a time: the state read here stays true until the plan is written.
    await lockBranch(tx, '*feeds*');
    const state = await loadState(tx, batches);
    const p = plan({ rules, now, batches, state });
    await upsertCustomers(
      tx,
      p.customers.map((c) => ({
        id: c.customerId,
        name: c.name,
        idNumber: c.idNumber,
        phone: c.mobile,
        branchId: c.branchId,
        salespersonId: c.salespersonId,
        introducerId: c.introducerId,
        openedAt: c.openedAt,
        channel: c.channel,
        margin: c.margin,
      })),
    );
    let tasksCreated = 0;
    let purposesAdded = 0;
    let purposesMerged = 0;
    for (const t of p.tasks) {
      await lockBranch(tx, t.branchId);
      let taskId = t.taskId;
      let seatId: string | null = null;
      if (taskId === null) {
        taskId = uuidv4();
        tasksCreated += 1;
        await tx
          .insertInto('tasks')
          .values({
            id: taskId,
            customer_id: t.customerId,
            branch_id: t.branchId,
            status: 'open',
            assigned_seat_id: null,
            deadline_at: t.deadlineAt,
            next_attempt_at: null,
            created_at: now,
          })
          .execute();
      } else {
        const row = await tx
          .updateTable('tasks')
          .set({ deadline_at: t.deadlineAt })
          .where('id', '=', taskId)
          .returning('assigned_seat_id')
          .executeTakeFirstOrThrow();
        seatId = row.assigned_seat_id;
      }
      if (t.add.length > 0) {
        await tx
          .insertInto('task_purposes')
          .values(
            t.add.map((a) => ({
              task_id: taskId as string,
              type: a.type,
              deadline_at: a.deadlineAt,
              reason: a.reason,
              salesperson_id: a.salespersonId,
              source_key: a.sourceKey,
              created_at: now,
            })),
          )
          .execute();
        purposesAdded += t.add.length;
      }
      for (const m of t.amend) {
        await tx
          .updateTable('task_purposes')
          .set({ deadline_at: m.deadlineAt, reason: m.reason, salesperson_id: m.salespersonId })
          .where('task_id', '=', taskId)
          .where('type', '=', m.type)
          .execute();
        purposesMerged += 1;
      }
      if (seatId) await recordChange(tx, { branchId: t.branchId, kind: 'task', entityId: taskId, seatId });
    }
    if (p.decided.length > 0) {
      for (let i = 0; i < p.decided.length; i += 1000) {
        await tx
          .insertInto('feed_keys')
          .values(
            p.decided.slice(i, i + 1000).map((d) => ({
              source_key: d.sourceKey,
              decision: d.decision,
              import_id: importId,
              at: now,
            })),
          )
          .onConflict((oc) => oc.column('source_key').doNothing())
          .execute();
      }
    }
    const report: ImportReport = {
      importId,
      rows: batches.reduce((n, b) => n + b.rows.length, 0),
      tasksCreated,
      purposesAdded,
      purposesMerged,
      customersUpserted: p.customers.length,
      skipped: p.skipped,
    };
    await tx
      .insertInto('feed_imports')
      .values({
        id: importId,
        kind: batches.map((b) => b.kind).join(','),
        user_id: options.userId,
        at: now,
        rows: report.rows,
        report: JSON.stringify(report),
      })
      .execute();
    return report;
  });
}

export type { FeedKind };
