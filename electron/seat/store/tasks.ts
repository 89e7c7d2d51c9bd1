import {
  type Attempt,
  type CustomerMasked,
  type CustomerSearchKind,
  type Purpose,
  type ResultSummary,
  type Salesperson,
  SeatError,
  type TaskDetail,
  type WorklistItem,
  type WorklistSort,
} from '../../../shared/contract';
import { CALLBACK_TYPES, type CallbackType, purposeMask } from '../../../shared/domain/callback-types';
import { maskIdNumber, maskPhone } from '../../../shared/domain/masking';
import { customerContact } from './contact';
import { customerHistory } from './customer-history';
import { type Db, stmt } from './database';

/** The agent a query runs for: their id, branch, and staff id (for recusal). */
export interface Actor {
  agentId: string;
  branchId: string;
  staffId: string | null;
}

const byTypeOrder = (a: CallbackType, b: CallbackType) =>
  CALLBACK_TYPES.indexOf(a) - CALLBACK_TYPES.indexOf(b);

// What an actor may see of the open tasks, evaluated on the covering index alone: their branch, unassigned
// or assigned to them, and (for the filter) having one of the wanted purposes.
const OPEN_FOR_ACTOR = `
  t.status = 'open' AND t.branch_id = :branchId
  AND (t.assigned_agent_id IS NULL OR t.assigned_agent_id = :agentId)
  AND (:mask = 0 OR (t.purpose_mask & :mask) <> 0)`;

// Recusal (DOMAIN): an agent never sees a customer they introduced or serve as salesperson.
const NOT_RECUSED = `(:staffId IS NULL OR (ifnull(c.salesperson_id, '') <> :staffId AND ifnull(c.introducer_id, '') <> :staffId))`;

const WORKLIST_COLUMNS = `
  t.id AS taskId, t.customer_id AS customerId, c.name AS customerName, c.phone AS phone,
  t.deadline_at AS deadlineAt, t.next_attempt_at AS nextAttemptAt, t.last_attempt_at AS lastAttemptAt,
  (SELECT group_concat(p.type) FROM task_purposes p WHERE p.task_id = t.id) AS purposes,
  (SELECT count(*) FROM attempts a WHERE a.task_id = t.id AND a.training_persona_id IS NULL) AS attempts`;

/**
 * What the worklist is sorted by before its deadline and id (which make every order total, so that keyset
 * paging never skips or repeats a row), each served by an index (migration 0011): the customer's name, the
 * task's first callback type in CALLBACK_TYPES order (the lowest bit of its purpose mask), its last real dial
 * (never dialled first). Null: by deadline alone (tasks_open_by_deadline).
 */
const SORT_KEY: Record<WorklistSort, string | null> = {
  deadline: null,
  customer: 'c.name',
  type: '(t.purpose_mask & -t.purpose_mask)',
  lastAttempt: "ifnull(t.last_attempt_at, '')",
};

/**
 * The cursor task's own sort key, for the next page (looked up here, so the cursor stays deadline and id):
 * only of a task the actor may see (open or closed since), so that no other task's key shows through the
 * order of the page.
 */
const CURSOR_KEY = (sort: WorklistSort) => `
  SELECT ${SORT_KEY[sort]} AS k FROM tasks t JOIN customers c ON c.id = t.customer_id
  WHERE t.id = :afterId AND t.branch_id = :branchId
    AND (t.assigned_agent_id IS NULL OR t.assigned_agent_id = :agentId) AND ${NOT_RECUSED}`;

// A search (customerSearch): the customer's name or its start (a range, which an index on the name could
// serve), or the full number. Everything else is the worklist's own: the actor's branch, assignment, recusal.
const CUSTOMER_MATCH: Record<CustomerSearchKind, string> = {
  name: 'c.name >= :search AND c.name < :search || char(1114111)',
  phone: 'c.phone = :search',
  idNumber: 'upper(c.id_number) = :search',
};

/**
 * One page of the worklist: the actor's open tasks (OPEN_FOR_ACTOR, recusal), a search's customers only when
 * given, in the sort's order; after the cursor when given (keyset paging: the row value comparison walks the
 * sort's index from the cursor on).
 */
const worklistPage = (sort: WorklistSort, kind: CustomerSearchKind | undefined, after: boolean) => {
  const key = SORT_KEY[sort];
  const order = key ? `${key}, t.deadline_at, t.id` : 't.deadline_at, t.id';
  const cursor = after ? `(${order}) > (${key ? ':afterKey, ' : ''}:afterDeadline, :afterId)` : '';
  // By name: the customers in name order (customers_by_name, from the cursor's name on), each one's open tasks
  // (tasks_open_by_customer), instead of sorting every open task of the branch for each page.
  const byName = sort === 'customer';
  const seek = byName && after ? 'c.name >= :afterKey' : '';
  const where = [OPEN_FOR_ACTOR, seek, cursor, kind ? CUSTOMER_MATCH[kind] : '', NOT_RECUSED].filter(Boolean);
  const from = byName
    ? 'customers c CROSS JOIN tasks t ON t.customer_id = c.id'
    : 'tasks t JOIN customers c ON c.id = t.customer_id';
  return `
  SELECT ${WORKLIST_COLUMNS} FROM ${from}
  WHERE ${where.join(' AND ')}
  ORDER BY ${order} LIMIT :limit`;
};

