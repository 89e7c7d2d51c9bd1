import type { Kysely, Transaction } from 'kysely';
import { v4 as uuidv4 } from 'uuid';
import type { z } from 'zod';
import type { Role } from '../shared/contract';
import type { CustomerRecord, SalespersonRecord } from '../shared/contract/sync';
import type { CallbackType } from '../shared/domain/callback-types';
import { hashPassword } from './auth/password';
import type { HqSchema } from './db/schema';
import { lockBranch, recordChange } from './sync/changes';

type Tx = Transaction<HqSchema> | Kysely<HqSchema>;

/**
 * Head office's reference data as administrators, feeds and the demo write it. Each write records a change
 * for the branch's seats to pull (under the branch's lock, see sync/changes.ts).
 */

export async function upsertBranch(tx: Tx, branch: { id: string; name: string }): Promise<void> {
  await tx
    .insertInto('branches')
    .values(branch)
    .onConflict((oc) => oc.column('id').doUpdateSet({ name: branch.name }))
    .execute();
}

export interface NewUser {
  id?: string;
  code: string;
  name: string;
  role: Role;
  branchId: string | null;
  password?: string;
  /** Already hashed (the scrypt format); instead of `password`. */
  passwordHash?: string;
  staffId?: string | null;
}

export async function upsertUser(tx: Tx, user: NewUser): Promise<string> {
  const id = user.id ?? uuidv4();
  const passwordHash = user.passwordHash ?? (await hashPassword(user.password ?? ''));
  const row = {
    id,
    code: user.code,
    name: user.name,
    role: user.role,
    branch_id: user.branchId,
    password_hash: passwordHash,
    staff_id: user.staffId ?? null,
  };
  await tx
    .insertInto('users')
    .values(row)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        code: row.code,
        name: row.name,
        role: row.role,
        branch_id: row.branch_id,
        password_hash: row.password_hash,
        staff_id: row.staff_id,
      }),
    )
    .execute();
  if (user.branchId) {
    await lockBranch(tx, user.branchId);
    await recordChange(tx, { branchId: user.branchId, kind: 'agent', entityId: id });
  }
  return id;
}

/** As head office sends it to the seats (shared/contract/sync.ts). */
export type SalespersonRow = z.infer<typeof SalespersonRecord>;

export async function upsertSalespeople(tx: Tx, rows: SalespersonRow[]): Promise<void> {
  for (const s of rows) {
    const row = { id: s.id, code: s.code, name: s.name, branch_id: s.branchId, departed_at: s.departedAt };
    await tx
      .insertInto('salespeople')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          code: row.code,
          name: row.name,
          branch_id: row.branch_id,
          departed_at: row.departed_at,
        }),
      )
      .execute();
    await lockBranch(tx, s.branchId);
    await recordChange(tx, { branchId: s.branchId, kind: 'salesperson', entityId: s.id });
  }
}

/** As head office sends it to the seats (shared/contract/sync.ts). */
export type CustomerRow = z.infer<typeof CustomerRecord>;

export async function upsertCustomers(tx: Tx, rows: CustomerRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((c) => ({
    id: c.id,
    name: c.name,
    id_number: c.idNumber,
    phone: c.phone,
    branch_id: c.branchId,
    salesperson_id: c.salespersonId,
    introducer_id: c.introducerId,
    opened_at: c.openedAt,
    channel: c.channel,
    margin: c.margin,
  }));
  for (let i = 0; i < values.length; i += 500) {
    await tx
      .insertInto('customers')
      .values(values.slice(i, i + 500))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          id_number: eb.ref('excluded.id_number'),
          phone: eb.ref('excluded.phone'),
          branch_id: eb.ref('excluded.branch_id'),
          salesperson_id: eb.ref('excluded.salesperson_id'),
          introducer_id: eb.ref('excluded.introducer_id'),
          opened_at: eb.ref('excluded.opened_at'),
          channel: eb.ref('excluded.channel'),
          margin: eb.ref('excluded.margin'),
        })),
      )
      .execute();
  }
  for (const branchId of new Set(rows.map((c) => c.branchId))) await lockBranch(tx, branchId);
  for (const c of rows) await recordChange(tx, { branchId: c.branchId, kind: 'customer', entityId: c.id });
}

