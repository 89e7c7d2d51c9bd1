import { sql } from 'kysely';
import { SEAT_ONLINE_WITHIN_MS, type Watch } from '../shared/contract/review';
import type { Hq } from './context';
import { DEFAULT_RULES } from './rules';
import { addCalendarDays, endOfLocalDay, localDateOf, startOfLocalDay } from './rules/calendar';
import { holidayWarnings } from './rules/deadlines';

const OVERDUE_LISTED = 100;
const AGENTS_LISTED = 2000;
const AGENT_STATES = new Set(['ready', 'on_call', 'wrap_up', 'break', 'offline']);
const QUARANTINE_LISTED = 100;

/**
 * The seats and the deadlines as they stand now, for one branch or all: open tasks per branch by how close
 * their deadline is, every seat with when head office last heard from it, what it holds and what it has not
 * sent home yet, and the overdue tasks themselves.
 */
export async function watch(hq: Hq, branchId: string | null): Promise<Watch> {
  const now = hq.now().toISOString();
  const today = localDateOf(now);
  const endOfToday = endOfLocalDay(today);
  const endOfSoon = endOfLocalDay(addCalendarDays(today, 3));
  const db = hq.db.db;

  let branchQuery = db
    .selectFrom('tasks')
    .innerJoin('branches', 'branches.id', 'tasks.branch_id')
    .select([
      'tasks.branch_id',
      'branches.name',
      sql<number>`count(*)::int`.as('open'),
      sql<number>`(count(*) FILTER (WHERE tasks.deadline_at < ${now}::timestamptz))::int`.as('overdue'),
      sql<number>`(count(*) FILTER (WHERE tasks.deadline_at >= ${now}::timestamptz
        AND tasks.deadline_at <= ${endOfToday}::timestamptz))::int`.as('due_today'),
      sql<number>`(count(*) FILTER (WHERE tasks.deadline_at > ${endOfToday}::timestamptz
        AND tasks.deadline_at <= ${endOfSoon}::timestamptz))::int`.as('due_soon'),
      sql<number>`(count(*) FILTER (WHERE tasks.assigned_seat_id IS NULL))::int`.as('unassigned'),
    ])
    .where('tasks.status', '=', 'open')
    .groupBy(['tasks.branch_id', 'branches.name'])
    .orderBy('tasks.branch_id');
  if (branchId !== null) branchQuery = branchQuery.where('tasks.branch_id', '=', branchId);

  // Per seat, from two aggregates joined once (not a subquery per seat).
  const held = db
    .selectFrom('tasks')
    .select([
      'assigned_seat_id',
      sql<number>`count(*)::int`.as('open'),
      sql<number>`(count(*) FILTER (WHERE deadline_at < ${now}::timestamptz))::int`.as('overdue'),
    ])
    .where('status', '=', 'open')
    .where('assigned_seat_id', 'is not', null)
    .groupBy('assigned_seat_id')
    .as('held');
  const waiting = db
    .selectFrom('recordings')
    .select(['seat_id', sql<number>`count(*)::int`.as('count')])
    .where('stored_at', 'is', null)
    .groupBy('seat_id')
    .as('waiting');
  const quarantined = db
    .selectFrom('quarantine')
    .select(['seat_id', sql<number>`count(*)::int`.as('count')])
    .groupBy('seat_id')
    .as('quarantined');
  let seatQuery = db
    .selectFrom('seats')
    .leftJoin(held, 'held.assigned_seat_id', 'seats.id')
    .leftJoin(waiting, 'waiting.seat_id', 'seats.id')
    .leftJoin(quarantined, 'quarantined.seat_id', 'seats.id')
    .select([
      'seats.clock_offset_ms',
      sql<number>`coalesce(quarantined.count, 0)`.as('quarantined'),
      'seats.id',
      'seats.name',
      'seats.branch_id',
      'seats.last_seen_at',
      sql<number>`coalesce(held.open, 0)`.as('open'),
      sql<number>`coalesce(held.overdue, 0)`.as('overdue'),
      sql<number>`coalesce(waiting.count, 0)`.as('recordings_waiting'),
    ])
    .orderBy('seats.branch_id')
    .orderBy('seats.name');
  if (branchId !== null) seatQuery = seatQuery.where('seats.branch_id', '=', branchId);

  let overdueQuery = db
    .selectFrom('tasks')
    .innerJoin('customers', 'customers.id', 'tasks.customer_id')
    .leftJoin('seats', 'seats.id', 'tasks.assigned_seat_id')
    .select(['tasks.id', 'tasks.branch_id', 'tasks.deadline_at', 'customers.name', 'seats.name as seat_name'])
    .where('tasks.status', '=', 'open')
    .where('tasks.deadline_at', '<', now)
    .orderBy('tasks.deadline_at')
    .orderBy('tasks.id')
    .limit(OVERDUE_LISTED);
  if (branchId !== null) overdueQuery = overdueQuery.where('tasks.branch_id', '=', branchId);

  let quarantineQuery = db
    .selectFrom('quarantine')
    .innerJoin('seats', 'seats.id', 'quarantine.seat_id')
    .select([
      'quarantine.seat_id',
      'seats.name',
      'quarantine.branch_id',
      'quarantine.seq',
      'quarantine.kind',
      'quarantine.entity_id',
      'quarantine.status',
      'quarantine.code',
      'quarantine.reason',
      'quarantine.received_at',
    ])
    .orderBy('quarantine.received_at', 'desc')
    .orderBy('quarantine.seq', 'desc')
    .limit(QUARANTINE_LISTED);
  if (branchId !== null) quarantineQuery = quarantineQuery.where('quarantine.branch_id', '=', branchId);

  // Each agent's latest working state today, from the seats' audit trail (agent.state), and their real calls.
  const startOfToday = startOfLocalDay(today);
  let stateQuery = db
    .selectFrom('audit')
    .innerJoin('seats', 'seats.id', 'audit.seat_id')
    .leftJoin('users', 'users.id', 'audit.user_id')
    .distinctOn('audit.user_id')
    .select([
      'audit.user_id',
      'users.code',
      'users.name as user_name',
      'audit.seat_id',
      'seats.name as seat_name',
      'seats.branch_id',
      'seats.last_seen_at',
      'audit.at',
      'audit.detail',
    ])
    .where('audit.action', '=', 'agent.state')
    .where('audit.user_id', 'is not', null)
    .where('audit.at', '>=', startOfToday)
    .orderBy('audit.user_id')
    .orderBy('audit.at', 'desc')
    .orderBy('audit.id', 'desc')
    .limit(AGENTS_LISTED);
  if (branchId !== null) stateQuery = stateQuery.where('seats.branch_id', '=', branchId);
  let callQuery = db
    .selectFrom('attempts')
    .innerJoin('seats', 'seats.id', 'attempts.seat_id')
    .select([
      'attempts.agent_id',
      sql<number>`count(*)::int`.as('calls'),
      sql<number>`(count(*) FILTER (WHERE attempts.answered_at IS NOT NULL))::int`.as('answered'),
    ])
    .where('attempts.started_at', '>=', startOfToday)
    .where('attempts.persona_id', 'is', null)
    .groupBy('attempts.agent_id');
  if (branchId !== null) callQuery = callQuery.where('seats.branch_id', '=', branchId);

  const [branches, seats, overdue, quarantine, states, calls] = await Promise.all([
    branchQuery.execute(),
    seatQuery.execute(),
    overdueQuery.execute(),
    quarantineQuery.execute(),
    stateQuery.execute(),
    callQuery.execute(),
  ]);
  const callsBy = new Map(calls.map((c) => [c.agent_id, c]));
  const types = new Map<string, string[]>();
  if (overdue.length > 0) {
    const rows = await db
      .selectFrom('task_purposes')
      .select(['task_id', 'type'])
      .where(
        'task_id',
        'in',
        overdue.map((o) => o.id),
      )
      .orderBy('type')
      .execute();
    for (const row of rows) types.set(row.task_id, [...(types.get(row.task_id) ?? []), row.type]);
  }
  const nowMs = Date.parse(now);
  return {
    at: now,
    warnings: holidayWarnings(hq.rules ?? DEFAULT_RULES, now),
    branches: branches.map((b) => ({
      branchId: b.branch_id,
      branchName: b.name,
      open: b.open,
      overdue: b.overdue,
      dueToday: b.due_today,
      dueSoon: b.due_soon,
      unassigned: b.unassigned,
    })),
    seats: seats.map((s) => ({
      id: s.id,
      name: s.name,
      branchId: s.branch_id,
      lastSeenAt: s.last_seen_at,
      online: s.last_seen_at !== null && nowMs - Date.parse(s.last_seen_at) <= SEAT_ONLINE_WITHIN_MS,
      open: s.open,
      overdue: s.overdue,
      recordingsWaiting: s.recordings_waiting,
      clockOffsetMs: s.clock_offset_ms === null ? null : Number(s.clock_offset_ms),
      quarantined: s.quarantined,
    })),
    agents: states
      .flatMap((s) => {
        const detail = (s.detail ?? {}) as { state?: unknown; reason?: unknown };
        const state =
          typeof detail.state === 'string' && AGENT_STATES.has(detail.state) ? detail.state : null;
        if (state === null || s.user_id === null) return [];
        const c = callsBy.get(s.user_id);
        return [
          {
            agentId: s.user_id,
            agentCode: s.code ?? null,
            agentName: s.user_name ?? null,
            seatId: s.seat_id ?? '',
            seatName: s.seat_name,
            branchId: s.branch_id,
            state: state as 'ready' | 'on_call' | 'wrap_up' | 'break' | 'offline',
            reason: typeof detail.reason === 'string' ? detail.reason.slice(0, 16) : null,
            since: new Date(s.at).toISOString(),
            stale:
              state !== 'offline' &&
              (s.last_seen_at === null || nowMs - Date.parse(s.last_seen_at) > SEAT_ONLINE_WITHIN_MS),
            callsToday: c?.calls ?? 0,
            answeredToday: c?.answered ?? 0,
          },
        ];
      })
      .sort((a, b) => (a.agentCode ?? a.agentId).localeCompare(b.agentCode ?? b.agentId)),
    quarantine: quarantine.map((q) => ({
      seatId: q.seat_id,
      seatName: q.name,
      branchId: q.branch_id,
      seq: Number(q.seq),
      kind: q.kind,
      entityId: q.entity_id,
      status: q.status,
      code: q.code,
      reason: q.reason,
      receivedAt: new Date(q.received_at).toISOString(),
    })),
    overdue: overdue.map((o) => ({
      taskId: o.id,
      branchId: o.branch_id,
      customerName: o.name,
      types: types.get(o.id) ?? [],
      deadlineAt: o.deadline_at,
      seatName: o.seat_name,
    })),
  };
}

/**
 * Head office's log says what its calendar lacks (holidayWarnings) at start and then once a day, for as long
 * as it lacks it. Returns the stop.
 */
export function logCalendarWarnings(hq: Hq, log: (line: string) => void = console.warn): () => void {
  const check = () => {
    for (const warning of holidayWarnings(hq.rules ?? DEFAULT_RULES, hq.now().toISOString())) log(warning);
  };
  check();
  const daily = setInterval(check, 24 * 3_600_000);
  daily.unref();
  return () => clearInterval(daily);
}