// The total is the index-only count minus the recused few, found from the salesperson's customers (the
// CROSS JOIN keeps that order), so it costs the same whether the seat holds ten open tasks or ten thousand.
const WORKLIST_TOTAL = `
  SELECT (SELECT count(*) FROM tasks t WHERE ${OPEN_FOR_ACTOR})
       - (SELECT count(*) FROM (SELECT id FROM customers WHERE salesperson_id = :staffId
                                UNION SELECT id FROM customers WHERE introducer_id = :staffId) r
          CROSS JOIN tasks t ON t.customer_id = r.id
          WHERE ${OPEN_FOR_ACTOR}) AS n`;

const searchTotal = (kind: CustomerSearchKind) => `
  SELECT count(*) AS n FROM tasks t JOIN customers c ON c.id = t.customer_id
  WHERE ${OPEN_FOR_ACTOR} AND ${CUSTOMER_MATCH[kind]} AND ${NOT_RECUSED}`;

interface WorklistRow {
  taskId: string;
  customerId: string;
  customerName: string;
  phone: string;
  deadlineAt: string;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  purposes: string;
  attempts: number;
}

export interface WorklistQuery {
  types?: CallbackType[] | undefined;
  limit: number;
  after?: { deadlineAt: string; taskId: string } | undefined;
  /** A customer to find, as `customerSearch` read what was typed. */
  search?: { kind: CustomerSearchKind; value: string } | undefined;
  /** The order (deadline when not given); ties by deadline, then task id. */
  sort?: WorklistSort | undefined;
}

export function worklist(db: Db, actor: Actor, q: WorklistQuery): { items: WorklistItem[]; total: number } {
  const params = {
    branchId: actor.branchId,
    agentId: actor.agentId,
    staffId: actor.staffId,
    mask: q.types ? purposeMask(q.types) : 0,
    limit: q.limit,
  };
  const kind = q.search?.kind;
  const sort = q.sort ?? 'deadline';
  const searched = q.search ? { search: q.search.value } : {};
  let cursor = {};
  if (q.after) {
    const afterKey = SORT_KEY[sort]
      ? stmt<[object], { k: string | number }>(db, CURSOR_KEY(sort)).get({
          afterId: q.after.taskId,
          branchId: actor.branchId,
          agentId: actor.agentId,
          staffId: actor.staffId,
        })
      : { k: null };
    // Tasks are never deleted: a cursor naming none the actor may see was not made by their worklist.
    if (!afterKey) throw new SeatError('NOT_FOUND', '任务不存在或已被收回');
    cursor = {
      afterDeadline: new Date(q.after.deadlineAt).toISOString(),
      afterId: q.after.taskId,
      ...(SORT_KEY[sort] ? { afterKey: afterKey.k } : {}),
    };
  }
  const rows = stmt<[object], WorklistRow>(db, worklistPage(sort, kind, q.after !== undefined)).all({
    ...params,
    ...searched,
    ...cursor,
  });
  const { limit: _limit, ...countParams } = params;
  const total =
    stmt<[object], { n: number }>(db, kind ? searchTotal(kind) : WORKLIST_TOTAL).get({
      ...countParams,
      ...searched,
    })?.n ?? 0;
  return {
    total,
    items: rows.map((r) => ({
      taskId: r.taskId,
      customerId: r.customerId,
      customerName: r.customerName,
      phoneMasked: maskPhone(r.phone),
      purposes: (r.purposes.split(',') as CallbackType[]).sort(byTypeOrder),
      deadlineAt: r.deadlineAt,
      nextAttemptAt: r.nextAttemptAt,
      lastAttemptAt: r.lastAttemptAt,
      attempts: r.attempts,
    })),
  };
}

interface TaskRow {
  id: string;
  status: 'open' | 'closed';
  deadlineAt: string;
  nextAttemptAt: string | null;
  customerId: string;
}

/** The task if the actor may see it; `NOT_FOUND` or `FORBIDDEN` otherwise. */
export function visibleTask(db: Db, actor: Actor, taskId: string): TaskRow {
  const row = stmt<[object], TaskRow & { visible: number }>(
    db,
    `SELECT t.id, t.status, t.deadline_at AS deadlineAt, t.next_attempt_at AS nextAttemptAt,
            t.customer_id AS customerId,
            (t.branch_id = :branchId AND (t.assigned_agent_id IS NULL OR t.assigned_agent_id = :agentId)
             AND ${NOT_RECUSED}) AS visible
     FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE t.id = :taskId`,
  ).get({ taskId, branchId: actor.branchId, agentId: actor.agentId, staffId: actor.staffId });
  if (!row) throw new SeatError('NOT_FOUND', '任务不存在或已被收回');
  if (!row.visible) throw new SeatError('FORBIDDEN', '您无权处理该任务（回避规则或任务已分配给其他坐席）');
  const { visible: _visible, ...task } = row;
  return task;
}

