import { createHash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { z } from 'zod';
import {
  type AttemptPayload,
  type AuditPayload,
  type OutboxEntry,
  PAYLOADS,
  type PushRequest,
  type PushResponse,
  type RecordingPayload,
  type ResultPayload,
} from '../../shared/contract/sync';
import type { Hq } from '../context';
import type { HqSchema } from '../db/schema';
import type { SeatPrincipal } from '../http/access';
import { HqError } from '../http/errors';

type Tx = Transaction<HqSchema> | Kysely<HqSchema>;

/** Outcomes after which head office no longer hands the task out. */
const CLOSING = new Set(['completed', 'identity_not_verified', 'refused', 'unreachable']);

/**
 * Applies a seat's outbox entries in order, in one transaction with the seat's `last_applied_seq`: an entry
 * at or below it was applied before (a repeat is a no-op); the next must be exactly one above it, or the
 * push stops there with `SEQ_GAP` (what came before the gap stays applied). The seat row is locked for the
 * transaction, so two pushes of one seat never interleave.
 */
export async function applyPush(hq: Hq, seat: SeatPrincipal, request: PushRequest): Promise<PushResponse> {
  if (request.seatId !== seat.id) {
    throw new HqError(403, 'SEAT_MISMATCH', '推送的坐席编号与凭据不符');
  }
  // Validated before the transaction: a bad entry refuses the push without holding the seat's lock.
  const entries = request.entries.map((e) => ({ ...e, hash: entryHash(e), payload: parsePayload(e) }));
  const now = hq.now().toISOString();
  const outcome = await hq.db.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('seats')
      .select('last_applied_seq')
      .where('id', '=', seat.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    // The entries to apply: from the one after the last applied, while they follow on without a gap. One at or
    // below it must be the entry applied under that number: a repeat is a no-op, another one a conflict.
    let last = row.last_applied_seq;
    const conflict = await firstConflict(tx, seat.id, entries, last);
    if (conflict !== null) return { last, gap: null, conflict };
    let gap: number | null = null;
    const fresh: typeof entries = [];
    for (const entry of entries) {
      if (entry.seq <= last) continue;
      if (entry.seq !== last + 1) {
        gap = last + 1;
        break;
      }
      fresh.push(entry);
      last = entry.seq;
    }
    await applyEntries(tx, seat, fresh, now);
    await tx
      .updateTable('seats')
      .set({ last_applied_seq: last, last_seen_at: now })
      .where('id', '=', seat.id)
      .execute();
    return { last, gap, conflict: null };
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
  return { appliedSeq: outcome.last };
}

/** What identifies an entry's content: its kind, entity and payload as the seat sent them. */
export function entryHash(entry: Pick<OutboxEntry, 'kind' | 'entityId' | 'payload'>): string {
  return createHash('sha256')
    .update(JSON.stringify([entry.kind, entry.entityId, entry.payload]))
    .digest('hex');
}

/**
 * The first entry at or below `last` that differs from the entry applied under its number (kind, entity, and
 * the content hash where one was kept), or null.
 */
async function firstConflict(
  tx: Tx,
  seatId: string,
  entries: (OutboxEntry & { hash: string })[],
  last: number,
): Promise<number | null> {
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
    if (a.kind !== e.kind || a.entity_id !== e.entityId) return e.seq;
    if (a.content_sha256 !== null && a.content_sha256 !== e.hash) return e.seq;
  }
  return null;
}

type Parsed = {
  [K in keyof typeof PAYLOADS]: { kind: K; data: z.infer<(typeof PAYLOADS)[K]> };
}[keyof typeof PAYLOADS];

function parsePayload(entry: OutboxEntry): Parsed {
  const parsed = PAYLOADS[entry.kind].safeParse(entry.payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HqError(
      400,
      'BAD_ENTRY',
      `第 ${entry.seq} 条（${entry.kind}）内容无效：${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  return { kind: entry.kind, data: parsed.data } as Parsed;
}

/** Rows per multi-row INSERT: well under PostgreSQL's 65,535 parameters for the widest table. */
const CHUNK = 1000;

async function inChunks<T>(rows: T[], write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await write(rows.slice(i, i + CHUNK));
}

/**
 * Applies entries already known to follow on without a gap: the raw log, then each kind in multi-row
 * inserts (entries of different kinds do not depend on one another; results, with their answers, one by one).
 */
async function applyEntries(
  tx: Tx,
  seat: SeatPrincipal,
  entries: (Omit<OutboxEntry, 'payload'> & { payload: Parsed; hash: string })[],
  now: string,
): Promise<void> {
  if (entries.length === 0) return;
  // One JSON parameter per chunk, unpacked by the database (jsonb_to_recordset): far cheaper for PGlite and
  // pg alike than thousands of bound parameters.
  await inChunks(entries, (chunk) =>
    sql`INSERT INTO seat_entries (seat_id, seq, kind, entity_id, created_at, applied_at, content_sha256)
        SELECT ${seat.id}::uuid, r.seq, r.kind, r.entity_id, r.created_at, ${now}::timestamptz, r.hash
        FROM jsonb_to_recordset(${JSON.stringify(
          chunk.map((e) => ({
            seq: e.seq,
            kind: e.kind,
            entity_id: e.entityId,
            created_at: e.createdAt,
            hash: e.hash,
          })),
        )}::jsonb) AS r(seq bigint, kind text, entity_id text, created_at timestamptz, hash text)`.execute(
      tx,
    ),
  );
  const of = <K extends Parsed['kind']>(kind: K) =>
    entries.flatMap((e) =>
      e.payload.kind === kind ? [e.payload.data as Extract<Parsed, { kind: K }>['data']] : [],
    );
  await applyAudit(tx, seat, of('audit'));
  await applyAttempts(tx, seat, of('attempt'));
  await applyRecordings(tx, seat, of('recording'));
  for (const r of of('result')) await applyResult(tx, seat, r, now);
}

async function applyAudit(tx: Tx, seat: SeatPrincipal, rows: z.infer<typeof AuditPayload>[]) {
  await inChunks(rows, (chunk) =>
    sql`INSERT INTO audit (id, at, seat_id, user_id, action, entity_type, entity_id, detail, ip)
        SELECT r.id, r.at, ${seat.id}::uuid, r.agent_id, r.action, r.entity_type, r.entity_id, r.detail, NULL
        FROM jsonb_to_recordset(${JSON.stringify(
          chunk.map((a) => ({
            id: a.id,
            at: a.at,
            agent_id: a.agentId,
            action: a.action,
            entity_type: a.entityType,
            entity_id: a.entityId,
            detail: a.detail,
          })),
        )}::jsonb) AS r(id uuid, at timestamptz, agent_id uuid, action text, entity_type text, entity_id text,
                        detail jsonb)
        ON CONFLICT (id) DO NOTHING`.execute(tx),
  );
}

async function applyAttempts(tx: Tx, seat: SeatPrincipal, rows: z.infer<typeof AttemptPayload>[]) {
  await inChunks(rows, (chunk) =>
    tx
      .insertInto('attempts')
      .values(
        chunk.map((a) => ({
          id: a.id,
          task_id: a.taskId,
          seat_id: seat.id,
          agent_id: a.agentId,
          started_at: a.startedAt,
          number_masked: a.numberMasked,
          answered_at: a.answeredAt,
          ended_at: a.endedAt,
          outcome: a.outcome,
          sip_code: a.sipCode,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),
  );
}

async function applyRecordings(tx: Tx, seat: SeatPrincipal, rows: z.infer<typeof RecordingPayload>[]) {
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
          started_at: r.startedAt,
          finished_at: r.finishedAt,
          stored_at: null,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),
  );
}

/**
 * A result is kept whatever happened to its task meanwhile: one for a task that now belongs to another seat
 * (reassigned while this seat was offline) is flagged `reassigned` for a supervisor, never dropped.
 */
async function applyResult(tx: Tx, seat: SeatPrincipal, r: z.infer<typeof ResultPayload>, now: string) {
  const task = await tx
    .selectFrom('tasks')
    .select(['assigned_seat_id', 'status', 'branch_id', 'customer_id'])
    .where('id', '=', r.taskId)
    .executeTakeFirst();
  const flag =
    task && task.assigned_seat_id !== null && task.assigned_seat_id !== seat.id ? 'reassigned' : null;
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
      retry_at: r.retryAt,
      supersedes_id: r.supersedesId,
      created_at: r.createdAt,
      received_at: now,
      flag,
      // A task head office does not know (a seat's own demo data) is filed under the seat's branch.
      branch_id: task?.branch_id ?? seat.branchId,
      customer_id: task?.customer_id ?? null,
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
          answered_at: a.answeredAt,
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
          salesperson_id: f.salespersonId,
          branch_id: f.branchId,
          customer_id: f.customerId,
          recording_id: f.recordingId,
          offset_ms: f.offsetMs,
        })),
      )
      .execute();
  }
  // The task at head office follows the result of the seat that holds it.
  if (task && flag === null && task.status === 'open') {
    if (CLOSING.has(r.outcome)) {
      await tx.updateTable('tasks').set({ status: 'closed' }).where('id', '=', r.taskId).execute();
    } else if (r.retryAt !== null) {
      await tx.updateTable('tasks').set({ next_attempt_at: r.retryAt }).where('id', '=', r.taskId).execute();
    }
  }
}
