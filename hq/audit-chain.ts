import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql, type Transaction } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { auditChainText, CHAIN_GENESIS, type ChainLink, HASH_PATTERN } from '../shared/contract/audit-chain';
import type { Hq } from './context';
import type { HqSchema } from './db/schema';

/**
 * The audit chains at head office (issue 14, point 5). Every entry written from migration 12 on is a link:
 * of head office's own chain (its own entries, and those of seats too old to chain theirs), or of the chain
 * of the seat that wrote it (checked link by link on arrival, hq/sync/push.ts). Head office signs its chain's
 * head and the seats' heads daily (Ed25519) and keeps the signed anchor in the recordings store, apart from
 * the database: someone with the database's credentials who rewrites history, hashes and all, no longer
 * matches an anchor. `verifyAuditChains` checks all of it (`npm run audit:verify`, scripts/audit-verify.ts).
 */

type Db = Kysely<HqSchema> | Transaction<HqSchema>;

/** Serialises the appends to head office's chain, across processes (a transaction-scoped advisory lock). */
const AUDIT_CHAIN_LOCK = 7_310_012;

/** An entry's hash (the seat hashes the same bytes: electron/seat/store/audit-chain.ts). */
export function auditHash(link: ChainLink): string {
  return createHash('sha256').update(auditChainText(link)).digest('hex');
}

/** Runs `fn` in `db`'s transaction, or in a new one when `db` is the database itself. */
export async function inTransaction<T>(db: Db, fn: (tx: Transaction<HqSchema>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<HqSchema>);
  return (db as Kysely<HqSchema>).transaction().execute(fn);
}

/** A row for head office's chain, as `audit` holds it. */
export interface HqChainRow {
  id: string;
  at: string;
  seat_id: string | null;
  user_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  detail: Record<string, unknown>;
  ip: string | null;
}

const hqLink = (seq: number, prevHash: string, r: HqChainRow): ChainLink => ({
  seq,
  prevHash,
  id: r.id,
  at: r.at,
  seatId: r.seat_id,
  agentId: r.user_id,
  action: r.action,
  entityType: r.entity_type,
  entityId: r.entity_id,
  detail: r.detail,
  ip: r.ip,
});

/**
 * Appends `rows` to head office's chain, in order, in `tx`: under the chain's lock (held to the end of the
 * transaction, so a concurrent append waits and then follows the committed head). The first append of a
 * head office also writes the chain's first link, `audit.chain_start`, with the digest of the entries from
 * before the chain.
 */
