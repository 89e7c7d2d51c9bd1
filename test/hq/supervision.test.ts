import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HqClient } from '../../electron/seat/sync/hq-client';
import { hashPassword } from '../../hq/auth/password';
import { addPurposes, upsertCustomers, upsertUser } from '../../hq/reference';
import type { Enrolment } from '../../shared/contract/sync';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

interface Done {
  resultId: string;
  recordingId: string;
  sha256: string;
  idNumber: string;
}

describe.each(DB_KINDS)(
  'supervisors at head office on %s: search, open, download — and nothing of another branch',
  (kind) => {
    let t: TestHq;
    let tmp: ReturnType<typeof tempDir>;
    const done: Record<'sh' | 'bj', Done> = {} as never;

    /** A customer, a task, a seat that pulls it and sends back a completed callback with its recording. */
    async function callback(
      branchId: string,
      idNumber: string,
      phone: string,
      seat: Enrolment,
    ): Promise<Done> {
      const customerId = `C-${uuidv4()}`;
      await t.hq.db.db.transaction().execute(async (tx) => {
        await upsertCustomers(tx, [
          {
            id: customerId,
            name: '王磊',
            idNumber,
            phone,
            branchId,
            salespersonId: null,
            introducerId: null,
            openedAt: null,
            channel: 'counter',
            margin: false,
          },
        ]);
        await addPurposes(
          tx,
          { id: customerId, branchId },
          [
            {
              type: 'aml',
              deadlineAt: '2026-12-01T15:59:59.999Z',
              reason: '名单',
              salespersonId: null,
              sourceKey: `t:${customerId}`,
            },
          ],
          '2026-11-25T02:00:00.000Z',
        );
      });
      const client = new HqClient(t.url, { seatToken: seat.token });
      const page = await client.pull(0, 1000);
      const task = page.tasks.find((x) => x.customerId === customerId);
      if (!task) throw new Error('task not pulled');
      const bytes = randomBytes(40_000);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const path = join(tmp.dir, `${uuidv4()}.webm`);
      writeFileSync(path, bytes);
      const attemptId = uuidv7();
      const recordingId = uuidv7();
      const resultId = uuidv7();
      const agentId = uuidv4();
      const at = '2026-11-26T02:00:00.000Z';
      const seq = (
        await t.hq.db.db
          .selectFrom('seats')
          .select('last_applied_seq')
          .where('id', '=', seat.seatId)
          .executeTakeFirstOrThrow()
      ).last_applied_seq;
      await client.push({
        seatId: seat.seatId,
        entries: [
          {
            seq: seq + 1,
            kind: 'recording',
            entityId: recordingId,
            createdAt: at,
            payload: {
              id: recordingId,
              attemptId,
              mimeType: 'audio/webm;codecs=opus',
              sha256,
              sizeBytes: bytes.length,
              durationMs: 60_000,
              status: 'finished',
              startedAt: at,
              finishedAt: at,
            },
          },
          {
            seq: seq + 2,
            kind: 'result',
            entityId: resultId,
            createdAt: at,
            payload: {
              id: resultId,
              taskId: task.id,
              attemptId,
              outcome: 'completed',
              disposition: 'connected',
              notes: '',
              retryAt: null,
              supersedesId: null,
              agentId,
              seatId: seat.seatId,
              createdAt: at,
              answers: [
                {
                  stepId: 'identity',
                  purposes: ['aml'],
                  value: true,
                  answeredAt: at,
                  recordingId,
                  recordingOffsetMs: 1200,
                },
              ],
              purposes: [{ purpose: 'aml', outcome: 'pass', scriptId: 'aml', scriptVersion: 1 }],
              findings: [],
            },
          },
        ],
      });
      let url: string | null = null;
      await client.upload(
        { id: recordingId, path, sizeBytes: bytes.length },
        { uploadUrl: () => url, saveUploadUrl: (_i, u) => (url = u) },
      );
      return { resultId, recordingId, sha256, idNumber };
    }

    beforeAll(async () => {
      tmp = tempDir();
      t = await startHq(kind);
      const passwordHash = await hashPassword(HQ_PASSWORD, { N: 1024 });
      await upsertUser(t.hq.db.db, {
        code: 'SH01',
        name: '上海主管',
        role: 'supervisor',
        branchId: BRANCH.branchId,
        passwordHash,
      });
      await upsertUser(t.hq.db.db, {
        code: 'A100',
        name: '坐席',
        role: 'agent',
        branchId: BRANCH.branchId,
        passwordHash,
      });
      done.sh = await callback(
        BRANCH.branchId,
        '11010519491231002X',
        '13812345678',
        await t.enrol(BRANCH.branchId),
      );
      done.bj = await callback(
        OTHER_BRANCH.branchId,
        '440305199003071236',
        '15912345670',
        await t.enrol(OTHER_BRANCH.branchId),
      );
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
  },
);
