import { v7 as uuidv7 } from 'uuid';
import { hqAudit } from './audit';
import type { Hq } from './context';
import type { UserPrincipal } from './http/access';
import { HqError } from './http/errors';
import { DEFAULT_RULES, type RulesConfig, retainUntil, retentionYears, trainingRetainUntil } from './rules';

/**
 * Retention and legal hold of recordings at head office (DOMAIN.md, "Evidence"). A recording is kept for its
 * period (rules: `retention`; at least 3 years, 5 for anti-money-laundering callbacks), then its files are
 * removed and the removal recorded; its row with the SHA-256 stays. A legal hold keeps it until released.
 *
 * A training call's recording (演练线路: its attempt names a persona) is no evidence: it is kept for the
 * training period alone (`retention.trainingDays`, 90 days by default), then removed the same way.
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

/** Which of the recordings were made on the training line (their attempt names a persona). */
async function trainingOf(hq: Hq, recordingIds: string[]): Promise<Set<string>> {
  if (recordingIds.length === 0) return new Set();
  const rows = await hq.db.db
    .selectFrom('recordings')
    .innerJoin('attempts', 'attempts.id', 'recordings.attempt_id')
    .select('recordings.id')
    .where('recordings.id', 'in', recordingIds)
    .where('attempts.persona_id', 'is not', null)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Until when a recording is kept: the training period for a training call's, else its callback types' years. */
function keptUntil(
  finishedAt: string,
  training: boolean,
  purposes: readonly string[],
  retention: RulesConfig['retention'],
): string {
  return training
    ? trainingRetainUntil(finishedAt, retention.trainingDays)
    : retainUntil(finishedAt, retentionYears(purposes, retention));
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
  const [purposes, training, holds, purge] = await Promise.all([
    purposesOf(hq, [recording.id]),
    trainingOf(hq, [recording.id]),
    holdsOf(hq, [recording.id]),
    hq.db.db
      .selectFrom('recording_purges')
      .select('purged_at')
      .where('recording_id', '=', recording.id)
      .executeTakeFirst(),
  ]);
  return {
    retainUntil: keptUntil(
      recording.finishedAt,
      training.has(recording.id),
      purposes.get(recording.id) ?? [],
      config(hq),
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
 * recording whose files are gone and which the next run records. Two walks, each on an index: the recordings
 * older than the shortest period any callback's has, then the training calls' older than the training period.
 */
export async function purgeExpired(hq: Hq): Promise<{ purged: string[]; held: string[] }> {
  const now = hq.now();
  const retention = config(hq);
  const purged: string[] = [];
  const held: string[] = [];
  // Nothing finished after this can be due as evidence: the configured period is the shortest any has.
  await purgeWalk(hq, now, retainUntil(now.toISOString(), -retention.recordingYears), false, purged, held);
  // A training call's recording is due after the training period, however recent for a callback's.
  await purgeWalk(
    hq,
    now,
    new Date(now.getTime() - retention.trainingDays * 86_400_000).toISOString(),
    true,
    purged,
    held,
  );
  return { purged, held };
}

/** One walk of purgeExpired: stored, not yet removed recordings finished before `before` (training ones only). */
async function purgeWalk(
  hq: Hq,
  now: Date,
  before: string,
  trainingOnly: boolean,
  purged: string[],
  held: string[],
): Promise<void> {
  const retention = config(hq);
  let after: { finishedAt: string; id: string } | null = null;
  for (;;) {
    let query = hq.db.db
      .selectFrom('recordings')
      .leftJoin('recording_purges', 'recording_purges.recording_id', 'recordings.id')
      .select(['recordings.id', 'recordings.seat_id', 'recordings.finished_at'])
      .where('recording_purges.recording_id', 'is', null)
      .where('recordings.stored_at', 'is not', null)
      .where('recordings.finished_at', '<', before);
    if (trainingOnly) {
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('attempts')
            .select('attempts.id')
            .whereRef('attempts.id', '=', 'recordings.attempt_id')
            .where('attempts.persona_id', 'is not', null),
        ),
      );
    }
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
    const [purposes, training, holds] = await Promise.all([
      purposesOf(hq, ids),
      trainingOf(hq, ids),
      holdsOf(hq, ids),
    ]);
    for (const rec of page) {
      const until = keptUntil(rec.finished_at, training.has(rec.id), purposes.get(rec.id) ?? [], retention);
      if (new Date(until).getTime() > now.getTime()) continue;
      if (holds.has(rec.id)) {
        // The first walk may have met it already (a training call older than the callbacks' period).
        if (!held.includes(rec.id)) held.push(rec.id);
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
}
