import { hash as oneShot } from 'node:crypto';
import { auditChainText, CHAIN_GENESIS, type ChainLink } from '../../../shared/contract/audit-chain';
import type { Db } from './database';

/** An entry's hash in the seat's audit chain (the same bytes head office hashes: shared/contract/audit-chain.ts). */
export function auditHash(link: ChainLink): string {
  return oneShot('sha256', auditChainText(link), 'hex');
}

/** Text JSON.stringify writes as it is between quotes: no quote, backslash, control character or surrogate. */
function plain(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}
const CANONICAL_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const quote = (text: string) => (plain(text) ? `"${text}"` : JSON.stringify(text));
const quoteOrNull = (text: string | null) => (text === null ? 'null' : quote(text));

/**
 * `auditChainText` of a stored row without parsing its detail, or null where that cannot be taken as it is
 * (an instant not in `toISOString()` form). Holds when the stored detail is canonical JSON, as appendAudit
 * writes it; for a row written otherwise (before migration 8, or edited into another key order) the hash
 * differs and the verifier falls back to the canonical text. The seat's start check and the 1,000,000-entry
 * bench (bench/security-audit.ts) are this loop.
 */
export function storedChainText(r: StoredAuditRow): string | null {
  if (!CANONICAL_INSTANT.test(r.at)) return null;
  return `[${r.chain_seq},${quote(r.prev_hash as string)},${quote(r.id)},"${r.at}",${quoteOrNull(r.seat_id)},${quoteOrNull(
    r.agent_id,
  )},${quote(r.action)},${quote(r.entity_type)},${quote(r.entity_id)},${r.detail}]`;
}

/**
 * `audit_chain_hash(seq, prev_hash, id, at, seat_id, agent_id, action, entity_type, entity_id, detail)` for
 * SQL: migration 0008 chains the entries written before it with it. `detail` is the stored JSON text.
 */
export function registerAuditChainFunction(db: Db): void {
  db.function(
    'audit_chain_hash',
    { deterministic: true },
    (seq, prevHash, id, at, seatId, agentId, action, entityType, entityId, detail) =>
      auditHash({
        seq: Number(seq),
        prevHash: String(prevHash),
        id: String(id),
        at: String(at),
        seatId: seatId === null ? null : String(seatId),
        agentId: agentId === null ? null : String(agentId),
        action: String(action),
        entityType: String(entityType),
        entityId: String(entityId),
        detail: JSON.parse(String(detail)) as unknown,
      }),
  );
}

/** The first link that does not hold: where, which entry, and why (in Chinese, for the person reading it). */
export interface BrokenLink {
  /** The chain position expected there. */
  seq: number;
  /** The entry found there (null: the chain ends before it). */
  id: string | null;
  reason: string;
}

export interface ChainReport {
  entries: number;
  broken: BrokenLink | null;
}

export interface StoredAuditRow {
  chain_seq: number | null;
  prev_hash: string | null;
  hash: string | null;
  id: string;
  at: string;
  seat_id: string;
  agent_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  detail: string;
}

/**
 * Walks the seat's audit trail in the order it was written (rowid) and names the first entry that does not
 * link: one edited (its hash no longer recomputes), removed (a position missing), inserted (no chain fields,
 * or a position out of order) or whose predecessor changed (its `prev_hash` differs). What no local check can
 * see is a rewrite of the whole tail with its hashes recomputed: head office holds what was pushed.
 */
export function verifySeatChain(db: Db): ChainReport {
  // Rows as arrays: better-sqlite3 makes a million of them faster than objects keyed by column name.
  const rows = db
    .prepare(
      `SELECT chain_seq, prev_hash, hash, id, at, seat_id, agent_id, action, entity_type, entity_id, detail
       FROM audit ORDER BY rowid`,
    )
    .raw()
    .iterate() as IterableIterator<unknown[]>;
  let expected = 1;
  let prev = CHAIN_GENESIS;
  let entries = 0;
  for (const values of rows) {
    entries++;
    const r = {
      chain_seq: values[0],
      prev_hash: values[1],
      hash: values[2],
      id: values[3],
      at: values[4],
      seat_id: values[5],
      agent_id: values[6],
      action: values[7],
      entity_type: values[8],
      entity_id: values[9],
      detail: values[10],
    } as StoredAuditRow;
    const broken = checkLink(r, expected, prev);
    if (broken) {
      // Ends the statement's iteration: better-sqlite3 releases it on return.
      rows.return?.();
      return { entries, broken };
    }
    expected++;
    prev = r.hash as string;
  }
  return { entries, broken: null };
}

function checkLink(r: StoredAuditRow, expected: number, prev: string): BrokenLink | null {
  if (r.chain_seq === null || r.hash === null || r.prev_hash === null) {
    return {
      seq: expected,
      id: r.id,
      reason: `第 ${expected} 条位置上的审计记录 ${r.id} 不在审计链中（被插入）`,
    };
  }
  if (r.chain_seq !== expected) {
    return {
      seq: expected,
      id: r.id,
      reason:
        r.chain_seq > expected
          ? `审计链缺少第 ${expected} 条（被删除），其后为第 ${r.chain_seq} 条 ${r.id}`
          : `审计记录 ${r.id} 的序号 ${r.chain_seq} 不在应有位置（应为第 ${expected} 条，被插入或重排）`,
    };
  }
  if (r.prev_hash !== prev) {
    return {
      seq: expected,
      id: r.id,
      reason: `第 ${expected} 条审计记录 ${r.id} 与前一条不衔接（前一条被改动或替换）`,
    };
  }
  const stored = storedChainText(r);
  if (stored !== null && oneShot('sha256', stored, 'hex') === r.hash) return null;
  let detail: unknown;
  try {
    detail = JSON.parse(r.detail);
  } catch {
    return { seq: expected, id: r.id, reason: `第 ${expected} 条审计记录 ${r.id} 的详情无法读取（被改动）` };
  }
  const hash = auditHash({
    seq: r.chain_seq,
    prevHash: r.prev_hash,
    id: r.id,
    at: r.at,
    seatId: r.seat_id,
    agentId: r.agent_id,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    detail,
  });
  if (hash !== r.hash) {
    return {
      seq: expected,
      id: r.id,
      reason: `第 ${expected} 条审计记录 ${r.id} 的内容与其哈希不符（被改动）`,
    };
  }
  return null;
}
