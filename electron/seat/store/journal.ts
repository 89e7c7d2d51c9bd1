import { v7 as uuidv7 } from 'uuid';
import { type AuditEntry as AuditView, SeatError } from '../../../shared/contract';
import { CHAIN_GENESIS, canonicalJson } from '../../../shared/contract/audit-chain';
import { escapeControl } from '../../../shared/contract/schemas';
import { PAYLOADS } from '../../../shared/contract/sync';
import { auditHash, type BrokenLink, verifySeatChain } from './audit-chain';
import { type Db, stmt } from './database';

/** Ids the seat makes: UUID v7, so evidence tables grow at the end of their primary-key index. */
export const newId = (): string => uuidv7();

export type OutboxKind = 'result' | 'audit' | 'attempt' | 'recording' | 'contact';

/**
 * Appends an outbox entry and returns its sequence number. Must run inside the caller's transaction: the
 * entry commits with the change it reports, or not at all (STYLE 7; Signal's JobQueue, Actual's sync).
 */
export function enqueue(
  db: Db,
  seatId: string,
  kind: OutboxKind,
  entityId: string,
  payload: unknown,
  at: string,
): number {
  // What head office would refuse is refused here, where the agent can still correct it, and the whole change
  // with it (the caller's transaction): the outbox holds only what head office accepts.
  const checked = PAYLOADS[kind].safeParse(payload);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new SeatError(
      'BAD_REQUEST',
      `无法保存：${where ? `${where}：` : ''}${issue?.message ?? '内容无效'}`,
    );
  }
  const info = stmt(
    db,
    'INSERT INTO outbox (seat_id, kind, entity_id, payload, created_at) VALUES (?, ?, ?, ?, ?)',
  ).run(seatId, kind, entityId, JSON.stringify(payload), at);
  return Number(info.lastInsertRowid);
}

export interface AuditEntry {
  agentId: string | null;
  /** e.g. `customer.reveal`, `result.commit`, `session.login_failed`. */
  action: string;
  entityType: string;
  entityId: string;
  /** Field names, ids and codes only: never a personal value. */
  detail: Record<string, unknown>;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** The last entry of the seat's chain: what the next one links to. */
export function chainHead(db: Db): ChainHead {
  const row = stmt<[], ChainHead>(
    db,
    'SELECT chain_seq AS seq, hash FROM audit WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1',
  ).get();
  return row ?? { seq: 0, hash: CHAIN_GENESIS };
}

/** Writes an audit fact and queues it for head office, where supervisors read the trail. */
export function appendAudit(db: Db, seatId: string, raw: AuditEntry, at: string): string {
  const id = newId();
  // What a person typed may reach an audit entry (a mistyped agent code at login): its control characters are
  // written as escapes, so the fact is kept, readable, and head office can take it.
  const entry = visible(raw);
  // In canonical form (keys sorted): the text the chain hashes, so the start check hashes it as stored.
  const detail = canonicalJson(entry.detail);
  // The seat's chain (shared/contract/audit-chain.ts): the seat's store is its database's only writer and
  // this runs in its transaction, so the head read here is the one the entry follows.
  const head = chainHead(db);
  const chainSeq = head.seq + 1;
  const hash = auditHash({
    seq: chainSeq,
    prevHash: head.hash,
    id,
    at,
    seatId,
    agentId: entry.agentId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    detail: entry.detail,
  });
  stmt(
    db,
    `INSERT INTO audit (id, at, seat_id, agent_id, action, entity_type, entity_id, detail, chain_seq, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    at,
    seatId,
    entry.agentId,
    entry.action,
    entry.entityType,
    entry.entityId,
    detail,
    chainSeq,
    head.hash,
    hash,
  );
  // The chain travels with the entry: head office checks each link on arrival (hq/sync/push.ts).
  enqueue(db, seatId, 'audit', id, { id, at, seatId, ...entry, chainSeq, prevHash: head.hash, hash }, at);
  return id;
}

/**
 * The seat's start check of its audit chain (issue 14): the first broken link is said on the console and
 * recorded as an `audit.chain_broken` entry (once per break: a later start that finds the same one only says
 * it), for head office to see. Never a reason not to start: the trail as it is stays evidence.
 */
export function checkAuditChain(db: Db, seatId: string, at: string): BrokenLink | null {
  const { broken } = verifySeatChain(db);
  if (broken === null) return null;
  console.error(`坐席审计链校验失败：${broken.reason}`);
  const last = stmt<[], { detail: string }>(
    db,
    "SELECT detail FROM audit WHERE action = 'audit.chain_broken' ORDER BY rowid DESC LIMIT 1",
  ).get();
  const said = last ? (JSON.parse(last.detail) as { seq?: unknown; id?: unknown }) : null;
  if (said?.seq !== broken.seq || said?.id !== broken.id) {
    appendAudit(
      db,
      seatId,
      {
        agentId: null,
        action: 'audit.chain_broken',
        entityType: 'audit',
        entityId: broken.id ?? String(broken.seq),
        detail: { seq: broken.seq, id: broken.id },
      },
      at,
    );
  }
  return broken;
}

/** A value with every control character but tab and line breaks in its strings written as `\uXXXX`. */
function visible<T>(value: T): T {
  if (typeof value === 'string') return escapeControl(value) as T;
  if (Array.isArray(value)) return value.map(visible) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [visible(k), visible(v)])) as T;
  }
  return value;
}

/**
 * Audit entries, newest first in the order they were written (the table's own sequence, not the clock: after
 * the computer's clock was set back, a later entry has an earlier time and a smaller UUID v7); only
 * `agentId`'s own unless `agentId` is null. Keyset paging with `before` (an entry's id).
 */
export function listAudit(db: Db, agentId: string | null, limit: number, before: string | null): AuditView[] {
  return stmt<[object], Omit<AuditView, 'detail'> & { detail: string }>(
    db,
    `SELECT a.id, a.at, a.agent_id AS agentId, g.name AS agentName, a.action, a.entity_type AS entityType,
            a.entity_id AS entityId, a.detail
     FROM audit a LEFT JOIN agents g ON g.id = a.agent_id
     WHERE (:agentId IS NULL OR a.agent_id = :agentId)
       AND (:before IS NULL OR a.rowid < (SELECT b.rowid FROM audit b WHERE b.id = :before))
     ORDER BY a.rowid DESC LIMIT :limit`,
  )
    .all({ agentId, limit, before })
    .map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

export function outboxStatus(db: Db): { pending: number; lastSeq: number } {
  const row = stmt<[], { last: number | null; acked: number }>(
    db,
    `SELECT (SELECT max(seq) FROM outbox) AS last, acked_seq AS acked FROM sync_state`,
  ).get();
  const lastSeq = row?.last ?? 0;
  return { pending: Math.max(0, lastSeq - (row?.acked ?? 0)), lastSeq };
}
