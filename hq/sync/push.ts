import { createHash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { z } from 'zod';
import { CHAIN_GENESIS } from '../../shared/contract/audit-chain';
import { escapeControl } from '../../shared/contract/schemas';
import {
  type AttemptPayload,
  type AuditPayload,
  type ContactPayload,
  OutboxEntry,
  PAYLOADS,
  type PushRequest,
  type PushResponse,
  type RecordingPayload,
  type RefusedEntry,
  type ResultPayload,
} from '../../shared/contract/sync';
import { hqAudit } from '../audit';
import { appendHqChain, type SeatHead, type SeatLink, seatLinkOf, seatLinkProblem } from '../audit-chain';
import type { Hq } from '../context';
import type { HqSchema } from '../db/schema';
import type { SeatPrincipal } from '../http/access';
import { errorReply, HqError } from '../http/errors';
import { lockBranch, recordChange } from './changes';

type Tx = Transaction<HqSchema> | Kysely<HqSchema>;

/** Outcomes after which head office no longer hands the task out. */
const CLOSING = new Set(['completed', 'identity_not_verified', 'refused', 'unreachable']);

/**
 * A seat clock within this of head office's is taken as it is: the offset measured over a request includes
 * the network's delay, and correcting by noise would only move true times.
 */
export const CLOCK_TOLERANCE_MS = 5_000;

type Refusal = Omit<RefusedEntry, 'seq'>;

type Parsed = {
  [K in keyof typeof PAYLOADS]: { kind: K; data: z.infer<(typeof PAYLOADS)[K]> };
}[keyof typeof PAYLOADS];

/** An entry of a push, read: what it is (as far as it could be read) and whether head office refuses it. */
interface Entry {
  seq: number;
  /** As the seat sent it, for the quarantine. */
  raw: Record<string, unknown>;
  hash: string;
  /** Printable and bounded, for the log of applied entries (the raw values are in the quarantine). */
  kind: string;
  entityId: string;
  createdAt: string | null;
  payload: Parsed | null;
  refusal: Refusal | null;
  /** An audit entry's link of the seat's chain; null: a seat too old to chain (head office chains it). */
  chain?: SeatLink | null;
}

/**
 * Applies a seat's outbox entries in order, in one transaction with the seat's `last_applied_seq`: an entry
 * at or below it was applied before (the same entry again is a no-op; another one under that number is a
 * conflict, `SEQ_CONFLICT`); the next must be exactly one above it, or the push stops there with `SEQ_GAP`
 * (what came before the gap stays applied). The seat row is locked for the transaction, so two pushes of one
 * seat never interleave.
 *
 * An entry head office cannot accept does not refuse the push: it is quarantined (kept verbatim with the
 * reason, audited) and its sequence counts as applied, so the outbox behind it drains. `seatClockOffsetMs`
 * (the seat's clock minus head office's, measured on this request) corrects the times the seat sent.
 */
export async function applyPush(
  hq: Hq,
  seat: SeatPrincipal,
  request: PushRequest,
  seatClockOffsetMs: number | null = null,
): Promise<PushResponse> {
  if (request.seatId !== seat.id) {
    throw new HqError(403, 'SEAT_MISMATCH', '推送的坐席编号与凭据不符');
  }
  // Read before the transaction: a bad entry costs no time under the seat's lock.
  const entries = request.entries.map(readEntry);
  const now = hq.now().toISOString();
  const offset =
    seatClockOffsetMs !== null && Math.abs(seatClockOffsetMs) >= CLOCK_TOLERANCE_MS ? seatClockOffsetMs : 0;
  const clock = new SeatClock(offset, now);
  const outcome = await hq.db.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('seats')
      .select('last_applied_seq')
      .where('id', '=', seat.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    // The entries to apply: from the one after the last applied, while they follow on without a gap. One at or
    // below it must be the entry applied under that number: a repeat is a no-op, another one a conflict.
    let last = Number(row.last_applied_seq);
    const conflict = await firstConflict(tx, seat.id, entries, last);
    if (conflict !== null) return { last, gap: null, conflict, refused: [] as RefusedEntry[] };
    let gap: number | null = null;
    const fresh: Entry[] = [];
    for (const entry of entries) {
      if (entry.seq <= last) continue;
      if (entry.seq !== last + 1) {
        gap = last + 1;
        break;
      }
      fresh.push(entry);
      last = entry.seq;
    }
    await vetChain(tx, seat, fresh, Number(row.last_applied_seq) > 0, now);
    const refused = await applyEntries(tx, seat, fresh, now, clock);
    await tx
      .updateTable('seats')
      .set({
        last_applied_seq: last,
        last_seen_at: now,
        ...(seatClockOffsetMs === null ? {} : { clock_offset_ms: seatClockOffsetMs, clock_checked_at: now }),
      })
      .where('id', '=', seat.id)
      .execute();
    return { last, gap, conflict: null, refused };
  });
  if (outcome.conflict !== null) {
    throw new HqError(
      409,
      'SEQ_CONFLICT',
      `同步序号冲突：第 ${outcome.conflict} 条与总部已收到的同号记录不同（坐席数据可能从备份恢复），请将未上传的记录重新编号后再推送`,
      { conflictSeq: outcome.conflict, appliedSeq: outcome.last },
    );
  }
  if (outcome.gap !== null) {
    throw new HqError(409, 'SEQ_GAP', `同步序号不连续：总部需要第 ${outcome.gap} 条`, {
      expectedSeq: outcome.gap,
      appliedSeq: outcome.last,
    });
  }
  return { appliedSeq: outcome.last, refused: outcome.refused, hqTime: hq.now().toISOString() };
}

