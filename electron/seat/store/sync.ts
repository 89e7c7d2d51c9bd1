import { rmSync } from 'node:fs';
import type { RefusedSyncEntry } from '../../../shared/contract';
import {
  HQ_MANAGED_SETTINGS,
  type HqManagedSetting,
  SETTING_SCHEMAS,
} from '../../../shared/contract/settings';
import type { OutboxEntry, OutboxKind, PullResponse, RefusedEntry } from '../../../shared/contract/sync';
import { parseScript } from '../../../shared/scripts/format';
import { type Db, stmt } from './database';
import { appendAudit } from './journal';
import { importReferenceData } from './reference';
import { registerScript } from './scripts';
import { isSealed, openStored, secretBoxOf } from './secrets';
import { writeSetting } from './settings';

export interface SyncConfig {
  hqUrl: string;
  token: string;
  /** The private CA head office's certificate is checked against (PEM); absent: the system's CAs. */
  caCertPem?: string;
  /** SHA-256 of head office's public key (SPKI, base64), recorded at enrolment: every connection must match. */
  pin?: string;
}

const storedToken = (db: Db) =>
  stmt<[], { hqUrl: string | null; token: string | null; caCertPem: string | null; pin: string | null }>(
    db,
    'SELECT hq_url AS hqUrl, hq_token AS token, hq_ca_pem AS caCertPem, hq_pin AS pin FROM sync_state',
  ).get();

/** The CA and pin of a stored row, as the config has them (left out when there are none). */
const trustOf = (row: { caCertPem: string | null; pin: string | null }) => ({
  ...(row.caCertPem ? { caCertPem: row.caCertPem } : {}),
  ...(row.pin ? { pin: row.pin } : {}),
});

/**
 * Head office's address and this seat's token, the token sealed at rest (secrets.ts). A token this seat cannot
 * open (a database copied from another computer) counts as no enrolment: the seat works offline and may be
 * enrolled again; `unreadableToken` lets the seat say why.
 */
export function readSyncConfig(db: Db): SyncConfig | null {
  const row = storedToken(db);
  const token = row?.token ? openStored(db, row.token) : null;
  return row?.hqUrl && token ? { hqUrl: row.hqUrl, token, ...trustOf(row) } : null;
}

/** The CA and pin are not secret (a certificate and a hash of a public key): kept in clear, in the same row. */
export function writeSyncConfig(db: Db, config: SyncConfig): void {
  stmt(db, 'UPDATE sync_state SET hq_url = ?, hq_token = ?, hq_ca_pem = ?, hq_pin = ?').run(
    config.hqUrl,
    secretBoxOf(db).seal(config.token),
    config.caCertPem ?? null,
    config.pin ?? null,
  );
}

/** A token an older build stored in clear, sealed (at open); how many were (0 or 1). */
export function sealClearToken(db: Db): number {
  const row = storedToken(db);
  if (!row?.hqUrl || !row.token || isSealed(row.token)) return 0;
  writeSyncConfig(db, { hqUrl: row.hqUrl, token: row.token, ...trustOf(row) });
  return 1;
}

export function unreadableToken(db: Db): boolean {
  const row = storedToken(db);
  return row?.token ? openStored(db, row.token) === null : false;
}

/** The next entries head office has not acknowledged, in order. */
export function unackedEntries(db: Db, limit: number): OutboxEntry[] {
  return stmt<
    [number],
    { seq: number; kind: OutboxKind; entityId: string; payload: string; createdAt: string }
  >(
    db,
    `SELECT seq, kind, entity_id AS entityId, payload, created_at AS createdAt FROM outbox
     WHERE seq > (SELECT acked_seq FROM sync_state) ORDER BY seq LIMIT ?`,
  )
    .all(limit)
    .map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown }));
}

