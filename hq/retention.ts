import { v7 as uuidv7 } from 'uuid';
import { hqAudit } from './audit';
import type { Hq } from './context';
import type { UserPrincipal } from './http/access';
import { HqError } from './http/errors';
import { DEFAULT_RULES, retainUntil, retentionYears } from './rules';

/**
 * Retention and legal hold of recordings at head office (DOMAIN.md, "Evidence"). A recording is kept for its
 * period (rules: `retention`; at least 3 years, 5 for anti-money-laundering callbacks), then its files are
 * removed and the removal recorded; its row with the SHA-256 stays. A legal hold keeps it until released.
 */

export interface LegalHold {
  reason: string;
  userName: string;
  at: string;
}

export interface Retention {
  retainUntil: string;
  /** The hold in force, or null. */
  hold: LegalHold | null;
  /** When its files were removed, or null while they are kept. */
  purgedAt: string | null;
}

const config = (hq: Hq) => (hq.rules ?? DEFAULT_RULES).config.retention;

/** The callback types each recording's call covered (from the results that name its attempt). */
async function purposesOf(hq: Hq, recordingIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (recordingIds.length === 0) return out;
  const rows = await hq.db.db
    .selectFrom('recordings')
    .innerJoin('results', 'results.attempt_id', 'recordings.attempt_id')
    .innerJoin('result_purposes', 'result_purposes.result_id', 'results.id')
    .select(['recordings.id', 'result_purposes.purpose'])
    .where('recordings.id', 'in', recordingIds)
    .execute();
  for (const row of rows) out.set(row.id, [...(out.get(row.id) ?? []), row.purpose]);
  return out;
}

/** The hold in force per recording: the latest action of each, when it is a placement. */
async function holdsOf(hq: Hq, recordingIds: string[]): Promise<Map<string, LegalHold>> {
  const out = new Map<string, LegalHold>();
  if (recordingIds.length === 0) return out;
  const rows = await hq.db.db
    .selectFrom('legal_holds')
    .innerJoin('users', 'users.id', 'legal_holds.user_id')
    .select([
      'legal_holds.recording_id',
      'legal_holds.action',
      'legal_holds.reason',
      'legal_holds.at',
      'users.name',
    ])
    .where('legal_holds.recording_id', 'in', recordingIds)
    .orderBy('legal_holds.at')
    .orderBy('legal_holds.id')
    .execute();
  for (const row of rows) {
    if (row.action === 'place')
      out.set(row.recording_id, { reason: row.reason, userName: row.name, at: row.at });
    else out.delete(row.recording_id);
  }
  return out;
}

export async function retentionOf(hq: Hq, recording: { id: string; finishedAt: string }): Promise<Retention> {
  const [purposes, holds, purge] = await Promise.all([
    purposesOf(hq, [recording.id]),
    holdsOf(hq, [recording.id]),
    hq.db.db
      .selectFrom('recording_purges')
      .select('purged_at')
      .where('recording_id', '=', recording.id)
      .executeTakeFirst(),
  ]);
  return {
    retainUntil: retainUntil(
      recording.finishedAt,
      retentionYears(purposes.get(recording.id) ?? [], config(hq)),
    ),
    hold: holds.get(recording.id) ?? null,
    purgedAt: purge?.purged_at ?? null,
  };
}

/** Refuses (410) a recording whose files were removed at the end of its retention period. */
export async function requireKept(hq: Hq, recordingId: string): Promise<void> {
  const purge = await hq.db.db
    .selectFrom('recording_purges')
    .select(['purged_at', 'retain_until'])
    .where('recording_id', '=', recordingId)
    .executeTakeFirst();
  if (purge) {
    throw new HqError(
      410,
      'GONE',
      `该录音已于 ${purge.purged_at.slice(0, 10)} 按保存期限删除（保存至 ${purge.retain_until.slice(0, 10)}），仅保留其 SHA-256 记录`,
    );
  }
}

