import { type Kysely, sql, type Transaction } from 'kysely';
import type { PullResponse } from '../../shared/contract/sync';
import type { CallbackType } from '../../shared/domain/callback-types';
import type { Hq } from '../context';
import type { HqSchema } from '../db/schema';
import type { SeatPrincipal } from '../http/access';
import { lockBranch, recordChange } from './changes';

type Tx = Transaction<HqSchema> | Kysely<HqSchema>;

/** Open tasks a seat holds at most: it is given more as it works them off. */
export const SEAT_QUEUE = 200;
export const PULL_LIMIT = 500;

/**
 * What changed for this seat since `cursor`, one page at a time. First the seat is handed open tasks of its
 * branch that nobody holds (up to its queue), each to this seat alone (`FOR UPDATE SKIP LOCKED`: two seats
 * pulling at once never get the same task). The seat applies a page and its cursor in one transaction.
 */
export async function pull(
  hq: Hq,
  seat: SeatPrincipal,
  cursor: number,
  limit = PULL_LIMIT,
): Promise<PullResponse> {
  const queue = hq.seatQueue ?? SEAT_QUEUE;
  // Claiming writes (under the branch's lock): its own short transaction, and only when there is room and
  // something to claim, which one read tells. The page itself is plain reads: a task given to another seat
  // meanwhile is left out here, and its `revoke` comes later in the log.
  const work = await sql<{ held: number; waiting: boolean }>`
    SELECT (SELECT count(*) FROM tasks WHERE assigned_seat_id = ${seat.id}::uuid AND status = 'open')::int AS held,
           EXISTS (SELECT 1 FROM tasks WHERE branch_id = ${seat.branchId} AND status = 'open'
                   AND assigned_seat_id IS NULL) AS waiting`.execute(hq.db.db);
  const state = work.rows[0];
  if (state?.waiting && Number(state.held) < queue) {
    await hq.db.db.transaction().execute((tx) => claimTasks(tx, seat, queue));
  }
  const tx = hq.db.db;
  const rows = await tx
    .selectFrom('changes')
    .select(['seq', 'kind', 'entity_id'])
    .where('branch_id', '=', seat.branchId)
    .where('seq', '>', cursor)
    .where((eb) => eb.or([eb('seat_id', 'is', null), eb('seat_id', '=', seat.id)]))
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const ids = (kind: string) => [...new Set(page.filter((r) => r.kind === kind).map((r) => r.entity_id))];
  const tasks = await loadTasks(tx, seat, ids('task'));
  const customerIds = new Set([...ids('customer'), ...tasks.map((t) => t.customerId)]);
  const customers = await loadCustomers(tx, [...customerIds]);
  const salespersonIds = new Set(ids('salesperson'));
  for (const c of customers) {
    if (c.salespersonId) salespersonIds.add(c.salespersonId);
    if (c.introducerId) salespersonIds.add(c.introducerId);
  }
  for (const t of tasks) for (const p of t.purposes) if (p.salespersonId) salespersonIds.add(p.salespersonId);
  return {
    cursor: page.at(-1)?.seq ?? cursor,
    more: rows.length > limit,
    salespeople: await loadSalespeople(tx, [...salespersonIds]),
    agents: await loadAgents(tx, ids('agent')),
    customers,
    tasks,
    revoked: ids('revoke'),
    scripts: await loadScripts(tx, ids('script')),
    settings: await loadSettings(tx, seat.branchId, ids('setting')),
  };
}

async function claimTasks(tx: Tx, seat: SeatPrincipal, queue: number): Promise<void> {
  const held = await tx
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('assigned_seat_id', '=', seat.id)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  const room = queue - Number(held.n);
  if (room <= 0) return;
  await lockBranch(tx, seat.branchId);
  const claimed = await tx
    .updateTable('tasks')
    .set({ assigned_seat_id: seat.id })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('tasks')
        .select('id')
        .where('branch_id', '=', seat.branchId)
        .where('status', '=', 'open')
        .where('assigned_seat_id', 'is', null)
        .orderBy('deadline_at')
        .orderBy('id')
        .limit(room)
        .forUpdate()
        .skipLocked(),
    )
    .returning('id')
    .execute();
  for (const { id } of claimed) {
    await recordChange(tx, { branchId: seat.branchId, kind: 'task', entityId: id, seatId: seat.id });
  }
}