/** The highest sequence number this seat ever gave an entry (AUTOINCREMENT keeps it after pruning). */
function highestSeq(db: Db): number {
  return (
    stmt<[], { seq: number }>(db, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get()?.seq ?? 0
  );
}

/**
 * Head office applied everything up to `seq`; never moves back, and never past this seat's own highest entry:
 * an acknowledgement above it means head office has entries this seat no longer has (it was restored from a
 * backup), and its next entries must be numbered after head office's (`rebaseOutbox`), not acknowledged unsent.
 * Returns the rebase when one was needed.
 */
export function acknowledge(
  db: Db,
  seatId: string,
  seq: number,
  at: string,
  refused: readonly RefusedEntry[] = [],
): Rebase | null {
  const highest = highestSeq(db);
  const keep = stmt(
    db,
    `INSERT INTO outbox_refused (seq, status, code, message, refused_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (seq) DO NOTHING`,
  );
  for (const r of refused)
    if (r.seq <= Math.min(seq, highest)) keep.run(r.seq, r.status, r.code, r.message, at);
  if (refused.length > 0) {
    appendAudit(
      db,
      seatId,
      {
        agentId: null,
        action: 'sync.refused',
        entityType: 'outbox',
        entityId: refused.map((r) => r.seq).join(','),
        detail: { count: refused.length, codes: [...new Set(refused.map((r) => r.code))] },
      },
      at,
    );
  }
  stmt(db, 'UPDATE sync_state SET acked_seq = max(acked_seq, ?)').run(Math.min(seq, highest));
  return seq > highest ? rebaseOutbox(db, seatId, highest + 1, seq, at) : null;
}

/** Entries head office quarantined, newest first, with why. */
export function refusedEntries(db: Db, limit: number): RefusedSyncEntry[] {
  return stmt<[number], RefusedSyncEntry>(
    db,
    `SELECT r.seq, o.kind, o.entity_id AS entityId, o.created_at AS createdAt, r.status, r.code, r.message,
            r.refused_at AS refusedAt
     FROM outbox_refused r JOIN outbox o ON o.seq = r.seq ORDER BY r.seq DESC LIMIT ?`,
  ).all(limit);
}

export function refusedCount(db: Db): number {
  return stmt<[], { n: number }>(db, 'SELECT count(*) AS n FROM outbox_refused').get()?.n ?? 0;
}

export interface Rebase {
  /** The sequence numbers head office holds other entries under, from here on. */
  fromSeq: number;
  /** Head office's last applied entry: the seat's entries now follow it. */
  hqSeq: number;
  /** The entries numbered again (now `hqSeq + 1` …). */
  moved: number;
}

/**
 * The seat was restored from a backup: head office has applied entries up to `hqSeq` of which this seat's from
 * `fromSeq` on are not the ones it holds. In one transaction (the caller's), the seat's entries from `fromSeq`
 * are written again, in order and unchanged, after `hqSeq`, the old numbers are removed and everything up to
 * `hqSeq` counts as acknowledged; an audit entry (sent home after them) says what happened. Nothing is lost
 * and nothing is applied twice: head office never applied these entries under any number.
 */
export function rebaseOutbox(db: Db, seatId: string, fromSeq: number, hqSeq: number, at: string): Rebase {
  const rows = stmt<
    [number],
    { seq: number; seatId: string; kind: string; entityId: string; payload: string; createdAt: string }
  >(
    db,
    `SELECT seq, seat_id AS seatId, kind, entity_id AS entityId, payload, created_at AS createdAt FROM outbox
     WHERE seq >= ? ORDER BY seq`,
  ).all(fromSeq);
  // The old numbers may go only once they count as acknowledged (outbox_delete_only_acked).
  stmt(db, 'UPDATE sync_state SET acked_seq = max(acked_seq, ?)').run(Math.max(hqSeq, highestSeq(db)));
  stmt(db, 'DELETE FROM outbox WHERE seq >= ?').run(fromSeq);
  stmt(db, "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'outbox'").run(hqSeq);
  const insert = stmt(
    db,
    'INSERT INTO outbox (seat_id, kind, entity_id, payload, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  for (const r of rows) insert.run(r.seatId, r.kind, r.entityId, r.payload, r.createdAt);
  stmt(db, 'UPDATE sync_state SET acked_seq = ?').run(hqSeq);
  const rebase = { fromSeq, hqSeq, moved: rows.length };
  appendAudit(
    db,
    seatId,
    {
      agentId: null,
      action: 'sync.renumber',
      entityType: 'outbox',
      entityId: String(fromSeq),
      detail: rebase,
    },
    at,
  );
  return rebase;
}

export function pullCursor(db: Db): number {
  return stmt<[], { c: number }>(db, 'SELECT pull_cursor AS c FROM sync_state').get()?.c ?? 0;
}

/**
 * A pulled page and its cursor in one transaction (the caller's): a pull cut off halfway leaves the seat as
 * it was before that page. Tasks taken from this seat are closed here, so they leave the worklist.
 */
export function applyPull(db: Db, page: PullResponse): string[] {
  importReferenceData(db, {
    salespeople: page.salespeople,
    // Never a password hash from head office: the pull no longer has one, and the schema drops the field an
    // older head office still sends. Verifiers are made here, at an agent's own login (auth/login.ts).
    agents: page.agents.map(({ id, code, name, branchId, role, staffId }) => ({
      id,
      code,
      name,
      branchId,
      role,
      staffId,
    })),
    customers: page.customers,
    tasks: page.tasks,
  });
  const revoke = stmt(db, "UPDATE tasks SET status = 'closed' WHERE id = ? AND status = 'open'");
  for (const id of page.revoked) revoke.run(id);
  const at = new Date().toISOString();
  for (const s of page.scripts) {
    // Head office validated it; the seat checks again, as for a file in its own folder.
    const parsed = parseScript(s.body, `${s.id}@${s.version}`);
    if (!parsed.ok)
      throw new Error(`head office sent script ${s.id}@${s.version} that does not load: ${parsed.error}`);
    if (registerScript(db, parsed.script, `hq:${s.id}@${s.version}`, at) === 'conflict') {
      throw new Error(`head office sent script ${s.id}@${s.version} with other content than this seat has`);
    }
  }
  for (const { key, value } of page.settings) {
    if (!(HQ_MANAGED_SETTINGS as readonly string[]).includes(key)) continue;
    const parsed = SETTING_SCHEMAS[key as HqManagedSetting].safeParse(value);
    // Kept as head office's (settings.ts): it wins over the seat's own, which stays underneath.
    if (parsed.success) writeSetting(db, key as HqManagedSetting, parsed.data, at, 'hq');
  }
  stmt(db, 'UPDATE sync_state SET pull_cursor = max(pull_cursor, ?)').run(page.cursor);
  return [...page.tasks.map((t) => t.id), ...page.revoked];
}

export interface PendingUpload {
  id: string;
  path: string;
  sizeBytes: number;
  sha256: string;
  uploadUrl: string | null;
}

/**
 * Recordings to send home: closed, their fact acknowledged by head office (it refuses an upload it has no
 * record of), and not yet confirmed stored there. Oldest first.
 */
export function pendingUploads(db: Db, limit: number): PendingUpload[] {
  return stmt<[number], PendingUpload>(
    db,
    `SELECT r.id, r.path, r.size_bytes AS sizeBytes, r.sha256, u.upload_url AS uploadUrl
     FROM recordings r
     JOIN outbox o ON o.kind = 'recording' AND o.entity_id = r.id
     LEFT JOIN recording_uploads u ON u.recording_id = r.id
     WHERE o.seq <= (SELECT acked_seq FROM sync_state) AND u.stored_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM outbox_refused x WHERE x.seq = o.seq)
     ORDER BY o.seq LIMIT ?`,
  ).all(limit);
}

export function uploadsWaiting(db: Db): number {
  return (
    stmt<[], { n: number }>(
      db,
      `SELECT count(*) AS n FROM recordings r LEFT JOIN recording_uploads u ON u.recording_id = r.id
       WHERE u.stored_at IS NULL AND NOT EXISTS (
         SELECT 1 FROM outbox o JOIN outbox_refused x ON x.seq = o.seq
         WHERE o.kind = 'recording' AND o.entity_id = r.id)`,
    ).get()?.n ?? 0
  );
}

/** The tus URL of a recording's upload under way, to resume it; null when none was started. */
export function uploadUrl(db: Db, recordingId: string): string | null {
  return (
    stmt<[string], { url: string | null }>(
      db,
      'SELECT upload_url AS url FROM recording_uploads WHERE recording_id = ?',
    ).get(recordingId)?.url ?? null
  );
}

export function saveUploadUrl(db: Db, recordingId: string, url: string | null): void {
  stmt(
    db,
    `INSERT INTO recording_uploads (recording_id, upload_url) VALUES (?, ?)
     ON CONFLICT (recording_id) DO UPDATE SET upload_url = excluded.upload_url`,
  ).run(recordingId, url);
}

/** Head office confirmed it holds the verified file: from now on local retention may remove the copy. */
export function markStored(db: Db, recordingId: string, at: string): void {
  stmt(
    db,
    `INSERT INTO recording_uploads (recording_id, upload_url, stored_at) VALUES (?, NULL, ?)
     ON CONFLICT (recording_id) DO UPDATE SET stored_at = excluded.stored_at, upload_url = NULL`,
  ).run(recordingId, at);
}

/**
 * Removes local copies of recordings head office confirmed it holds, once they are older than the retention
 * period. A recording head office has not confirmed is never removed, however old. Returns the ids removed.
 */
export function pruneRecordings(db: Db, now: string, retentionDays: number): string[] {
  const before = new Date(new Date(now).getTime() - retentionDays * 86_400_000).toISOString();
  const due = stmt<[string], { id: string; path: string }>(
    db,
    `SELECT r.id, r.path FROM recordings r JOIN recording_uploads u ON u.recording_id = r.id
     WHERE u.stored_at IS NOT NULL AND u.local_deleted_at IS NULL AND r.finished_at <= ?`,
  ).all(before);
  const mark = stmt(db, 'UPDATE recording_uploads SET local_deleted_at = ? WHERE recording_id = ?');
  for (const r of due) {
    rmSync(r.path, { force: true });
    mark.run(now, r.id);
  }
  return due.map((r) => r.id);
}