/** Places or releases a legal hold (compliance and administrators only: the route checks the role). */
export async function setLegalHold(
  hq: Hq,
  user: UserPrincipal,
  ip: string,
  recording: { id: string; finishedAt: string },
  action: 'place' | 'release',
  reason: string,
): Promise<Retention> {
  const before = await retentionOf(hq, recording);
  if (before.purgedAt) await requireKept(hq, recording.id);
  if (action === 'place' && before.hold) throw new HqError(409, 'CONFLICT', '该录音已处于法律保全中');
  if (action === 'release' && !before.hold) throw new HqError(409, 'CONFLICT', '该录音未处于法律保全中');
  const at = hq.now().toISOString();
  await hq.db.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('legal_holds')
      .values({ id: uuidv7(), recording_id: recording.id, action, reason, user_id: user.id, at })
      .execute();
    await hqAudit(tx, {
      at,
      userId: user.id,
      seatId: user.seatId,
      action: action === 'place' ? 'hq.legal_hold_place' : 'hq.legal_hold_release',
      entityType: 'recording',
      entityId: recording.id,
      detail: {},
      ip,
    });
  });
  return retentionOf(hq, recording);
}

const PAGE = 500;

/**
 * Removes the files of every stored recording past its retention period and not on hold, and records each
 * removal (audited). The row and its SHA-256 stay. Files go first, then the record: a crash in between leaves a
 * recording whose files are gone and which the next run records.
 */
export async function purgeExpired(hq: Hq): Promise<{ purged: string[]; held: string[] }> {
  const now = hq.now();
  const retention = config(hq);
  // Nothing finished after this can be due: the configured period is the shortest any recording has.
  const earliest = retainUntil(now.toISOString(), -retention.recordingYears);
  const purged: string[] = [];
  const held: string[] = [];
  let after: { finishedAt: string; id: string } | null = null;
  for (;;) {
    let query = hq.db.db
      .selectFrom('recordings')
      .leftJoin('recording_purges', 'recording_purges.recording_id', 'recordings.id')
      .select(['recordings.id', 'recordings.seat_id', 'recordings.finished_at'])
      .where('recording_purges.recording_id', 'is', null)
      .where('recordings.stored_at', 'is not', null)
      .where('recordings.finished_at', '<', earliest);
    if (after) {
      const { finishedAt, id } = after;
      query = query.where((eb) =>
        eb.or([
          eb('recordings.finished_at', '>', finishedAt),
          eb.and([eb('recordings.finished_at', '=', finishedAt), eb('recordings.id', '>', id)]),
        ]),
      );
    }
    const page = await query.orderBy('recordings.finished_at').orderBy('recordings.id').limit(PAGE).execute();
    if (page.length === 0) break;
    const last = page[page.length - 1];
    if (last) after = { finishedAt: last.finished_at, id: last.id };
    const ids = page.map((r) => r.id);
    const [purposes, holds] = await Promise.all([purposesOf(hq, ids), holdsOf(hq, ids)]);
    for (const rec of page) {
      const until = retainUntil(rec.finished_at, retentionYears(purposes.get(rec.id) ?? [], retention));
      if (new Date(until).getTime() > now.getTime()) continue;
      if (holds.has(rec.id)) {
        held.push(rec.id);
        continue;
      }
      await hq.recordings.remove(rec.seat_id, rec.id);
      const at = hq.now().toISOString();
      const recorded = await hq.db.db.transaction().execute(async (tx) => {
        // Another head-office process may have recorded it meanwhile: then it is theirs to audit.
        const [inserted] = await tx
          .insertInto('recording_purges')
          .values({ recording_id: rec.id, retain_until: until, purged_at: at })
          .onConflict((oc) => oc.column('recording_id').doNothing())
          .execute();
        if (!inserted?.numInsertedOrUpdatedRows) return false;
        await hqAudit(tx, {
          at,
          userId: null,
          action: 'hq.recording_purge',
          entityType: 'recording',
          entityId: rec.id,
          detail: { retainUntil: until },
        });
        return true;
      });
      if (recorded) purged.push(rec.id);
    }
    if (page.length < PAGE) break;
  }
  return { purged, held };
}
