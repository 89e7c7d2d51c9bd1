import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../hq/auth/password';
import { PLAYBACK_GRANT_MS } from '../../hq/http/supervision';
import { upsertUser } from '../../hq/reference';
import { PlaybackGrant } from '../../shared/contract/review';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { type PushedCallback, pushCallback } from '../support/hq-callback';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)(
  'supervisors at head office on %s: search, open, download — and nothing of another branch',
  (kind) => {
    let t: TestHq;
    let tmp: ReturnType<typeof tempDir>;
    const done: Record<'sh' | 'bj', PushedCallback> = {} as never;
    /** Head office's clock: the real one, unless a test holds it at an instant. */
    let clockMs: number | null = null;

    beforeAll(async () => {
      tmp = tempDir();
      t = await startHq(kind, () => new Date(clockMs ?? Date.now()));
      await t.addUser('SH01', 'supervisor', BRANCH.branchId, '上海主管');
      await t.addUser('A100', 'agent', BRANCH.branchId, '坐席');
      done.sh = await pushCallback(t, tmp.dir, {
        branchId: BRANCH.branchId,
        idNumber: '11010519491231002X',
        phone: '13812345678',
        seat: await t.enrol(BRANCH.branchId),
      });
      done.bj = await pushCallback(t, tmp.dir, {
        branchId: OTHER_BRANCH.branchId,
        idNumber: '440305199003071236',
        phone: '15912345670',
        seat: await t.enrol(OTHER_BRANCH.branchId),
      });
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      tmp?.cleanup();
    });

    const get = async (code: string, url: string) => {
      const token = await t.login(code);
      return t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    };

    it('finds a callback by the customer’s full ID number, masked in the list, and audits the search', async () => {
      const res = await get('SH01', `/api/results?idNumber=${done.sh.idNumber}`);
      expect(res.statusCode, res.body).toBe(200);
      const { items } = res.json() as {
        items: { id: string; idNumberMasked: string; purposes: string[]; recordingId: string }[];
      };
      expect(items.map((i) => i.id)).toEqual([done.sh.resultId]);
      expect(items[0]?.idNumberMasked).not.toContain('19491231');
      expect(items[0]).toMatchObject({ purposes: ['aml'], recordingId: done.sh.recordingId });
      const audit = await t.hq.db.db
        .selectFrom('audit')
        .select(['detail'])
        .where('action', '=', 'hq.search')
        .execute();
      expect(JSON.stringify(audit)).not.toContain(done.sh.idNumber);
    });

    it('downloads the original with the SHA-256 recorded at the seat, and the bytes match it', async () => {
      const res = await get('SH01', `/api/recordings/${done.sh.recordingId}/original`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-recording-sha256']).toBe(done.sh.sha256);
      expect(createHash('sha256').update(res.rawPayload).digest('hex')).toBe(done.sh.sha256);
      const audit = await t.hq.db.db
        .selectFrom('audit')
        .select('entity_id')
        .where('action', '=', 'hq.recording_download')
        .execute();
      expect(audit.map((a) => a.entity_id)).toContain(done.sh.recordingId);
    });

    it('gives a branch supervisor 403 for another branch’s result and recording, by every route, audited', async () => {
      const routes = [
        `/api/results/${done.sh.resultId}`,
        `/api/recordings/${done.sh.recordingId}/original`,
        `/api/results?branchId=${BRANCH.branchId}`,
      ];
      for (const url of routes) {
        const res = await get('BJ01', url);
        expect([url, res.statusCode, res.json().message]).toEqual([url, 403, '您无权访问其他营业部的数据']);
      }
      // Their own search never shows the other branch, even by the customer's full ID number.
      const mine = await get('BJ01', `/api/results?idNumber=${done.sh.idNumber}`);
      expect(mine.json()).toEqual({ items: [], next: null });
      const own = await get('BJ01', '/api/results');
      expect((own.json() as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([done.bj.resultId]);
      // A guessed id that exists nowhere is simply not found.
      expect((await get('BJ01', `/api/results/${uuidv7()}`)).statusCode).toBe(404);
      const refused = await t.hq.db.db
        .selectFrom('audit')
        .select('entity_id')
        .where('action', '=', 'hq.refused')
        .execute();
      expect(refused.map((r) => r.entity_id)).toEqual(
        expect.arrayContaining([
          'GET /api/results/:id',
          'GET /api/recordings/:id/original',
          'GET /api/results',
        ]),
      );
    });

    it('refuses an agent any search of results or recordings', async () => {
      for (const url of [
        '/api/results',
        `/api/results/${done.sh.resultId}`,
        `/api/recordings/${done.sh.recordingId}/original`,
      ]) {
        const res = await get('A100', url);
        expect([url, res.statusCode]).toEqual([url, 403]);
      }
    });

    it('lets head office see every branch, newest first, paged', async () => {
      const first = await get('HQ01', '/api/results?limit=1');
      const page1 = first.json() as { items: { id: string }[]; next: string };
      expect(page1.items).toHaveLength(1);
      const second = await get('HQ01', `/api/results?limit=1&before=${encodeURIComponent(page1.next)}`);
      const page2 = second.json() as { items: { id: string }[]; next: string | null };
      expect(new Set([...page1.items, ...page2.items].map((i) => i.id))).toEqual(
        new Set([done.sh.resultId, done.bj.resultId]),
      );
      expect(page2.next).toBeNull();
    });

    const post = async (code: string, url: string) => {
      const token = await t.login(code);
      return t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` } });
    };
    const stream = (path: string, range?: string) =>
      t.app.inject({ method: 'GET', url: path, headers: range ? { range } : {} });

    it('finds an agent’s callbacks by the agent’s code, and nothing for a code nobody has', async () => {
      const agent = await t.hq.db.db
        .selectFrom('results')
        .select('agent_id')
        .where('id', '=', done.sh.resultId)
        .executeTakeFirstOrThrow();
      await upsertUser(t.hq.db.db, {
        id: agent.agent_id,
        code: 'A777',
        name: '孙坐席',
        role: 'agent',
        branchId: BRANCH.branchId,
        passwordHash: await hashPassword(HQ_PASSWORD, { N: 1024 }),
      });
      const found = (await get('HQ01', '/api/results?agentCode=A777')).json() as {
        items: { id: string; agentName: string }[];
      };
      expect(found.items.map((i) => [i.id, i.agentName])).toEqual([[done.sh.resultId, '孙坐席']]);
      expect((await get('HQ01', '/api/results?agentCode=NOBODY')).json()).toEqual({ items: [], next: null });
    });

    it('finds the callbacks of a salesperson’s customers', async () => {
      const res = await get('HQ01', '/api/results?salespersonId=SP-SH-1');
      const { items } = res.json() as { items: { id: string; salespersonName: string }[] };
      expect(items.map((i) => [i.id, i.salespersonName])).toEqual([[done.sh.resultId, '李经理']]);
    });

    it('streams a seekable playback copy with Range requests, with its own hash, the original untouched', async () => {
      const res = await post('SH01', `/api/recordings/${done.sh.recordingId}/playback`);
      expect(res.statusCode, res.body).toBe(200);
      const grant = PlaybackGrant.parse(res.json());
      expect(grant.originalSha256).toBe(done.sh.sha256);
      expect(grant.sha256).not.toBe(done.sh.sha256);
      expect(Math.abs(grant.durationMs - 20_000)).toBeLessThan(100);
      // The waveform: agent (left) at half scale, customer (right) at a quarter.
      expect(Math.max(...grant.peaks.left)).toBeCloseTo(0.5, 1);
      expect(Math.max(...grant.peaks.right)).toBeCloseTo(0.25, 1);

      const whole = await stream(grant.path);
      expect(whole.statusCode).toBe(200);
      expect(whole.headers['accept-ranges']).toBe('bytes');
      expect(createHash('sha256').update(whole.rawPayload).digest('hex')).toBe(grant.sha256);
      expect(whole.rawPayload.length).toBe(grant.sizeBytes);
      const tail = await stream(grant.path, `bytes=${grant.sizeBytes - 1000}-`);
      expect(tail.statusCode).toBe(206);
      expect(tail.headers['content-range']).toBe(
        `bytes ${grant.sizeBytes - 1000}-${grant.sizeBytes - 1}/${grant.sizeBytes}`,
      );
      expect(Buffer.compare(tail.rawPayload, whole.rawPayload.subarray(grant.sizeBytes - 1000))).toBe(0);
      const beyond = await stream(grant.path, `bytes=${grant.sizeBytes + 10}-`);
      expect([beyond.statusCode, beyond.headers['content-range'], beyond.body]).toEqual([
        416,
        `bytes */${grant.sizeBytes}`,
        '请求的范围超出了回放副本的长度\n',
      ]);

      // The copy has what the original lacks: a duration (so a player can seek), with the same audio.
      const copyFile = join(tmp.dir, 'copy.webm');
      writeFileSync(copyFile, whole.rawPayload);
      const probe = (file: string) =>
        execFileSync('ffprobe', [
          '-v',
          'error',
          '-show_entries',
          'format=duration:stream=codec_name,channels',
          '-of',
          'json',
          file,
        ]).toString();
      const copied = JSON.parse(probe(copyFile));
      expect(copied.streams).toEqual([{ codec_name: 'opus', channels: 2 }]);
      expect(Number(copied.format.duration)).toBeCloseTo(20, 0);
      const seat = await t.hq.db.db
        .selectFrom('recordings')
        .select('seat_id')
        .where('id', '=', done.sh.recordingId)
        .executeTakeFirstOrThrow();
      const original = t.hq.recordings.localPath(seat.seat_id, done.sh.recordingId);
      expect(JSON.parse(probe(original)).format.duration).toBeUndefined();
      expect(createHash('sha256').update(readFileSync(original)).digest('hex')).toBe(done.sh.sha256);

      const audit = await t.hq.db.db
        .selectFrom('audit')
        .select('entity_id')
        .where('action', '=', 'hq.recording_playback')
        .execute();
      expect(audit.map((a) => a.entity_id)).toContain(done.sh.recordingId);
    });

    it('refuses another branch’s playback copy, a guessed recording, an agent, and a forged or expired grant', async () => {
      const other = await post('BJ01', `/api/recordings/${done.sh.recordingId}/playback`);
      expect([other.statusCode, other.json().message]).toEqual([403, '您无权访问其他营业部的数据']);
      expect((await post('BJ01', `/api/recordings/${uuidv7()}/playback`)).statusCode).toBe(404);
      expect((await post('A100', `/api/recordings/${done.sh.recordingId}/playback`)).statusCode).toBe(403);
      const forged = await stream(`/api/playback/${'A'.repeat(43)}`);
      expect([forged.statusCode, forged.json().message]).toEqual([
        403,
        '回放链接无效或已过期，请重新打开录音',
      ]);
      const grant = PlaybackGrant.parse(
        (await post('BJ01', `/api/recordings/${done.bj.recordingId}/playback`)).json(),
      );
      expect((await stream(grant.path, 'bytes=0-9')).statusCode).toBe(206);
      await t.hq.db.db
        .updateTable('playback_grants')
        .set({ expires_at: '2020-01-01T00:00:00.000Z' })
        .where('recording_id', '=', done.bj.recordingId)
        .execute();
      const expired = await stream(grant.path, 'bytes=0-9');
      expect([expired.statusCode, expired.json().message]).toEqual([
        410,
        '回放链接已过期（有效期 10 分钟），请重新打开录音',
      ]);
    });

    it('binds a playback link to the user who asked, for 10 minutes, and audits every range streamed', async () => {
      const start = Date.parse('2026-12-04T02:00:00.000Z');
      clockMs = start;
      try {
        const sh01 = await t.hq.db.db
          .selectFrom('users')
          .select('id')
          .where('code', '=', 'SH01')
          .executeTakeFirstOrThrow();
        const token = await t.login('SH01');
        const minted = await t.app.inject({
          method: 'POST',
          url: `/api/recordings/${done.sh.recordingId}/playback`,
          headers: { authorization: `Bearer ${token}` },
        });
        const grant = PlaybackGrant.parse(minted.json());
        expect(grant.expiresAt).toBe(new Date(start + PLAYBACK_GRANT_MS).toISOString());
        expect(PLAYBACK_GRANT_MS).toBeLessThanOrEqual(10 * 60_000);

        // Every range is audited against the user the link is bound to, a read from byte 1 as well. Only this
        // test's entries are read: by what existed before, not by time (the fixed instant may be today's).
        const earlier = (
          await t.hq.db.db
            .selectFrom('audit')
            .select('id')
            .where('action', 'in', ['hq.recording_range', 'hq.refused'])
            .execute()
        ).map((r) => r.id);
        expect((await stream(grant.path, 'bytes=0-9')).statusCode).toBe(206);
        expect((await stream(grant.path, 'bytes=1-')).statusCode).toBe(206);
        expect((await stream(grant.path)).statusCode).toBe(200);
        const ranges = await t.hq.db.db
          .selectFrom('audit')
          .select(['user_id', 'entity_id', 'detail'])
          .where('action', '=', 'hq.recording_range')
          .$if(earlier.length > 0, (q) => q.where('id', 'not in', earlier))
          .orderBy('at')
          .execute();
        expect(ranges.map((r) => [r.user_id, r.entity_id, r.detail])).toEqual([
          [
            sh01.id,
            done.sh.recordingId,
            { range: 'bytes=0-9', status: 206, served: `bytes 0-9/${grant.sizeBytes}` },
          ],
          [
            sh01.id,
            done.sh.recordingId,
            { range: 'bytes=1-', status: 206, served: `bytes 1-${grant.sizeBytes - 1}/${grant.sizeBytes}` },
          ],
          [sh01.id, done.sh.recordingId, { range: null, status: 200, served: 'all' }],
        ]);

        // Its own user's session may come with it; another user's, even head office's, is refused, audited.
        const withOwn = await t.app.inject({
          method: 'GET',
          url: grant.path,
          headers: { authorization: `Bearer ${token}`, range: 'bytes=0-9' },
        });
        expect(withOwn.statusCode).toBe(206);
        const admin = await t.login('HQ01');
        const foreign = await t.app.inject({
          method: 'GET',
          url: grant.path,
          headers: { authorization: `Bearer ${admin}`, range: 'bytes=0-9' },
        });
        expect([foreign.statusCode, foreign.json().message]).toEqual([
          403,
          '此回放链接属于其他用户，不能使用；请自己打开录音',
        ]);

        // Valid until the tenth minute, and refused (410) from then on, audited.
        clockMs = start + PLAYBACK_GRANT_MS - 1;
        expect((await stream(grant.path, 'bytes=0-9')).statusCode).toBe(206);
        clockMs = start + PLAYBACK_GRANT_MS;
        const late = await stream(grant.path, 'bytes=0-9');
        expect([late.statusCode, late.json().message]).toEqual([
          410,
          '回放链接已过期（有效期 10 分钟），请重新打开录音',
        ]);
        const refusals = await t.hq.db.db
          .selectFrom('audit')
          .select(['user_id', 'entity_id', 'detail'])
          .where('action', '=', 'hq.refused')
          .$if(earlier.length > 0, (q) => q.where('id', 'not in', earlier))
          .orderBy('at')
          .execute();
        expect(refusals.map((r) => (r.detail as { reason: string }).reason)).toEqual([
          'playback link of user SH01',
          'playback link expired',
        ]);
        expect(new Set(refusals.map((r) => r.entity_id))).toEqual(new Set(['GET /api/playback/:token']));

        // Once the user who asked has no session left (logged out, or expired), their link is dead too.
        clockMs = start;
        const again = PlaybackGrant.parse(
          (
            await t.app.inject({
              method: 'POST',
              url: `/api/recordings/${done.sh.recordingId}/playback`,
              headers: { authorization: `Bearer ${token}` },
            })
          ).json(),
        );
        expect((await stream(again.path, 'bytes=0-9')).statusCode).toBe(206);
        await t.hq.db.db.deleteFrom('sessions').where('user_id', '=', sh01.id).execute();
        const orphan = await stream(again.path, 'bytes=0-9');
        expect([orphan.statusCode, orphan.json().message]).toEqual([
          403,
          '打开录音的用户已退出登录，回放链接已失效，请重新登录后打开录音',
        ]);
      } finally {
        clockMs = null;
      }
    });

    it('names the seat a supervisor logged in from in every audit entry of that session', async () => {
      const seat = await t.enrol(BRANCH.branchId, '审核席');
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/login',
        headers: { authorization: `Seat ${seat.token}` },
        payload: { code: 'SH01', password: HQ_PASSWORD },
      });
      const { token, user } = login.json() as { token: string; user: { id: string } };
      await t.app.inject({
        method: 'GET',
        url: `/api/results/${done.sh.resultId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      const entries = await t.hq.db.db
        .selectFrom('audit')
        .select(['action', 'seat_id'])
        .where('seat_id', '=', seat.seatId)
        .where('user_id', '=', user.id)
        .execute();
      expect(entries.map((e) => e.action).sort()).toEqual(['hq.login', 'hq.result_view']);
    });
  },
);
