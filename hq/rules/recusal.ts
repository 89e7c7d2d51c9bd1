import type { Role } from '../../shared/contract/schemas';
import type { CallbackType } from '../../shared/domain/callback-types';
import type { Rules } from './config';

/**
 * Who may work a task. Recusal (DOMAIN.md, practice from other brokerages' rules): an agent never calls back a
 * customer they introduced or serve as salesperson. Read broadly here: nobody whose staff id is named by the
 * customer (salesperson, introducer) or by any of the task's purposes (the departed salesperson of a departure
 * callback, the salesperson a complaint was about, the developer of a new account) may take it, since each of
 * those callbacks checks that person's conduct.
 *
 * Routing (DOMAIN.md, "who calls"): every task belongs to its customer's branch; the head-office call center
 * may also take it when every purpose is one it calls (`routing.headOfficeTypes`).
 */

export type CallerLevel = 'branch' | 'head_office';

export interface RecusalTask {
  /** The customer's branch. */
  branchId: string;
  customer: { salespersonId: string | null; introducerId: string | null };
  purposes: readonly { type: CallbackType; salespersonId: string | null }[];
}

export interface Caller {
  id: string;
  /** The agent's own staff record, when the agent is (or was) also a salesperson. */
  staffId: string | null;
  /** Null, or one of `routing.callCenterBranchIds`: the head-office call center. */
  branchId: string | null;
  role?: Role;
}

/** The staff ids that may not work the task, sorted, each once: head office can send them with the task. */
export function recusedStaffIds(task: RecusalTask): string[] {
  const ids = new Set<string>();
  for (const id of [task.customer.salespersonId, task.customer.introducerId]) if (id !== null) ids.add(id);
  for (const p of task.purposes) if (p.salespersonId !== null) ids.add(p.salespersonId);
  return [...ids].sort();
}

export function isRecused(staffId: string | null, task: RecusalTask): boolean {
  return staffId !== null && recusedStaffIds(task).includes(staffId);
}

export function callerLevel(rules: Rules, branchId: string | null): CallerLevel {
  return branchId === null || rules.config.routing.callCenterBranchIds.includes(branchId)
    ? 'head_office'
    : 'branch';
}

/** The levels that may call a task: its branch always; head office when every purpose allows it. */
export function levelsFor(rules: Rules, purposes: RecusalTask['purposes']): CallerLevel[] {
  const hq = rules.config.routing.headOfficeTypes;
  return purposes.length > 0 && purposes.every((p) => hq.includes(p.type))
    ? ['branch', 'head_office']
    : ['branch'];
}

function reaches(rules: Rules, branchId: string | null, task: RecusalTask): boolean {
  if (callerLevel(rules, branchId) === 'branch') return branchId === task.branchId;
  return levelsFor(rules, task.purposes).includes('head_office');
}

/**
 * The agents who may work the task, in the order given: the right role, the task's branch (or the head-office
 * call center where allowed), and not recused.
 */
export function eligibleAgents<A extends Caller>(
  rules: Rules,
  agents: readonly A[],
  task: RecusalTask,
  roles: readonly Role[] = ['agent'],
): A[] {
  const recused = new Set(recusedStaffIds(task));
  return agents.filter(
    (a) =>
      (a.role === undefined || roles.includes(a.role)) &&
      reaches(rules, a.branchId, task) &&
      (a.staffId === null || !recused.has(a.staffId)),
  );
}

/**
 * The seats a task may be delivered to: the branch's seats, and the call center's where allowed. A seat has no
 * staff id, so recusal is enforced again per agent on the seat (with `recusedStaffIds`).
 */
export function eligibleSeats<S extends { id: string; branchId: string | null }>(
  rules: Rules,
  seats: readonly S[],
  task: RecusalTask,
): S[] {
  return seats.filter((s) => reaches(rules, s.branchId, task));
}

/**
 * One agent for the task: among the eligible, the branch's own before head office, then the fewest open tasks
 * (`load`), then the smallest id, so the choice is the same on every run. Null when nobody may take it.
 */
export function chooseAgent<A extends Caller>(
  rules: Rules,
  agents: readonly A[],
  task: RecusalTask,
  load: ReadonlyMap<string, number> = new Map(),
): A | null {
  const rank = (a: A): [number, number, string] => [
    callerLevel(rules, a.branchId) === 'branch' ? 0 : 1,
    load.get(a.id) ?? 0,
    a.id,
  ];
  let best: A | null = null;
  for (const a of eligibleAgents(rules, agents, task)) {
    if (best === null) {
      best = a;
      continue;
    }
    const [x, y] = [rank(a), rank(best)];
    if (x[0] < y[0] || (x[0] === y[0] && (x[1] < y[1] || (x[1] === y[1] && x[2] < y[2])))) best = a;
  }
  return best;
}