export async function appendHqChain(tx: Transaction<HqSchema>, rows: HqChainRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(tx);
  const head = await tx
    .selectFrom('audit')
    .select(['chain_seq', 'hash'])
    .where('chain_seat_id', 'is', null)
    .where('chain_seq', 'is not', null)
    .orderBy('chain_seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const all = [...rows];
  if (!head) {
    const legacy = await legacyDigest(tx);
    all.unshift({
      id: uuidv7(),
      at: rows[0]?.at ?? new Date().toISOString(),
      seat_id: null,
      user_id: null,
      action: 'audit.chain_start',
      entity_type: 'audit',
      entity_id: 'hq',
      detail: { legacyRows: legacy.rows, legacyDigest: legacy.digest },
      ip: null,
    });
  }
  let seq = Number(head?.chain_seq ?? 0);
  let prev = head?.hash ?? CHAIN_GENESIS;
  const values = all.map((r) => {
    seq++;
    // Hashed as the database will give it back: JSON's own (a Date as its text, an undefined field gone).
    const detail = JSON.stringify(r.detail);
    const hash = auditHash(
      hqLink(seq, prev, { ...r, detail: JSON.parse(detail) as Record<string, unknown> }),
    );
    const row = { ...r, detail, chain_seq: seq, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  for (let i = 0; i < values.length; i += 1000) {
    await tx
      .insertInto('audit')
      .values(values.slice(i, i + 1000))
      .execute();
  }
}

/** The entries outside every chain (written before migration 12): how many, and one digest of them all. */
async function legacyDigest(db: Db): Promise<{ rows: number; digest: string }> {
  const rows = await db
    .selectFrom('audit')
    .select(['id', 'at', 'seat_id', 'user_id', 'action', 'entity_type', 'entity_id', 'detail', 'ip'])
    .where('chain_seq', 'is', null)
    .where('chain_seat_id', 'is', null)
    .orderBy('id')
    .execute();
  const digest = createHash('sha256');
  for (const r of rows) digest.update(`${auditChainText(hqLink(0, CHAIN_GENESIS, r as HqChainRow))}\n`);
  return { rows: rows.length, digest: digest.digest('hex') };
}

// ---------------------------------------------------------------------------------------------------------
// A seat's chain, as head office takes it.

/** The chain fields of a seat's audit entry, where it sent them all and in form. */
export interface SeatLink {
  chainSeq: number;
  prevHash: string;
  hash: string;
}

export function seatLinkOf(payload: unknown): SeatLink | null {
  if (payload === null || typeof payload !== 'object') return null;
  const p = payload as Record<string, unknown>;
  const { chainSeq, prevHash, hash } = p;
  if (typeof chainSeq !== 'number' || !Number.isSafeInteger(chainSeq) || chainSeq < 1) return null;
  if (typeof prevHash !== 'string' || !HASH_PATTERN.test(prevHash)) return null;
  if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) return null;
  return { chainSeq, prevHash, hash };
}

/** The last link head office took of a seat's chain. */
export interface SeatHead {
  seq: number;
  hash: string;
}

/** The fields of a seat's entry its hash covers, as the seat sent them (its own time, its seat id). */
export interface SeatEntryFields {
  id: string;
  at: string;
  seatId: string;
  agentId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  detail: unknown;
}

/**
 * Why a seat's entry does not link to `head` (the last link head office took of that seat), or null when it
 * does. `head` null: the seat's first chained entry head office sees; it must start the chain (position 1
 * after the genesis hash) unless the seat chained entries head office holds from before (a seat upgraded
 * with a history: then any position starts it). `forkBase`: the entry's previous hash is that of a link head
 * office holds one position before it (or the genesis hash before position 1): a seat restored from a backup
 * goes on from there, and head office takes it as a fork of the chain (recorded; what came after the fork
 * point stays as it was received).
 */
export function seatLinkProblem(
  head: SeatHead | null,
  link: SeatLink,
  fields: SeatEntryFields,
  upgraded: boolean,
  forkBase: (link: SeatLink) => boolean = () => false,
): { problem: string | null; fork: boolean } {
  const hash = auditHash({ seq: link.chainSeq, prevHash: link.prevHash, ...fields });
  if (hash !== link.hash)
    return { problem: `审计链第 ${link.chainSeq} 条的内容与其哈希不符（被改动）`, fork: false };
  let problem: string | null = null;
  if (head === null) {
    if (link.chainSeq === 1 && link.prevHash !== CHAIN_GENESIS) problem = '审计链第 1 条不以链的起点开始';
    else if (link.chainSeq !== 1 && !upgraded) problem = `审计链从第 ${link.chainSeq} 条开始，缺少之前的记录`;
    return { problem, fork: false };
  }
  if (link.chainSeq !== head.seq + 1) {
    problem = `审计链第 ${link.chainSeq} 条不接续总部已收到的第 ${head.seq} 条（缺少、重复或重排）`;
  } else if (link.prevHash !== head.hash) {
    problem = `审计链第 ${link.chainSeq} 条与总部已收到的第 ${head.seq} 条不衔接（历史被改写）`;
  }
  if (problem !== null && link.chainSeq <= head.seq + 1 && forkBase(link))
    return { problem: null, fork: true };
  return { problem, fork: false };
}

// ---------------------------------------------------------------------------------------------------------
// The signed anchors.

const KEY_FILE = 'audit-anchor-key.pem';

/** Head office's signing key: made on first use, a 0600 file in `keyDir`; its public key also in the database. */
export async function signingKey(db: Db, keyDir: string, at: string): Promise<KeyObject> {
  const path = join(keyDir, KEY_FILE);
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      // `wx`: two processes starting together keep the one written first.
      writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = createPrivateKey(readFileSync(path, 'utf8'));
  await db
    .insertInto('audit_keys')
    .values({ public_key: publicKeyPem(key), created_at: at })
    .onConflict((oc) => oc.column('public_key').doNothing())
    .execute();
  return key;
}

const publicKeyPem = (key: KeyObject) =>
  createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();

/** The key anchors are checked with: the data directory's key file where present, else the database's keys. */
export async function trustedKeys(
  db: Db,
  keyDir: string | null,
): Promise<{ keys: string[]; fromFile: boolean }> {
  const path = keyDir === null ? null : join(keyDir, KEY_FILE);
  if (path !== null && existsSync(path)) {
    return { keys: [publicKeyPem(createPrivateKey(readFileSync(path, 'utf8')))], fromFile: true };
  }
  const rows = await db.selectFrom('audit_keys').select('public_key').execute();
  return { keys: rows.map((r) => r.public_key), fromFile: false };
}

/** What an anchor vouches for: head office's chain head and each seat chain's last link, at a moment. */
export interface AnchorBody {
  version: 1;
  at: string;
  hq: { seq: number; hash: string };
  /** By seat id: the last link of its chain head office holds, under its outbox number. */
  seats: Record<string, { entrySeq: number; chainSeq: number; hash: string }>;
  publicKey: string;
}

export interface SignedAnchor {
  anchor: AnchorBody;
  /** Ed25519 over `anchorText(anchor)`, base64. */
  signature: string;
}

const anchorText = (a: AnchorBody) =>
  JSON.stringify([a.version, a.at, a.hq.seq, a.hq.hash, Object.entries(a.seats).sort(), a.publicKey]);

/**
 * Seals head office's audit chain: signs its head and the seats' heads and keeps the anchor in the recordings
 * store, then records the sealing in the chain (the next anchor covers that entry). Daily (hq/main.ts).
 */
export async function sealAuditChain(hq: Hq, keyDir: string): Promise<SignedAnchor> {
  const at = hq.now().toISOString();
  const key = await signingKey(hq.db.db, keyDir, at);
  const anchor = await hq.db.db.transaction().execute(async (tx) => {
    // An empty chain is started first: there is always a head to sign.
    await appendHqChain(tx, [
      {
        id: uuidv7(),
        at,
        seat_id: null,
        user_id: null,
        action: 'audit.seal',
        entity_type: 'audit',
        entity_id: 'hq',
        detail: {},
        ip: null,
      },
    ]);
    const head = await tx
      .selectFrom('audit')
      .select(['chain_seq', 'hash'])
      .where('chain_seat_id', 'is', null)
      .where('chain_seq', 'is not', null)
      .orderBy('chain_seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const seatHeads = await sql<{
      chain_seat_id: string;
      entry_seq: number;
      chain_seq: number;
      hash: string;
    }>`
      SELECT DISTINCT ON (chain_seat_id) chain_seat_id, entry_seq, chain_seq, hash FROM audit
      WHERE chain_seat_id IS NOT NULL ORDER BY chain_seat_id, entry_seq DESC`.execute(tx);
    const body: AnchorBody = {
      version: 1,
      at,
      hq: { seq: Number(head.chain_seq), hash: head.hash ?? '' },
      seats: Object.fromEntries(
        seatHeads.rows.map((s) => [
          s.chain_seat_id,
          { entrySeq: Number(s.entry_seq), chainSeq: Number(s.chain_seq), hash: s.hash },
        ]),
      ),
      publicKey: publicKeyPem(key),
    };
    return body;
  });
  const signed: SignedAnchor = {
    anchor,
    signature: sign(null, Buffer.from(anchorText(anchor)), key).toString('base64'),
  };
  await hq.recordings.putAnchor(
    `${at.replace(/[^0-9A-Za-z]/g, '')}-${anchor.hq.seq}.json`,
    JSON.stringify(signed),
  );
  return signed;
}

// ---------------------------------------------------------------------------------------------------------
// The verifier.

/** The first link of one chain that does not hold. */
export interface ChainBreak {
  /** `总部` or `坐席 <id>`. */
  chain: string;
  /** The chain position (head office's) or the seat's outbox number (a seat's chain) where it breaks. */
  seq: number;
  /** The entry there, where there is one. */
  id: string | null;
  reason: string;
}

export interface VerifyReport {
  hqEntries: number;
  seatChains: number;
  seatEntries: number;
  anchors: number;
  /** Head office's first break, each seat chain's first, each anchor that fails: in that order. */
  breaks: ChainBreak[];
  /** Where the anchors' key came from. */
  keyFromFile: boolean;
}

const PAGE = 5000;

interface StoredRow extends HqChainRow {
  chain_seat_id: string | null;
  chain_seq: number | null;
  prev_hash: string | null;
  hash: string | null;
  entry_seq: number | null;
  seat_at: string | null;
}

const COLUMNS = [
  'id',
  'at',
  'seat_id',
  'user_id',
  'action',
  'entity_type',
  'entity_id',
  'detail',
  'ip',
  'chain_seat_id',
  'chain_seq',
  'prev_hash',
  'hash',
  'entry_seq',
  'seat_at',
] as const;

/**
 * Verifies head office's chain, every seat chain it holds and the signed anchors (`keyDir`: where the signing
 * key is; null checks them with the database's public keys, which someone with the database's credentials
 * could have replaced). Reads the audit trail in pages; changes nothing.
 */
export async function verifyAuditChains(
  hq: Pick<Hq, 'db' | 'recordings'>,
  keyDir: string | null,
): Promise<VerifyReport> {
  const db = hq.db.db;
  const breaks: ChainBreak[] = [];
  const { anchors, broken: badAnchors, keyFromFile } = await readAnchors(hq, keyDir);
  breaks.push(...badAnchors);
  // What the anchors vouch for: checked as the chains are walked.
  const hqVouched = new Map<number, { hash: string; at: string }>();
  const seatVouched = new Map<string, Map<number, { hash: string; at: string }>>();
  for (const a of anchors) {
    hqVouched.set(a.hq.seq, { hash: a.hq.hash, at: a.at });
    for (const [seatId, s] of Object.entries(a.seats)) {
      const m = seatVouched.get(seatId) ?? new Map<number, { hash: string; at: string }>();
      seatVouched.set(seatId, m);
      m.set(s.entrySeq, { hash: s.hash, at: a.at });
    }
  }

  // Head office's chain.
  const hq_ = await verifyHqChain(db, hqVouched);
  if (hq_.broken) breaks.push(hq_.broken);

  // Each seat's chain: its entries head office took and those it quarantined, in the order the seat sent them.
  const seatIds = (
    await db
      .selectFrom('audit')
      .select('chain_seat_id')
      .distinct()
      .where('chain_seat_id', 'is not', null)
      .execute()
  ).map((r) => r.chain_seat_id as string);
  for (const s of seatVouched.keys()) if (!seatIds.includes(s)) seatIds.push(s);
  let seatEntries = 0;
  for (const seatId of seatIds.sort()) {
    const r = await verifySeatChainAtHq(
      db,
      seatId,
      hq_.starts.get(seatId) ?? null,
      seatVouched.get(seatId),
      hq_.forks.get(seatId),
    );
    seatEntries += r.entries;
    if (r.broken) breaks.push(r.broken);
  }
  return {
    hqEntries: hq_.entries,
    seatChains: seatIds.length,
    seatEntries,
    anchors: anchors.length,
    breaks,
    keyFromFile,
  };
}

async function readAnchors(
  hq: Pick<Hq, 'db' | 'recordings'>,
  keyDir: string | null,
): Promise<{ anchors: AnchorBody[]; broken: ChainBreak[]; keyFromFile: boolean }> {
  const { keys, fromFile } = await trustedKeys(hq.db.db, keyDir);
  const anchors: AnchorBody[] = [];
  const broken: ChainBreak[] = [];
  for (const { name, body } of await hq.recordings.listAnchors()) {
    const bad = (reason: string) => broken.push({ chain: `锚点 ${name}`, seq: 0, id: null, reason });
    let signed: SignedAnchor;
    try {
      signed = JSON.parse(body) as SignedAnchor;
    } catch {
      bad('锚点文件无法读取');
      continue;
    }
    const a = signed?.anchor;
    if (!a || typeof signed.signature !== 'string' || !a.hq || typeof a.seats !== 'object') {
      bad('锚点文件无法读取');
      continue;
    }
    const ok = keys.some((k) => {
      try {
        return (
          a.publicKey === k &&
          verify(null, Buffer.from(anchorText(a)), k, Buffer.from(signed.signature, 'base64'))
        );
      } catch {
        return false;
      }
    });
    if (!ok) {
      bad('锚点签名无效（非总部签名密钥所签，或内容被改动）');
      continue;
    }
    anchors.push(a);
  }
  return { anchors, broken, keyFromFile: fromFile };
}

/** Head office's chain from its first link, page by page; and where each seat's chain was recorded to start. */
async function verifyHqChain(
  db: Kysely<HqSchema>,
  vouched: Map<number, { hash: string; at: string }>,
): Promise<{
  entries: number;
  broken: ChainBreak | null;
  starts: Map<string, { entrySeq: number; hash: string }>;
  forks: Map<string, Map<number, { chainSeq: number; prevHash: string }>>;
}> {
  const starts = new Map<string, { entrySeq: number; hash: string }>();
  const forks = new Map<string, Map<number, { chainSeq: number; prevHash: string }>>();
  const brk = (seq: number, id: string | null, reason: string) => ({
    entries,
    broken: { chain: '总部', seq, id, reason },
    starts,
    forks,
  });
  let expected = 1;
  let prev = CHAIN_GENESIS;
  let entries = 0;
  let chainStart: StoredRow | null = null;
  for (;;) {
    const rows = (await db
      .selectFrom('audit')
      .select(COLUMNS)
      .where('chain_seat_id', 'is', null)
      .where('chain_seq', 'is not', null)
      .where('chain_seq', '>=', expected)
      .orderBy('chain_seq')
      .limit(PAGE)
      .execute()) as StoredRow[];
    if (rows.length === 0) break;
    for (const r of rows) {
      entries++;
      const seq = Number(r.chain_seq);
      if (seq !== expected)
        return brk(expected, r.id, `总部审计链缺少第 ${expected} 条（被删除），其后为第 ${seq} 条`);
      if (r.prev_hash !== prev)
        return brk(seq, r.id, `总部审计链第 ${seq} 条与前一条不衔接（前一条被改动或替换）`);
      if (auditHash(hqLink(seq, prev, r)) !== r.hash) {
        return brk(seq, r.id, `总部审计链第 ${seq} 条的内容与其哈希不符（被改动）`);
      }
      const v = vouched.get(seq);
      if (v && v.hash !== r.hash) {
        return brk(seq, r.id, `总部审计链第 ${seq} 条与 ${v.at} 签名封存的哈希不符（历史被重写）`);
      }
      if (seq === 1) {
        if (r.action !== 'audit.chain_start') return brk(1, r.id, '总部审计链第 1 条不是链的起点记录');
        chainStart = r;
      }
      if (r.action === 'audit.seat_chain_start' && typeof r.detail.entrySeq === 'number') {
        starts.set(r.entity_id, { entrySeq: r.detail.entrySeq, hash: String(r.detail.hash) });
      }
      if (r.action === 'audit.seat_chain_fork' && typeof r.detail.entrySeq === 'number') {
        const m = forks.get(r.entity_id) ?? new Map<number, { chainSeq: number; prevHash: string }>();
        forks.set(r.entity_id, m);
        m.set(r.detail.entrySeq, {
          chainSeq: Number(r.detail.chainSeq),
          prevHash: String(r.detail.prevHash),
        });
      }
      prev = r.hash as string;
      expected++;
    }
  }
  const last = expected - 1;
  const beyond = [...vouched.keys()].filter((s) => s > last).sort((a, b) => a - b)[0];
  if (beyond !== undefined) {
    return brk(
      last + 1,
      null,
      `总部审计链在第 ${last} 条处终止，而第 ${beyond} 条已于 ${vouched.get(beyond)?.at} 签名封存（其后的记录被删除）`,
    );
  }
  // Entries outside the chain: those from before it, exactly as its first link counted them; no other.
  const outside = await db
    .selectFrom('audit')
    .select(['id', 'at'])
    .where('chain_seq', 'is', null)
    .where('chain_seat_id', 'is', null)
    .orderBy('id')
    .execute();
  // No first link: the chain has not begun (no entry written since migration 12); nothing to hold them to.
  const begun = chainStart as StoredRow | null;
  if (begun === null) return { entries, broken: null, starts, forks };
  const legacy = await legacyDigest(db);
  if (legacy.rows !== begun.detail.legacyRows || legacy.digest !== begun.detail.legacyDigest) {
    const inserted = outside.find((o) => o.at > begun.at);
    return brk(
      0,
      inserted?.id ?? begun.id,
      inserted
        ? `审计记录 ${inserted.id} 不在任何审计链中（被插入）`
        : `审计链建立前的 ${String(begun.detail.legacyRows)} 条记录被改动、删除或插入（现为 ${legacy.rows} 条）`,
    );
  }
  return { entries, broken: null, starts, forks };
}

/**
 * One seat's chain: the entries head office took (by the outbox number they came under) and the ones it
 * quarantined, in the order the seat sent them, each linking to the last one before it as on arrival. It must
 * begin where head office recorded that it began, and pass through every link an anchor vouches for.
 */
async function verifySeatChainAtHq(
  db: Kysely<HqSchema>,
  seatId: string,
  start: { entrySeq: number; hash: string } | null,
  vouched: Map<number, { hash: string; at: string }> | undefined,
  forks: Map<number, { chainSeq: number; prevHash: string }> | undefined,
): Promise<{ entries: number; broken: ChainBreak | null }> {
  const held = new Set<string>();
  const chain = `坐席 ${seatId}`;
  let entries = 0;
  const brk = (seq: number, id: string | null, reason: string) => ({
    entries,
    broken: { chain, seq, id, reason },
  });
  const quarantined = (
    await db
      .selectFrom('quarantine')
      .select(['seq', 'entity_id', 'body'])
      .where('seat_id', '=', seatId)
      .where('kind', '=', 'audit')
      .orderBy('seq')
      .execute()
  ).map((q) => {
    let link: SeatLink | null = null;
    try {
      link = seatLinkOf((JSON.parse(q.body) as { payload?: unknown }).payload);
    } catch {}
    return { seq: Number(q.seq), link };
  });
  let qi = 0;
  let head: SeatHead | null = null;
  let first = true;
  const seen = new Set<number>();
  const take = (entrySeq: number, link: SeatLink) => {
    head = { seq: link.chainSeq, hash: link.hash };
    seen.add(entrySeq);
  };
  const startProblem = (entrySeq: number, hash: string) =>
    start === null
      ? '总部没有该坐席审计链的起点记录（链首被删除或记录被插入）'
      : start.entrySeq !== entrySeq || start.hash !== hash
        ? `该坐席审计链应从第 ${start.entrySeq} 条开始（链首被删除或替换）`
        : null;
  let after = 0;
  for (;;) {
    const rows = (await db
      .selectFrom('audit')
      .select(COLUMNS)
      .where('chain_seat_id', '=', seatId)
      .where('entry_seq', '>', after)
      .orderBy('entry_seq')
      .limit(PAGE)
      .execute()) as StoredRow[];
    for (const r of [...rows, null]) {
      const entrySeq = r === null ? Number.POSITIVE_INFINITY : Number(r.entry_seq);
      // The quarantined entries before this one: links as they came (a break there is already flagged).
      while (qi < quarantined.length && (quarantined[qi]?.seq ?? 0) < entrySeq) {
        const q = quarantined[qi++];
        if (q?.link) {
          if (first) {
            const p = startProblem(q.seq, q.link.hash);
            if (p) return brk(q.seq, null, p);
            first = false;
          }
          take(q.seq, q.link);
        }
      }
      if (r === null) break;
      entries++;
      if (r.entry_seq === null || r.chain_seq === null || r.prev_hash === null || r.hash === null) {
        return brk(entrySeq, r.id, `审计记录 ${r.id} 的链字段缺失（被改动或插入）`);
      }
      const link = { chainSeq: Number(r.chain_seq), prevHash: r.prev_hash, hash: r.hash };
      if (first) {
        const p = startProblem(entrySeq, r.hash);
        if (p) return brk(entrySeq, r.id, p);
      }
      const fork = forks?.get(entrySeq);
      const { problem } = seatLinkProblem(
        first ? null : head,
        link,
        {
          id: r.id,
          at: r.seat_at ?? r.at,
          seatId: r.seat_id ?? '',
          agentId: r.user_id,
          action: r.action,
          entityType: r.entity_type,
          entityId: r.entity_id,
          detail: r.detail,
        },
        true,
        // A fork head office recorded on arrival (a seat restored from a backup), from a link it held.
        (l) =>
          fork !== undefined &&
          fork.chainSeq === l.chainSeq &&
          fork.prevHash === l.prevHash &&
          (l.chainSeq === 1 ? l.prevHash === CHAIN_GENESIS : held.has(`${l.chainSeq - 1}:${l.prevHash}`)),
      );
      if (problem) return brk(entrySeq, r.id, `第 ${entrySeq} 条同步记录：${problem}`);
      first = false;
      take(entrySeq, link);
      // The links a fork may go on from: kept only for a seat that forked.
      if (forks) held.add(`${link.chainSeq}:${link.hash}`);
    }
    if (rows.length < PAGE) break;
    after = Number(rows[rows.length - 1]?.entry_seq);
  }
  if (first && start !== null) return brk(start.entrySeq, null, '该坐席审计链的记录全部缺失（被删除）');
  for (const [entrySeq, v] of vouched ?? []) {
    if (!seen.has(entrySeq)) {
      return brk(entrySeq, null, `第 ${entrySeq} 条同步记录已于 ${v.at} 签名封存，现已缺失（被删除）`);
    }
  }
  // The vouched hashes: the walk above linked every entry to the next, so the head's hash at each vouched
  // number is the one recorded; compare them.
  return { entries, broken: await vouchedMismatch(db, seatId, vouched, chain, entries) };
}

async function vouchedMismatch(
  db: Kysely<HqSchema>,
  seatId: string,
  vouched: Map<number, { hash: string; at: string }> | undefined,
  chain: string,
  _entries: number,
): Promise<ChainBreak | null> {
  if (!vouched || vouched.size === 0) return null;
  const rows = await db
    .selectFrom('audit')
    .select(['id', 'entry_seq', 'hash'])
    .where('chain_seat_id', '=', seatId)
    .where('entry_seq', 'in', [...vouched.keys()])
    .execute();
  for (const r of rows) {
    const v = vouched.get(Number(r.entry_seq));
    if (v && v.hash !== r.hash) {
      const seq = Number(r.entry_seq);
      return {
        chain,
        seq,
        id: r.id,
        reason: `第 ${seq} 条同步记录与 ${v.at} 签名封存的哈希不符（历史被重写）`,
      };
    }
  }
  return null;
}