async function loadTasks(tx: Tx, seat: SeatPrincipal, ids: string[]): Promise<PullResponse['tasks']> {
  if (ids.length === 0) return [];
  const tasks = await tx
    .selectFrom('tasks')
    .select(['id', 'customer_id', 'branch_id', 'status', 'created_at', 'assigned_seat_id'])
    .where('id', 'in', ids)
    .execute();
  const purposes = await tx
    .selectFrom('task_purposes')
    .select(['task_id', 'type', 'deadline_at', 'reason', 'salesperson_id'])
    .where('task_id', 'in', ids)
    .orderBy('type')
    .execute();
  // A task handed to another seat since is taken back by its own `revoke` change, later in the log.
  return tasks
    .filter((t) => t.assigned_seat_id === seat.id)
    .map((t) => ({
      id: t.id,
      customerId: t.customer_id,
      branchId: t.branch_id,
      assignedAgentId: null,
      status: t.status,
      createdAt: t.created_at,
      purposes: purposes
        .filter((p) => p.task_id === t.id)
        .map((p) => ({
          type: p.type as CallbackType,
          deadlineAt: p.deadline_at,
          reason: p.reason,
          salespersonId: p.salesperson_id,
        })),
    }));
}

async function loadCustomers(tx: Tx, ids: string[]): Promise<PullResponse['customers']> {
  if (ids.length === 0) return [];
  const rows = await tx.selectFrom('customers').selectAll().where('id', 'in', ids).execute();
  return rows.map((c) => ({
    id: c.id,
    name: c.name,
    idNumber: c.id_number,
    phone: c.phone,
    branchId: c.branch_id,
    salespersonId: c.salesperson_id,
    introducerId: c.introducer_id,
    openedAt: c.opened_at,
    channel: c.channel,
    margin: c.margin,
    doNotCall: c.do_not_call,
    preferredTimes: c.preferred_times,
  }));
}

async function loadSalespeople(tx: Tx, ids: string[]): Promise<PullResponse['salespeople']> {
  if (ids.length === 0) return [];
  const rows = await tx.selectFrom('salespeople').selectAll().where('id', 'in', ids).execute();
  return rows.map((s) => ({
    id: s.id,
    code: s.code,
    name: s.name,
    branchId: s.branch_id,
    departedAt: s.departed_at,
  }));
}

async function loadAgents(tx: Tx, ids: string[]): Promise<PullResponse['agents']> {
  if (ids.length === 0) return [];
  const rows = await tx
    .selectFrom('users')
    // Never the password hash: the seat makes its own verifier at an agent's login there (#14).
    .select(['id', 'code', 'name', 'branch_id', 'role', 'staff_id'])
    .where('id', 'in', ids)
    .where('branch_id', 'is not', null)
    .execute();
  return rows.map((u) => ({
    id: u.id,
    code: u.code,
    name: u.name,
    branchId: u.branch_id as string,
    role: u.role,
    staffId: u.staff_id,
  }));
}

async function loadScripts(tx: Tx, keys: string[]): Promise<PullResponse['scripts']> {
  const out: PullResponse['scripts'] = [];
  for (const key of keys) {
    const at = key.lastIndexOf('@');
    const row = await tx
      .selectFrom('scripts')
      .select(['id', 'version', 'body'])
      .where('id', '=', key.slice(0, at))
      .where('version', '=', Number(key.slice(at + 1)))
      .executeTakeFirst();
    if (row) out.push({ id: row.id, version: row.version, body: row.body });
  }
  return out;
}

async function loadSettings(tx: Tx, branchId: string, keys: string[]): Promise<PullResponse['settings']> {
  if (keys.length === 0) return [];
  const rows = await tx
    .selectFrom('branch_settings')
    .select(['key', 'value'])
    .where('branch_id', '=', branchId)
    .where('key', 'in', keys)
    .execute();
  return rows.map((r) => ({ key: r.key, value: r.value }));
}