/** What identifies an entry's content: its kind, entity and payload as the seat sent them. */
export function entryHash(entry: { readonly [key: string]: unknown }): string {
  return createHash('sha256')
    .update(JSON.stringify([entry.kind, entry.entityId, entry.payload]))
    .digest('hex');
}

/** A value of the seat's as printable text of at most `max` characters (control characters escaped). */
function printable(value: unknown, max: number): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return escapeControl(text).slice(0, max);
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.join('.') ?? '';
  return printable(`${path ? `${path}：` : ''}${issue?.message ?? ''}`, 300);
}

function readEntry(raw: Record<string, unknown> & { seq: number }): Entry {
  const base = {
    seq: raw.seq,
    raw,
    hash: entryHash(raw),
    kind: printable(raw.kind, 50),
    entityId: printable(raw.entityId, 200),
  };
  const envelope = OutboxEntry.safeParse(raw);
  if (!envelope.success) {
    return { ...base, createdAt: null, payload: null, refusal: badEntry(raw.seq, base.kind, envelope.error) };
  }
  const e = envelope.data;
  const parsed = PAYLOADS[e.kind].safeParse(e.payload);
  if (!parsed.success) {
    return { ...base, createdAt: e.createdAt, payload: null, refusal: badEntry(e.seq, e.kind, parsed.error) };
  }
  return {
    ...base,
    createdAt: e.createdAt,
    payload: { kind: e.kind, data: parsed.data } as Parsed,
    refusal: null,
  };
}

function badEntry(seq: number, kind: string, error: z.ZodError): Refusal {
  return {
    status: 422,
    code: 'BAD_ENTRY',
    message: `第 ${seq} 条（${kind || '未知类型'}）内容无效：${describe(error)}`,
  };
}

/**
 * The first entry at or below `last` that differs from the entry applied under its number (by content hash
 * where one was kept, else kind and entity), or null.
 */
async function firstConflict(tx: Tx, seatId: string, entries: Entry[], last: number): Promise<number | null> {
  const old = entries.filter((e) => e.seq <= last);
  if (old.length === 0) return null;
  const applied = await tx
    .selectFrom('seat_entries')
    .select(['seq', 'kind', 'entity_id', 'content_sha256'])
    .where('seat_id', '=', seatId)
    .where(
      'seq',
      'in',
      old.map((e) => e.seq),
    )
    .execute();
  const bySeq = new Map(applied.map((a) => [Number(a.seq), a]));
  for (const e of old) {
    const a = bySeq.get(e.seq);
    // Not kept (applied before entries were logged): nothing to compare with.
    if (a === undefined) continue;
    if (a.content_sha256 !== null) {
      if (a.content_sha256 !== e.hash) return e.seq;
    } else if (a.kind !== e.kind || a.entity_id !== e.entityId) return e.seq;
  }
  return null;
}

/**
 * The seat's times on head office's clock: minus the seat's measured offset, and never later than head office
 * received them (what a seat says happened later than now did not).
 */
class SeatClock {
  constructor(
    readonly offsetMs: number,
    readonly now: string,
  ) {}
  /** A moment that has passed (a call, a commit, an audit fact). */
  past(t: string): string {
    if (this.offsetMs === 0) return t;
    const ms = Math.min(Date.parse(t) - this.offsetMs, Date.parse(this.now));
    return new Date(ms).toISOString();
  }
  /** A moment the seat set ahead (a redial time). */
  ahead(t: string): string {
    return this.offsetMs === 0 ? t : new Date(Date.parse(t) - this.offsetMs).toISOString();
  }
  maybe(t: string | null): string | null {
    return t === null ? null : this.past(t);
  }
}

/** Rows per multi-row INSERT: well under PostgreSQL's 65,535 parameters for the widest table. */
const CHUNK = 1000;

async function inChunks<T>(rows: T[], write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await write(rows.slice(i, i + CHUNK));
}

/** What head office knows of the tasks, agents and ids the entries name: read once per push. */
interface Known {
  tasks: Map<
    string,
    {
      branch_id: string;
      customer_id: string;
      assigned_seat_id: string | null;
      status: string;
      customer_sp: string | null;
      purposeSp: Map<string, string | null>;
    }
  >;
}

/**
 * Applies entries known to follow on without a gap. First what head office refuses on its own records (another
 * branch's task, an agent not of the seat's branch, an id another seat holds); then the rest in multi-row
 * inserts by kind (entries of different kinds do not depend on one another), inside a savepoint: should the
 * database refuse a value, the batch is undone and applied entry by entry, each in its own savepoint, so that
 * only the entry at fault is quarantined. Returns the entries quarantined.
 */