export interface NewPurpose {
  type: CallbackType;
  deadlineAt: string;
  reason: string;
  salespersonId: string | null;
  /** The feed row it came from: a purpose with a key already seen is not added again. */
  sourceKey: string;
}

/**
 * Adds purposes for a customer: into the customer's open task when there is one (一事一扰: one task, one
 * call), else into a new task. A purpose whose source key exists already, or whose type the open task has,
 * is skipped. Returns the task id and how many purposes were added.
 */
export async function addPurposes(
  tx: Tx,
  customer: { id: string; branchId: string },
  purposes: NewPurpose[],
  now: string,
  options: { taskId?: string; assignedSeatId?: string | null } = {},
): Promise<{ taskId: string; added: number }> {
  await lockBranch(tx, customer.branchId);
  const open = await tx
    .selectFrom('tasks')
    .select(['id', 'assigned_seat_id', 'deadline_at'])
    .where('customer_id', '=', customer.id)
    .where('status', '=', 'open')
    .forUpdate()
    .executeTakeFirst();
  const known = new Set(
    (
      await tx
        .selectFrom('task_purposes')
        .select('source_key')
        .where('source_key', 'in', purposes.length > 0 ? purposes.map((p) => p.sourceKey) : [''])
        .execute()
    ).map((r) => r.source_key),
  );
  const taken = open
    ? new Set(
        (await tx.selectFrom('task_purposes').select('type').where('task_id', '=', open.id).execute()).map(
          (r) => r.type,
        ),
      )
    : new Set<string>();
  const fresh = purposes.filter((p) => !known.has(p.sourceKey) && !taken.has(p.type));
  let taskId = open?.id ?? options.taskId ?? uuidv4();
  if (fresh.length === 0) return { taskId, added: 0 };
  const earliest = fresh.map((p) => p.deadlineAt).sort()[0] as string;
  let seatId = open?.assigned_seat_id ?? null;
  if (!open) {
    seatId = options.assignedSeatId ?? null;
    await tx
      .insertInto('tasks')
      .values({
        id: taskId,
        customer_id: customer.id,
        branch_id: customer.branchId,
        status: 'open',
        assigned_seat_id: seatId,
        deadline_at: earliest,
        next_attempt_at: null,
        created_at: now,
      })
      .execute();
  } else if (earliest < open.deadline_at) {
    taskId = open.id;
    await tx.updateTable('tasks').set({ deadline_at: earliest }).where('id', '=', taskId).execute();
  }
  await tx
    .insertInto('task_purposes')
    .values(
      fresh.map((p) => ({
        task_id: taskId,
        type: p.type,
        deadline_at: p.deadlineAt,
        reason: p.reason,
        salesperson_id: p.salespersonId,
        source_key: p.sourceKey,
        created_at: now,
      })),
    )
    .execute();
  // A task a seat already holds changes under it: the seat pulls the new purposes.
  if (seatId) await recordChange(tx, { branchId: customer.branchId, kind: 'task', entityId: taskId, seatId });
  return { taskId, added: fresh.length };
}

/** Hands a task to another seat (or back to the branch's pool): the old seat is told to stop offering it. */
export async function reassignTask(tx: Tx, taskId: string, toSeatId: string | null): Promise<void> {
  const task = await tx
    .selectFrom('tasks')
    .select(['branch_id', 'assigned_seat_id'])
    .where('id', '=', taskId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  await lockBranch(tx, task.branch_id);
  await tx.updateTable('tasks').set({ assigned_seat_id: toSeatId }).where('id', '=', taskId).execute();
  if (task.assigned_seat_id) {
    await recordChange(tx, {
      branchId: task.branch_id,
      kind: 'revoke',
      entityId: taskId,
      seatId: task.assigned_seat_id,
    });
  }
  if (toSeatId)
    await recordChange(tx, { branchId: task.branch_id, kind: 'task', entityId: taskId, seatId: toSeatId });
}
