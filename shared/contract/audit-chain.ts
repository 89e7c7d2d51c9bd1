/**
 * The audit chain's canonical form, the same at the seat and at head office (issue 14, point 5). Each audit
 * entry carries the hash of the one before it in its chain (a seat's own, or head office's), and its own hash
 * is SHA-256 over `auditChainText` of its fields: an edited, removed or inserted entry no longer links. shared/
 * has no Node, so the hashing itself is done by each side with node:crypto over these bytes
 * (electron/seat/store/audit-chain.ts, hq/audit-chain.ts; test/hq/audit-chain.test.ts checks they agree).
 */

/** The `prevHash` of a chain's first entry. */
export const CHAIN_GENESIS = '0'.repeat(64);

export const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** What an entry's hash covers. */
export interface ChainLink {
  seq: number;
  prevHash: string;
  id: string;
  /** An instant; normalised to `toISOString()` (both stores keep milliseconds in UTC). */
  at: string;
  seatId: string | null;
  agentId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  detail: unknown;
  /** Head office's own entries only (the client's address); absent or null is left out of the text. */
  ip?: string | null;
}

/**
 * The bytes an entry's hash is taken over: a JSON array of its fields in a fixed order, the detail with its
 * keys sorted at every level. Sorted, because PostgreSQL's JSONB does not keep the order a seat wrote them in;
 * the instant normalised, because PostgreSQL gives it back in its own notation.
 */
export function auditChainText(link: ChainLink): string {
  const fields: unknown[] = [
    link.seq,
    link.prevHash,
    link.id,
    canonicalInstant(link.at),
    link.seatId,
    link.agentId,
    link.action,
    link.entityType,
    link.entityId,
    sortedKeys(link.detail),
  ];
  if (link.ip !== undefined && link.ip !== null) fields.push(link.ip);
  return JSON.stringify(fields);
}

/** A JSON value's canonical text: keys sorted at every level (what the seat stores as an entry's detail). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedKeys(value));
}

/** `toISOString()` of the instant; text that is no instant (a damaged row) as it is, so that it fails to link. */
function canonicalInstant(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : new Date(ms).toISOString();
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties: a key `__proto__` stays a key (an assignment would drop it).
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sortedKeys(record[key])]),
    );
  }
  return value;
}