async function applyEntries(
  tx: Tx,
  seat: SeatPrincipal,
  entries: Entry[],
  now: string,
  clock: SeatClock,
): Promise<RefusedEntry[]> {
  if (entries.length === 0) return [];
  const known = await vet(tx, seat, entries);
  const good = entries.filter((e) => e.refusal === null);
  await sql`SAVEPOINT push_batch`.execute(tx);
  try {
    await applyParsed(tx, seat, good, now, clock, known);
    await sql`RELEASE SAVEPOINT push_batch`.execute(tx);
  } catch (error) {
    const refusal = contentRefusal(error);
    if (refusal === null) throw error;
    await sql`ROLLBACK TO SAVEPOINT push_batch`.execute(tx);
    for (const entry of good) {
      await sql`SAVEPOINT push_entry`.execute(tx);
      try {
        await applyParsed(tx, seat, [entry], now, clock, known);
        await sql`RELEASE SAVEPOINT push_entry`.execute(tx);
      } catch (entryError) {
        const r = contentRefusal(entryError);
        if (r === null) throw entryError;
        await sql`ROLLBACK TO SAVEPOINT push_entry`.execute(tx);
        entry.refusal = { ...r, message: `第 ${entry.seq} 条（${entry.kind}）${r.message}` };
      }
    }
  }
  await logEntries(tx, seat, entries, now, clock);
  const refused = entries.filter((e) => e.refusal !== null);
  await quarantine(tx, seat, refused, now);
  return refused.map((e) => ({ seq: e.seq, ...(e.refusal as Refusal) }));
}

/** A database refusal of an entry's content (a value out of range, a broken constraint), or null for any other. */
function contentRefusal(error: unknown): Refusal | null {
  const reply = errorReply(error);
  if (reply.status !== 422 && reply.status !== 409) return null;
  return { status: 422, code: 'BAD_ENTRY', message: printable(`内容无法保存：${reply.body.message}`, 500) };
}

/**
 * Refuses, on head office's own records, what a seat may not write: a result or attempt for a task of another
 * branch, by an agent who is not a user of the seat's branch, or under an id another seat's entry holds; a
 * finding on a task head office does not know that names another branch's customer or salesperson.
 */
