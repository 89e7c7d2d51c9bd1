import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settlePlaybackCopies } from '../../hq/recordings/playback';
import { purgeExpired } from '../../hq/retention';
import { createRules } from '../../hq/rules';
import { RecordingRetention } from '../../shared/contract/review';
import { idCheckChar } from '../../shared/domain/id-number';
import { BRANCH, tempDir } from '../support/fixtures';
import { startHq, type TestHq } from '../support/hq';
import { type PushedCallback, pushCallback } from '../support/hq-callback';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('recordings kept for their period, or longer under a legal hold, on %s', (kind) => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let clock = new Date('2026-11-26T02:00:00.000Z');
  const calls: Record<'expired' | 'aml' | 'held' | 'recent', PushedCallback> = {} as never;

  beforeAll(async () => {
    tmp = tempDir();
    // Recordings kept 3 years, AML 5 whatever is set: the configured 4 years for `aml` cannot lower it.
    t = await startHq(kind, () => clock, {
      rules: createRules({ retention: { recordingYears: 3, byType: { aml: 4 } } }),
    });
    await t.addUser('CP01', 'compliance', null);
    await t.addUser('SH01', 'supervisor', BRANCH.branchId);
    const seat = await t.enrol(BRANCH.branchId);
    const first17 = (n: number) => `11010519850101${String(100 + n)}`;
    const call = (n: number, purpose: 'new_account' | 'aml', at: string) =>
      pushCallback(t, tmp.dir, {
        branchId: BRANCH.branchId,
        idNumber: `${first17(n)}${idCheckChar(first17(n))}`,
        phone: `1381234560${n}`,
        seat,
        purpose,
        at,
      });
    // Each is stored as the seat sends it, with its playback copy made on arrival (waited for below).
    calls.expired = await call(1, 'new_account', '2023-11-01T02:00:00.000Z');
    calls.aml = await call(2, 'aml', '2021-12-01T02:00:00.000Z');
    calls.held = await call(3, 'new_account', '2023-10-01T02:00:00.000Z');
    calls.recent = await call(4, 'new_account', '2026-11-20T02:00:00.000Z');
    await settlePlaybackCopies(t.hq);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    tmp?.cleanup();
  });

  const request = async (code: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${await t.login(code)}` },
      ...(payload ? { payload } : {}),
    });
  const files = async (recordingId: string) => {
    const rec = await t.hq.db.db
      .selectFrom('recordings')
      .select('seat_id')
      .where('id', '=', recordingId)
      .executeTakeFirstOrThrow();
    return [
      t.hq.recordings.localPath(rec.seat_id, recordingId),
      t.hq.recordings.playbackPath(rec.seat_id, recordingId),
    ].filter((f) => existsSync(f));
  };
  const retention = async (resultId: string) => {
    const res = await request('CP01', 'GET', `/api/results/${resultId}`);
    expect(res.statusCode, res.body).toBe(200);
    return RecordingRetention.parse(res.json().recording.retention);
  };

  it('shows how long each recording is kept: 3 years, 5 for anti-money-laundering whatever is set', async () => {
    expect(await retention(calls.expired.resultId)).toEqual({
      retainUntil: '2026-11-01T02:00:00.000Z',
      hold: null,
      purgedAt: null,
    });
    expect((await retention(calls.aml.resultId)).retainUntil).toBe('2026-12-01T02:00:00.000Z');
  });

  it('lets compliance place a legal hold with a reason, refuses it to a supervisor, audits it', async () => {
    const url = `/api/recordings/${calls.held.recordingId}/hold`;
    const supervisor = await request('SH01', 'POST', url, { action: 'place', reason: '投诉调查' });
    expect([supervisor.statusCode, supervisor.json().message]).toEqual([403, '您的角色无权执行此操作']);
    const noReason = await request('CP01', 'POST', url, { action: 'place', reason: ' ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().message).toContain('请填写保全或解除的原因');
    const placed = await request('CP01', 'POST', url, { action: 'place', reason: '客户投诉调查中' });
    expect(placed.statusCode, placed.body).toBe(200);
    expect(RecordingRetention.parse(placed.json()).hold).toMatchObject({
      reason: '客户投诉调查中',
      userName: 'CP01',
    });
    const again = await request('CP01', 'POST', url, { action: 'place', reason: '再次保全' });
    expect([again.statusCode, again.json().message]).toEqual([409, '该录音已处于法律保全中']);
    const audit = await t.hq.db.db
      .selectFrom('audit')
      .select(['action', 'entity_id'])
      .where('action', '=', 'hq.legal_hold_place')
      .execute();
    expect(audit).toEqual([{ action: 'hq.legal_hold_place', entity_id: calls.held.recordingId }]);
  });

  it('removes the files of recordings past their period and not held; keeps the row, its hash and the trace', async () => {
    expect(await files(calls.expired.recordingId)).toHaveLength(2);
    const { purged, held } = await purgeExpired(t.hq);
    expect(purged).toEqual([calls.expired.recordingId]);
    expect(held).toEqual([calls.held.recordingId]);
    expect(await files(calls.expired.recordingId)).toEqual([]);
    for (const kept of [calls.aml, calls.held, calls.recent]) {
      expect(await files(kept.recordingId)).toHaveLength(2);
    }
    // The recording's row and hash stay; the result still opens and says when it was removed.
    expect((await retention(calls.expired.resultId)).purgedAt).toBe(clock.toISOString());
    const row = await t.hq.db.db
      .selectFrom('recordings')
      .select('sha256')
      .where('id', '=', calls.expired.recordingId)
      .executeTakeFirstOrThrow();
    expect(row.sha256).toBe(calls.expired.sha256);
    const gone = `该录音已于 2026-11-26 按保存期限删除（保存至 2026-11-01），仅保留其 SHA-256 记录`;
    for (const [method, path] of [
      ['GET', 'original'],
      ['POST', 'playback'],
    ] as const) {
      const res = await request('SH01', method, `/api/recordings/${calls.expired.recordingId}/${path}`);
      expect([path, res.statusCode, res.json().message]).toEqual([path, 410, gone]);
    }
    const audit = await t.hq.db.db
      .selectFrom('audit')
      .select('entity_id')
      .where('action', '=', 'hq.recording_purge')
      .execute();
    expect(audit.map((a) => a.entity_id)).toEqual([calls.expired.recordingId]);
    // The record of the removal is evidence too.
    await expect(sql`DELETE FROM recording_purges`.execute(t.hq.db.db)).rejects.toThrow(/append-only/);
    // A second run finds nothing more to do.
    expect(await purgeExpired(t.hq)).toEqual({ purged: [], held: [calls.held.recordingId] });
  });

  it('removes a held recording only once the hold is released, and AML ones after 5 years', async () => {
    const url = `/api/recordings/${calls.held.recordingId}/hold`;
    const released = await request('CP01', 'POST', url, { action: 'release', reason: '调查结束' });
    expect(released.statusCode, released.body).toBe(200);
    expect(RecordingRetention.parse(released.json()).hold).toBeNull();
    clock = new Date('2026-12-02T02:00:00.000Z');
    // Two runs at once (two head-office processes): each removal is recorded and audited once.
    const runs = await Promise.all([purgeExpired(t.hq), purgeExpired(t.hq)]);
    const purged = runs.flatMap((r) => r.purged);
    expect(purged.sort()).toEqual([calls.held.recordingId, calls.aml.recordingId].sort());
    const audited = await t.hq.db.db
      .selectFrom('audit')
      .select('entity_id')
      .where('action', '=', 'hq.recording_purge')
      .execute();
    expect(audited.map((a) => a.entity_id).sort()).toEqual(
      [calls.expired.recordingId, calls.held.recordingId, calls.aml.recordingId].sort(),
    );
    expect(await files(calls.recent.recordingId)).toHaveLength(2);
    const late = await request('CP01', 'POST', url, { action: 'place', reason: '补充调查' });
    expect(late.statusCode).toBe(410);
  });
});