/** Whether the actor may see the customer: same branch, not recused. */
export function assertCustomerVisible(db: Db, actor: Actor, customerId: string): void {
  const row = stmt<[object], { visible: number }>(
    db,
    `SELECT (c.branch_id = :branchId AND (:staffId IS NULL OR
              (ifnull(c.salesperson_id, '') <> :staffId AND ifnull(c.introducer_id, '') <> :staffId))) AS visible
     FROM customers c WHERE c.id = :customerId`,
  ).get({ customerId, branchId: actor.branchId, staffId: actor.staffId });
  if (!row) throw new SeatError('NOT_FOUND', '客户不存在');
  if (!row.visible) throw new SeatError('FORBIDDEN', '您无权查看该客户（回避规则）');
}

interface SalespersonRow {
  spId: string | null;
  spCode: string | null;
  spName: string | null;
  spDeparted: string | null;
}

const salesperson = (r: SalespersonRow): Salesperson | null =>
  r.spId && r.spCode !== null && r.spName !== null
    ? { id: r.spId, code: r.spCode, name: r.spName, departed: r.spDeparted !== null }
    : null;

const SP_COLUMNS = 's.id AS spId, s.code AS spCode, s.name AS spName, s.departed_at AS spDeparted';

export function taskDetail(db: Db, actor: Actor, taskId: string): TaskDetail {
  const task = visibleTask(db, actor, taskId);
  const c = stmt<[string], SalespersonRow & Record<string, unknown>>(
    db,
    `SELECT c.id, c.name, c.id_number AS idNumber, c.phone, c.branch_id AS branchId, c.opened_at AS openedAt,
            c.channel, c.margin, ${SP_COLUMNS}
     FROM customers c LEFT JOIN salespeople s ON s.id = c.salesperson_id WHERE c.id = ?`,
  ).get(task.customerId);
  if (!c) throw new SeatError('NOT_FOUND', '客户不存在');
  const customer: CustomerMasked = {
    id: String(c.id),
    name: String(c.name),
    idNumberMasked: maskIdNumber(String(c.idNumber)),
    phoneMasked: maskPhone(String(c.phone)),
    branchId: String(c.branchId),
    openedAt: (c.openedAt as string | null) ?? null,
    channel: (c.channel as CustomerMasked['channel']) ?? null,
    margin: c.margin === 1,
    salesperson: salesperson(c),
  };
  const purposes: Purpose[] = stmt<
    [string],
    SalespersonRow & { type: CallbackType; deadlineAt: string; reason: string }
  >(
    db,
    `SELECT p.type, p.deadline_at AS deadlineAt, p.reason, ${SP_COLUMNS}
     FROM task_purposes p LEFT JOIN salespeople s ON s.id = p.salesperson_id WHERE p.task_id = ?`,
  )
    .all(taskId)
    .sort((a, b) => byTypeOrder(a.type, b.type))
    .map((p) => ({ type: p.type, deadlineAt: p.deadlineAt, reason: p.reason, salesperson: salesperson(p) }));
  const attempts = stmt<[string], Attempt>(
    db,
    `SELECT a.id, a.task_id AS taskId, a.agent_id AS agentId, a.started_at AS startedAt,
            e.answered_at AS answeredAt, e.ended_at AS endedAt, e.outcome, e.sip_code AS sipCode,
            (SELECT r.id FROM recordings r WHERE r.attempt_id = a.id) AS recordingId,
            a.training_persona_id IS NOT NULL AS training
     FROM attempts a LEFT JOIN attempt_endings e ON e.attempt_id = a.id
     WHERE a.task_id = ? ORDER BY a.started_at, a.id`,
  )
    .all(taskId)
    .map((a) => ({ ...a, training: Boolean(a.training) }));
  const results = stmt<[string], Omit<ResultSummary, 'superseded'> & { superseded: number }>(
    db,
    `SELECT r.id, r.task_id AS taskId, r.agent_id AS agentId, r.outcome, r.disposition, r.notes,
            r.retry_at AS retryAt, r.created_at AS createdAt, r.supersedes_id AS supersedesId,
            EXISTS (SELECT 1 FROM results n WHERE n.supersedes_id = r.id) AS superseded
     FROM results r WHERE r.task_id = ? ORDER BY r.created_at, r.id`,
  )
    .all(taskId)
    .map((r) => ({ ...r, superseded: r.superseded === 1 }));
  return {
    taskId: task.id,
    status: task.status,
    deadlineAt: task.deadlineAt,
    nextAttemptAt: task.nextAttemptAt,
    customer,
    contact: customerContact(db, task.customerId),
    purposes,
    attempts,
    results,
    customerHistory: customerHistory(db, actor, task.customerId, task.id),
  };
}