async function vet(tx: Tx, seat: SeatPrincipal, entries: Entry[]): Promise<Known> {
  const results: (Entry & { payload: Extract<Parsed, { kind: 'result' }> })[] = [];
  const attempts: (Entry & { payload: Extract<Parsed, { kind: 'attempt' }> })[] = [];
  const recordings: (Entry & { payload: Extract<Parsed, { kind: 'recording' }> })[] = [];
  const contacts: (Entry & { payload: Extract<Parsed, { kind: 'contact' }> })[] = [];
  for (const e of entries) {
    if (e.payload?.kind === 'contact') contacts.push(e as (typeof contacts)[number]);
    if (e.payload?.kind === 'result') results.push(e as (typeof results)[number]);
    else if (e.payload?.kind === 'attempt') attempts.push(e as (typeof attempts)[number]);
    else if (e.payload?.kind === 'recording') recordings.push(e as (typeof recordings)[number]);
  }
  const taskIds = [...new Set([...results, ...attempts].map((e) => e.payload.data.taskId))];
  const agentIds = [...new Set([...results, ...attempts, ...contacts].map((e) => e.payload.data.agentId))];
  const known: Known = { tasks: new Map() };
  if (taskIds.length > 0) {
    const rows = await tx
      .selectFrom('tasks')
      .innerJoin('customers', 'customers.id', 'tasks.customer_id')
      .select([
        'tasks.id',
        'tasks.branch_id',
        'tasks.customer_id',
        'tasks.assigned_seat_id',
        'tasks.status',
        'customers.salesperson_id as customer_sp',
      ])
      .where('tasks.id', 'in', taskIds)
      .execute();
    for (const r of rows) known.tasks.set(r.id, { ...r, purposeSp: new Map() });
    if (rows.length > 0) {
      const purposes = await tx
        .selectFrom('task_purposes')
        .select(['task_id', 'type', 'salesperson_id'])
        .where(
          'task_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      for (const p of purposes) known.tasks.get(p.task_id)?.purposeSp.set(p.type, p.salesperson_id);
    }
  }
  const agents = new Set(
    agentIds.length === 0
      ? []
      : (
          await tx
            .selectFrom('users')
            .select('id')
            .where('id', 'in', agentIds)
            .where('branch_id', '=', seat.branchId)
            .execute()
        ).map((u) => u.id),
  );
  const otherSeat = async (table: 'results' | 'attempts' | 'recordings', ids: string[]) =>
    new Set(
      ids.length === 0
        ? []
        : (
            await tx
              .selectFrom(table)
              .select('id')
              .where('id', 'in', ids)
              .where('seat_id', '!=', seat.id)
              .execute()
          ).map((r) => r.id),
    );
  const taken = new Set([
    ...(await otherSeat(
      'results',
      results.map((e) => e.payload.data.id),
    )),
    ...(await otherSeat(
      'attempts',
      attempts.map((e) => e.payload.data.id),
    )),
    ...(await otherSeat(
      'recordings',
      recordings.map((e) => e.payload.data.id),
    )),
  ]);
  // Customers and salespeople findings name on tasks head office does not know (a seat's own data).
  const named = results
    .filter((e) => !known.tasks.has(e.payload.data.taskId))
    .flatMap((e) => e.payload.data.findings);
  const elsewhere = new Set<string>();
  if (named.length > 0) {
    const customers = await tx
      .selectFrom('customers')
      .select('id')
      .where(
        'id',
        'in',
        named.map((f) => f.customerId),
      )
      .where('branch_id', '!=', seat.branchId)
      .execute();
    const sps = named.flatMap((f) => (f.salespersonId === null ? [] : [f.salespersonId]));
    const salespeople =
      sps.length === 0
        ? []
        : await tx
            .selectFrom('salespeople')
            .select('id')
            .where('id', 'in', sps)
            .where('branch_id', '!=', seat.branchId)
            .execute();
    for (const r of [...customers, ...salespeople]) elsewhere.add(r.id);
  }

  const forbid = (e: Entry, message: string) => {
    e.refusal = { status: 403, code: 'FORBIDDEN', message: `第 ${e.seq} 条（${e.kind}）${message}` };
  };
  for (const e of [...results, ...attempts, ...recordings]) {
    const data = e.payload.data;
    if (taken.has(data.id)) {
      e.refusal = {
        status: 409,
        code: 'CONFLICT',
        message: `第 ${e.seq} 条（${e.kind}）编号 ${data.id} 已由其他坐席提交`,
      };
      continue;
    }
    if ('taskId' in data) {
      const task = known.tasks.get(data.taskId);
      if (task && task.branch_id !== seat.branchId) {
        forbid(e, `的任务属于其他营业部（${printable(task.branch_id, 50)}）`);
        continue;
      }
      if (!agents.has(data.agentId)) {
        forbid(e, `的坐席人员 ${data.agentId} 不是本营业部（${seat.branchId}）的用户`);
        continue;
      }
    }
    if (e.payload.kind === 'result' && !known.tasks.has(e.payload.data.taskId)) {
      const f = e.payload.data.findings.find(
        (x) => elsewhere.has(x.customerId) || (x.salespersonId !== null && elsewhere.has(x.salespersonId)),
      );
      if (f) forbid(e, `的问题 ${f.id} 涉及其他营业部的客户或营销人员`);
    }
  }
  await vetContacts(tx, seat, contacts, agents);
  await vetTraining(tx, seat, results, attempts);
  return known;
}

/**
 * A change of a customer's contact wishes touches a customer of the seat's own branch only, by an agent who is
 * a user of it, sent by the seat it names: anything else is quarantined (403), and no customer is touched.
 */
async function vetContacts(
  tx: Tx,
  seat: SeatPrincipal,
  contacts: (Entry & { payload: Extract<Parsed, { kind: 'contact' }> })[],
  agents: ReadonlySet<string>,
): Promise<void> {
  if (contacts.length === 0) return;
  const ids = [...new Set(contacts.map((e) => e.payload.data.customerId))];
  const branchOf = new Map(
    (await tx.selectFrom('customers').select(['id', 'branch_id']).where('id', 'in', ids).execute()).map(
      (c) => [c.id, c.branch_id],
    ),
  );
  for (const e of contacts) {
    const data = e.payload.data;
    const branch = branchOf.get(data.customerId);
    const forbid = (message: string) => {
      e.refusal = { status: 403, code: 'FORBIDDEN', message: `第 ${e.seq} 条（${e.kind}）${message}` };
    };
    if (data.seatId !== seat.id) forbid('的坐席编号与推送的坐席不符');
    else if (branch === undefined) forbid(`的客户 ${printable(data.customerId, 100)} 总部没有记录`);
    else if (branch !== seat.branchId) forbid(`的客户属于其他营业部（${printable(branch, 50)}）`);
    else if (!agents.has(data.agentId)) {
      forbid(`的坐席人员 ${data.agentId} 不是本营业部（${seat.branchId}）的用户`);
    }
  }
}

type Line = { personaId: string; personaVersion: number } | null;
const personaName = (line: NonNullable<Line>) =>
  `模拟客户 ${printable(line.personaId, 60)} 第 ${line.personaVersion} 版`;
const lineName = (line: Line) => (line === null ? '真实呼叫' : `演练呼叫（${personaName(line)}）`);
const sameLine = (a: Line, b: Line) =>
  a === null || b === null ? a === b : a.personaId === b.personaId && a.personaVersion === b.personaVersion;

/**
 * A training result's attempt is a training attempt with the same persona, and a real result's a real one (the
 * seat guarantees it; head office checks it, since a training result closes nothing and counts nowhere). The
 * attempt is the one this push carries, else the one head office holds; one it knows of neither way may still
 * come (a result can be committed before its call ends), and then the attempt is checked against the result
 * already held: the later of the two is refused (422, quarantined) when they disagree. A result without an
 * attempt is a real one.
 */
async function vetTraining(
  tx: Tx,
  seat: SeatPrincipal,
  results: (Entry & { payload: Extract<Parsed, { kind: 'result' }> })[],
  attempts: (Entry & { payload: Extract<Parsed, { kind: 'attempt' }> })[],
) {
  const pushed = new Map<string, Line>();
  for (const e of attempts) if (e.refusal === null) pushed.set(e.payload.data.id, e.payload.data.training);
  const lines = new Map<string, Line>();
  const lookUp = results.flatMap((e) => {
    const id = e.payload.data.attemptId;
    return e.refusal === null && id !== null && !pushed.has(id) ? [id] : [];
  });
  if (lookUp.length > 0) {
    const rows = await tx
      .selectFrom('attempts')
      .select(['id', 'persona_id', 'persona_version'])
      .where('id', 'in', [...new Set(lookUp)])
      .where('seat_id', '=', seat.id)
      .execute();
    for (const a of rows) {
      lines.set(
        a.id,
        a.persona_id === null || a.persona_version === null
          ? null
          : { personaId: a.persona_id, personaVersion: a.persona_version },
      );
    }
  }
  const mismatch = (e: Entry, message: string) => {
    e.refusal = {
      status: 422,
      code: 'BAD_ENTRY',
      message: printable(`第 ${e.seq} 条（${e.kind}）${message}`, 500),
    };
  };
  for (const e of results) {
    if (e.refusal !== null) continue;
    const r = e.payload.data;
    const line: Line = r.training && {
      personaId: r.training.personaId,
      personaVersion: r.training.personaVersion,
    };
    if (r.attemptId === null) {
      if (line !== null) mismatch(e, '是演练结果，却没有对应的演练呼叫');
      continue;
    }
    const known = pushed.has(r.attemptId) ? pushed.get(r.attemptId) : lines.get(r.attemptId);
    if (known === undefined || sameLine(known, line)) continue;
    if (known !== null && line !== null) {
      mismatch(e, `是演练结果，其${personaName(line)}与呼叫 ${r.attemptId} 的${personaName(known)}不一致`);
      continue;
    }
    mismatch(
      e,
      `是${line === null ? '真实回访结果' : '演练结果'}，而其呼叫 ${r.attemptId} 是${lineName(known)}：演练与真实回访不能混用`,
    );
  }
  // An attempt arriving after a result on it that head office already holds.
  const fresh = attempts.filter((e) => e.refusal === null);
  if (fresh.length === 0) return;
  const held = await tx
    .selectFrom('results')
    .select(['id', 'attempt_id', 'training'])
    .where(
      'attempt_id',
      'in',
      fresh.map((e) => e.payload.data.id),
    )
    .where('seat_id', '=', seat.id)
    .execute();
  for (const e of fresh) {
    const a = e.payload.data;
    const result = held.find((h) => h.attempt_id === a.id);
    if (!result) continue;
    const line: Line = result.training && {
      personaId: result.training.personaId,
      personaVersion: result.training.personaVersion,
    };
    if (sameLine(a.training, line)) continue;
    mismatch(
      e,
      `是${lineName(a.training)}，而总部已收到的结果 ${result.id} 是${line === null ? '真实回访结果' : '演练结果'}：演练与真实回访不能混用`,
    );
  }
}

/** The log of every entry of the push (quarantined ones too): what it was, under which number, its hash. */
async function logEntries(tx: Tx, seat: SeatPrincipal, entries: Entry[], now: string, clock: SeatClock) {
  // One JSON parameter per chunk, unpacked by the database (jsonb_to_recordset): far cheaper for PGlite and
  // pg alike than thousands of bound parameters.
  await inChunks(entries, (chunk) =>
    sql`INSERT INTO seat_entries (seat_id, seq, kind, entity_id, created_at, applied_at, content_sha256,
                                  clock_offset_ms)
        SELECT ${seat.id}::uuid, r.seq, r.kind, r.entity_id, r.created_at, ${now}::timestamptz, r.hash,
               ${clock.offsetMs === 0 ? null : clock.offsetMs}::bigint
        FROM jsonb_to_recordset(${JSON.stringify(
          chunk.map((e) => ({
            seq: e.seq,
            kind: e.kind,
            entity_id: e.entityId,
            created_at: e.createdAt === null ? now : clock.past(e.createdAt),
            hash: e.hash,
          })),
        )}::jsonb) AS r(seq bigint, kind text, entity_id text, created_at timestamptz, hash text)`.execute(
      tx,
    ),
  );
}

/** Keeps refused entries verbatim with the reason, and audits each refusal. */
async function quarantine(tx: Tx, seat: SeatPrincipal, refused: Entry[], now: string) {
  if (refused.length === 0) return;
  await inChunks(refused, (chunk) =>
    tx
      .insertInto('quarantine')
      .values(
        chunk.map((e) => ({
          seat_id: seat.id,
          seq: e.seq,
          branch_id: seat.branchId,
          kind: e.kind,
          entity_id: e.entityId,
          status: e.refusal?.status ?? 422,
          code: e.refusal?.code ?? 'BAD_ENTRY',
          reason: e.refusal?.message ?? '',
          // JSON text escapes every control character: the seat's bytes, in a form PostgreSQL stores.
          body: JSON.stringify(e.raw),
          received_at: now,
        })),
      )
      .execute(),
  );
  for (const e of refused) {
    await hqAudit(tx, {
      at: now,
      userId: null,
      seatId: seat.id,
      action: 'sync.quarantine',
      entityType: 'seat_entry',
      entityId: `${seat.id}#${e.seq}`,
      detail: { seq: e.seq, kind: e.kind, status: e.refusal?.status, code: e.refusal?.code },
    });
  }
}

async function applyParsed(
  tx: Tx,
  seat: SeatPrincipal,
  entries: Entry[],
  now: string,
  clock: SeatClock,
  known: Known,
): Promise<void> {
  const of = <K extends Parsed['kind']>(kind: K) =>
    entries.flatMap((e) =>
      e.payload?.kind === kind ? [e.payload.data as Extract<Parsed, { kind: K }>['data']] : [],
    );
  await applyAudit(
    tx,
    seat,
    entries.filter((e) => e.payload?.kind === 'audit'),
    clock,
  );
  await applyAttempts(tx, seat, of('attempt'), clock);
  await applyRecordings(tx, seat, of('recording'), clock);
  for (const r of of('result')) await applyResult(tx, seat, r, now, clock, known);
  for (const c of of('contact')) await applyContact(tx, seat, c, clock);
}

/**
 * An agent's change of one contact wish, on the customer record (of the seat's branch: vetContacts), unless
 * head office changed that wish later than the seat did; the branch's seats then pull the customer again.
 */
async function applyContact(tx: Tx, seat: SeatPrincipal, c: ContactPayload, clock: SeatClock) {
  const at = clock.past(c.at);
  const set =
    c.wish === 'doNotCall'
      ? {
          do_not_call: c.doNotCall === null ? null : JSON.stringify({ ...c.doNotCall, at }),
          do_not_call_at: at,
        }
      : { preferred_times: JSON.stringify(c.preferredTimes), preferred_times_at: at };
  const stamp = c.wish === 'doNotCall' ? 'do_not_call_at' : 'preferred_times_at';
  await lockBranch(tx, seat.branchId);
  const updated = await tx
    .updateTable('customers')
    .set(set)
    .where('id', '=', c.customerId)
    .where('branch_id', '=', seat.branchId)
    .where((eb) => eb.or([eb(stamp, 'is', null), eb(stamp, '<=', at)]))
    .returning('id')
    .executeTakeFirst();
  if (updated) await recordChange(tx, { branchId: seat.branchId, kind: 'customer', entityId: c.customerId });
}

async function applyAudit(tx: Tx, seat: SeatPrincipal, entries: Entry[], clock: SeatClock) {
  const rows = entries.map((e) => ({ e, a: e.payload?.data as z.infer<typeof AuditPayload> }));
  // A link of the seat's chain is kept as the seat sent it, with the number it came under and the seat's own
  // time where head office corrected it (the hash covers the seat's).
  const linked = rows.flatMap(({ e, a }) => (e.chain ? [{ e, a, link: e.chain }] : []));
  await inChunks(linked, (chunk) =>
    sql`INSERT INTO audit (id, at, seat_id, user_id, action, entity_type, entity_id, detail, ip, chain_seat_id,
                           chain_seq, prev_hash, hash, entry_seq, seat_at)
        SELECT r.id, r.at, ${seat.id}::uuid, r.agent_id, r.action, r.entity_type, r.entity_id, r.detail, NULL,
               ${seat.id}::uuid, r.chain_seq, r.prev_hash, r.hash, r.entry_seq, r.seat_at
        FROM jsonb_to_recordset(${JSON.stringify(
          chunk.map(({ e, a, link }) => {
            const at = clock.past(a.at);
            return {
              id: a.id,
              at,
              agent_id: a.agentId,
              action: a.action,
              entity_type: a.entityType,
              entity_id: a.entityId,
              detail: a.detail,
              chain_seq: link.chainSeq,
              prev_hash: link.prevHash,
              hash: link.hash,
              entry_seq: e.seq,
              seat_at: Date.parse(at) === Date.parse(a.at) ? null : a.at,
            };
          }),
        )}::jsonb) AS r(id uuid, at timestamptz, agent_id uuid, action text, entity_type text, entity_id text,
                        detail jsonb, chain_seq bigint, prev_hash text, hash text, entry_seq bigint,
                        seat_at timestamptz)
        ON CONFLICT (id) DO NOTHING`.execute(tx),
  );
  // A seat too old to chain its entries: head office makes them links of its own chain (those it already
  // holds, from before, are not taken again).
  const unlinked = rows.filter(({ e }) => e.chain === null).map(({ a }) => a);
  if (unlinked.length === 0) return;
  const held = new Set<string>();
  await inChunks(unlinked, async (chunk) => {
    const found = await tx
      .selectFrom('audit')
      .select('id')
      .where(
        'id',
        'in',
        chunk.map((a) => a.id),
      )
      .execute();
    for (const f of found) held.add(f.id);
  });
  await appendHqChain(
    tx as Transaction<HqSchema>,
    unlinked
      .filter((a) => !held.has(a.id))
      .map((a) => ({
        id: a.id,
        at: clock.past(a.at),
        seat_id: seat.id,
        user_id: a.agentId,
        action: a.action,
        entity_type: a.entityType,
        entity_id: a.entityId,
        detail: a.detail,
        ip: null,
      })),
  );
}

/**
 * Checks each audit entry of the push against the seat's chain as head office holds it: its hash must
 * recompute over what it says, and it must follow the last link head office took (one up, that link's hash
 * as its previous). One that does not is refused (`BROKEN_CHAIN`, quarantined and flagged to administrators
 * with the other refused entries). Every entry whose link can be read moves the head on, refused or not: the
 * seat's next entry links to the one it wrote, so one break is flagged once and what follows it is taken.
 * `upgraded`: the seat pushed before, so a first chained entry may sit past position 1 (its chain includes
 * entries head office took before chains). The seat's first link is recorded in head office's chain.
 */
async function vetChain(tx: Tx, seat: SeatPrincipal, entries: Entry[], upgraded: boolean, now: string) {
  const audits = entries.filter((e) => e.kind === 'audit');
  if (audits.length === 0) return;
  const row = await tx
    .selectFrom('seats')
    .select(['audit_chain_seq', 'audit_chain_hash'])
    .where('id', '=', seat.id)
    .executeTakeFirstOrThrow();
  const before: SeatHead | null =
    row.audit_chain_seq === null || row.audit_chain_hash === null
      ? null
      : { seq: Number(row.audit_chain_seq), hash: row.audit_chain_hash };
  let head = before;
  let start: { entrySeq: number; link: SeatLink } | null = null;
  const forks: { entrySeq: number; link: SeatLink; from: SeatHead }[] = [];
  // Links a fork may go on from (`chainSeq:hash`): this push's, and those looked up where one is needed.
  const held = new Set<string>();
  const broken = (e: Entry, problem: string) => {
    e.refusal = {
      status: 422,
      code: 'BROKEN_CHAIN',
      message: printable(`第 ${e.seq} 条（audit）${problem}`, 500),
    };
  };
  for (const e of audits) {
    const link = seatLinkOf((e.raw as { payload?: unknown }).payload);
    if (e.refusal === null && e.payload?.kind === 'audit') {
      const a = e.payload.data;
      if (a.chainSeq === undefined && a.prevHash === undefined && a.hash === undefined) {
        if (head === null) {
          e.chain = null;
          upgraded = true;
        } else broken(e, '不带审计链字段，而该坐席的审计记录已入链');
        continue;
      }
      if (link === null) {
        broken(e, '的审计链字段不完整');
        continue;
      }
      const h = head;
      if (h !== null && link.chainSeq > 1 && link.chainSeq <= h.seq + 1 && link.prevHash !== h.hash) {
        const base = await tx
          .selectFrom('audit')
          .select('id')
          .where('chain_seat_id', '=', seat.id)
          .where('chain_seq', '=', link.chainSeq - 1)
          .where('hash', '=', link.prevHash)
          .executeTakeFirst();
        if (base) held.add(`${link.chainSeq - 1}:${link.prevHash}`);
      }
      const { problem, fork } = seatLinkProblem(
        head,
        link,
        {
          id: a.id,
          at: a.at,
          seatId: seat.id,
          agentId: a.agentId,
          action: a.action,
          entityType: a.entityType,
          entityId: a.entityId,
          detail: a.detail,
        },
        upgraded,
        (l) =>
          l.chainSeq === 1 ? l.prevHash === CHAIN_GENESIS : held.has(`${l.chainSeq - 1}:${l.prevHash}`),
      );
      if (problem) broken(e, `：${problem}`);
      else {
        e.chain = link;
        held.add(`${link.chainSeq}:${link.hash}`);
        if (fork && head !== null) forks.push({ entrySeq: e.seq, link, from: head });
      }
    }
    if (link !== null) {
      if (head === null) start = { entrySeq: e.seq, link };
      head = { seq: link.chainSeq, hash: link.hash };
    }
  }
  if (head !== before) {
    await tx
      .updateTable('seats')
      .set({ audit_chain_seq: head?.seq ?? null, audit_chain_hash: head?.hash ?? null })
      .where('id', '=', seat.id)
      .execute();
  }
  if (start !== null) {
    await hqAudit(tx, {
      at: now,
      userId: null,
      seatId: seat.id,
      action: 'audit.seat_chain_start',
      entityType: 'seat',
      entityId: seat.id,
      detail: { entrySeq: start.entrySeq, chainSeq: start.link.chainSeq, hash: start.link.hash },
    });
  }
  // A seat restored from a backup goes on from an earlier link: recorded in head office's chain (what the
  // seat wrote after that link before the restore stays here as it came).
  for (const f of forks) {
    await hqAudit(tx, {
      at: now,
      userId: null,
      seatId: seat.id,
      action: 'audit.seat_chain_fork',
      entityType: 'seat',
      entityId: seat.id,
      detail: {
        entrySeq: f.entrySeq,
        chainSeq: f.link.chainSeq,
        prevHash: f.link.prevHash,
        abandonedSeq: f.from.seq,
        abandonedHash: f.from.hash,
      },
    });
  }
}

async function applyAttempts(
  tx: Tx,
  seat: SeatPrincipal,
  rows: z.infer<typeof AttemptPayload>[],
  clock: SeatClock,
) {
  await inChunks(rows, (chunk) =>
    tx
      .insertInto('attempts')
      .values(
        chunk.map((a) => ({
          id: a.id,
          task_id: a.taskId,
          seat_id: seat.id,
          agent_id: a.agentId,
          started_at: clock.past(a.startedAt),
          number_masked: a.numberMasked,
          answered_at: clock.maybe(a.answeredAt),
          ended_at: clock.past(a.endedAt),
          outcome: a.outcome,
          sip_code: a.sipCode,
          persona_id: a.training?.personaId ?? null,
          persona_version: a.training?.personaVersion ?? null,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),
  );
}

async function applyRecordings(
  tx: Tx,
  seat: SeatPrincipal,
  rows: z.infer<typeof RecordingPayload>[],
  clock: SeatClock,
) {
  await inChunks(rows, (chunk) =>
    tx
      .insertInto('recordings')
      .values(
        chunk.map((r) => ({
          id: r.id,
          attempt_id: r.attemptId,
          seat_id: seat.id,
          mime_type: r.mimeType,
          sha256: r.sha256,
          size_bytes: r.sizeBytes,
          duration_ms: r.durationMs,
          status: r.status,
          started_at: clock.past(r.startedAt),
          finished_at: clock.past(r.finishedAt),
          stored_at: null,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),
  );
}

/**
 * A result is kept whatever happened to its task meanwhile: one for a task that now belongs to another seat
 * (reassigned while this seat was offline) is flagged `reassigned` for a supervisor, never dropped. Its branch,
 * customer and its findings' salesperson come from head office's task, not from what the seat sent.
 */
async function applyResult(
  tx: Tx,
  seat: SeatPrincipal,
  r: z.infer<typeof ResultPayload>,
  now: string,
  clock: SeatClock,
  known: Known,
) {
  const task = known.tasks.get(r.taskId);
  const flag =
    task && task.assigned_seat_id !== null && task.assigned_seat_id !== seat.id ? 'reassigned' : null;
  const retryAt = r.retryAt === null ? null : clock.ahead(r.retryAt);
  const inserted = await tx
    .insertInto('results')
    .values({
      id: r.id,
      task_id: r.taskId,
      seat_id: seat.id,
      agent_id: r.agentId,
      attempt_id: r.attemptId,
      outcome: r.outcome,
      disposition: r.disposition,
      notes: r.notes,
      retry_at: retryAt,
      supersedes_id: r.supersedesId,
      created_at: clock.past(r.createdAt),
      received_at: now,
      flag,
      // A task head office does not know (a seat's own demo data) is filed under the seat's branch.
      branch_id: task?.branch_id ?? seat.branchId,
      customer_id: task?.customer_id ?? null,
      training: r.training === null ? null : JSON.stringify(r.training),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return;
  if (r.answers.length > 0) {
    await tx
      .insertInto('answers')
      .values(
        r.answers.map((a) => ({
          result_id: r.id,
          step_id: a.stepId,
          purposes: JSON.stringify(a.purposes),
          value: JSON.stringify(a.value),
          answered_at: clock.past(a.answeredAt),
          recording_id: a.recordingId,
          offset_ms: a.recordingOffsetMs,
        })),
      )
      .execute();
  }
  if (r.purposes.length > 0) {
    await tx
      .insertInto('result_purposes')
      .values(
        r.purposes.map((p) => ({
          result_id: r.id,
          purpose: p.purpose,
          outcome: p.outcome,
          script_id: p.scriptId,
          script_version: p.scriptVersion,
        })),
      )
      .execute();
  }
  if (r.findings.length > 0) {
    await tx
      .insertInto('findings')
      .values(
        r.findings.map((f) => ({
          id: f.id,
          result_id: r.id,
          step_id: f.stepId,
          purposes: JSON.stringify(f.purposes),
          category: f.category,
          severity: f.severity,
          about: f.about,
          text_zh: f.text,
          // The purpose's own salesperson (a departure names one), else the customer's: as the seat derives it.
          salesperson_id: task
            ? (f.purposes.map((p) => task.purposeSp.get(p) ?? null).find((sp) => sp !== null) ??
              task.customer_sp)
            : f.salespersonId,
          branch_id: task?.branch_id ?? seat.branchId,
          customer_id: task?.customer_id ?? f.customerId,
          recording_id: f.recordingId,
          offset_ms: f.offsetMs,
          // Raised against a simulated customer: kept for the training view, out of every findings query.
          training: r.training !== null,
        })),
      )
      .execute();
  }
  // The task at head office follows the result of the seat that holds it; a training result is practice, not a
  // callback, and leaves the task as it was (open for the real call).
  if (task && flag === null && task.status === 'open' && r.training === null) {
    if (CLOSING.has(r.outcome)) {
      await tx.updateTable('tasks').set({ status: 'closed' }).where('id', '=', r.taskId).execute();
    } else if (retryAt !== null) {
      await tx.updateTable('tasks').set({ next_attempt_at: retryAt }).where('id', '=', r.taskId).execute();
    }
  }
}
