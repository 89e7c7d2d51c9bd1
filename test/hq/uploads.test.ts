import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HqClient } from '../../electron/seat/sync/hq-client';
import type { Enrolment } from '../../shared/contract/sync';
import { startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';
import { streamedWebm } from '../support/webm';

/** Upload URLs kept in memory (the seat keeps them in its store): enough to resume within the test. */
function memoryStorage() {
  const items = new Map<string, tus.PreviousUpload & { urlStorageKey: string }>();
  return {
    findAllUploads: async () => [...items.values()],
    findUploadsByFingerprint: async (fp: string) =>
      [...items.values()].filter((u) => u.urlStorageKey.startsWith(fp)),
    removeUpload: async (key: string) => {
      items.delete(key);
    },
    addUpload: async (fp: string, upload: tus.PreviousUpload) => {
      const key = `${fp}::${items.size}`;
      items.set(key, { ...upload, urlStorageKey: key });
      return key;
    },
  };
}

describe.each(DB_KINDS)('recordings uploaded to head office on %s', (kind) => {
  let t: TestHq;
  let seat: Enrolment;
  let seq = 0;
  beforeAll(async () => {
    t = await startHq(kind);
    seat = await t.enrol();
  }, 60_000);
  afterAll(() => t?.close());

  /** Pushes the recording's fact (as the seat's outbox does before uploading); returns its id. */
  async function recordingFact(bytes: Buffer, sha256 = createHash('sha256').update(bytes).digest('hex')) {
    const id = uuidv7();
    seq += 1;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${seat.token}` },
      payload: {
        seatId: seat.seatId,
        entries: [
          {
            seq,
            kind: 'recording',
            entityId: id,
            createdAt: '2026-11-26T02:00:00.000Z',
            payload: {
              id,
              attemptId: uuidv7(),
              mimeType: 'audio/webm;codecs=opus',
              sha256,
              sizeBytes: bytes.length,
              durationMs: 60_000,
              status: 'finished',
              startedAt: '2026-11-26T01:59:00.000Z',
              finishedAt: '2026-11-26T02:00:00.000Z',
            },
          },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    return id;
  }

  function upload(
    bytes: Buffer,
    recordingId: string,
    urlStorage: ReturnType<typeof memoryStorage>,
    hooks: { onProgress?: (sent: number, upload: tus.Upload) => void } = {},
  ) {
    return new Promise<{ error: Error | null; upload: tus.Upload }>((resolve) => {
      const u: tus.Upload = new tus.Upload(bytes, {
        endpoint: `${t.url}/api/uploads`,
        headers: { authorization: `Seat ${seat.token}` },
        metadata: { recordingId },
        chunkSize: 256 * 1024,
        retryDelays: [],
        urlStorage,
        fingerprint: async () => `recording-${recordingId}`,
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onProgress: (sent) => hooks.onProgress?.(sent, u),
        onSuccess: () => resolve({ error: null, upload: u }),
        onError: (error) => resolve({ error, upload: u }),
      });
      void u.findPreviousUploads().then((previous) => {
        if (previous[0]) u.resumeFromPreviousUpload(previous[0]);
        u.start();
      });
    });
  }

  /** An upload by tus in `chunkSize` chunks, aborted once head office has accepted `after` bytes. */
  function cutOff(
    bytes: Buffer,
    recordingId: string,
    urlStorage: ReturnType<typeof memoryStorage>,
    chunkSize: number,
    after: number,
  ) {
    return new Promise<void>((cut, fail) => {
      const u = new tus.Upload(bytes, {
        endpoint: `${t.url}/api/uploads`,
        headers: { authorization: `Seat ${seat.token}` },
        metadata: { recordingId },
        chunkSize,
        retryDelays: [],
        urlStorage,
        fingerprint: async () => `recording-${recordingId}`,
        storeFingerprintForResuming: true,
        onChunkComplete: (_size, accepted) => {
          if (accepted >= after) void u.abort().then(() => cut());
        },
        onSuccess: () => fail(new Error('should have been cut off')),
        onError: fail,
      });
      u.start();
    });
  }

  const stored = async (id: string) =>
    (
      await t.app.inject({
        method: 'GET',
        url: `/api/recordings/${id}/stored`,
        headers: { authorization: `Seat ${seat.token}` },
      })
    ).json() as { stored: boolean; sha256: string | null };

  it('resumes a cut-off upload where head office left it, and stores the file once its SHA-256 matches', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const id = await recordingFact(bytes);
    const storage = memoryStorage();
    // The first try is cut off (the seat loses its connection or is killed) after about a megabyte.
    await cutOff(bytes, id, storage, 256 * 1024, 1024 * 1024);
    expect(await stored(id)).toEqual({ stored: false, sha256: null });
    let resumedFrom = -1;
    const second = await upload(bytes, id, storage, {
      onProgress: (sent) => {
        if (resumedFrom < 0) resumedFrom = sent;
      },
    });
    expect(second.error).toBeNull();
    // The second upload started after the part head office already had.
    expect(resumedFrom).toBeGreaterThanOrEqual(1024 * 1024);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(await stored(id)).toEqual({ stored: true, sha256: sha });
    const file = t.hq.recordings.localPath(seat.seatId, id);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(sha);
  });

  it('resumes with the seat’s own client from the upload URL the seat kept, not a new upload', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const id = await recordingFact(bytes);
    const storage = memoryStorage();
    // Cut off after the first 4 MiB, as a crash or a lost connection would.
    await cutOff(bytes, id, storage, 4 * 1024 * 1024, 4 * 1024 * 1024);
    const [kept] = await storage.findAllUploads();
    expect(kept?.uploadUrl).toBeTruthy();
    const partial = readdirSync(t.uploadsDir);
    expect(partial.length).toBeGreaterThan(0);
    // The seat's client, given the URL its store kept, finishes that upload: nothing of it is left behind (a
    // new upload would leave the cut-off one).
    let url: string | null = kept?.uploadUrl ?? null;
    const path = join(t.uploadsDir, '..', `${id}.webm`);
    writeFileSync(path, bytes);
    await new HqClient(t.url, { seatToken: seat.token }).upload(
      { id, path, sizeBytes: bytes.length },
      { uploadUrl: () => url, saveUploadUrl: (_i, u) => (url = u) },
    );
    expect(await stored(id)).toEqual({
      stored: true,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(readdirSync(t.uploadsDir).filter((f) => partial.includes(f))).toEqual([]);
    expect(url).toBeNull();
  });

  it('takes an upload of a recording head office already holds as done, at once (its last answer was lost)', async () => {
    const bytes = randomBytes(64 * 1024);
    const id = await recordingFact(bytes);
    const path = join(t.uploadsDir, '..', `${id}.webm`);
    writeFileSync(path, bytes);
    const client = new HqClient(t.url, { seatToken: seat.token });
    let url: string | null = null;
    const store = { uploadUrl: () => url, saveUploadUrl: (_i: string, u: string | null) => (url = u) };
    await client.upload({ id, path, sizeBytes: bytes.length }, store);
    // The seat never heard the answer, so it starts again without the URL: head office says it holds it (409);
    // that is done, not a refusal, and not retried (tus would wait 1 s and 3 s first).
    url = null;
    const started = Date.now();
    await client.upload({ id, path, sizeBytes: bytes.length }, store);
    expect(Date.now() - started).toBeLessThan(900);
    expect((await stored(id)).stored).toBe(true);
  });

  it('refuses a file whose SHA-256 differs from the seat’s record, and keeps nothing of it', async () => {
    const bytes = randomBytes(300 * 1024);
    const id = await recordingFact(bytes, 'a'.repeat(64));
    const result = await upload(bytes, id, memoryStorage());
    expect(result.error?.message).toContain('录音校验失败');
    expect(await stored(id)).toEqual({ stored: false, sha256: null });
    expect(await t.hq.recordings.has(seat.seatId, id)).toBe(false);
  });

  it('refuses an upload of a recording head office has no record of, or from an unknown seat', async () => {
    const bytes = randomBytes(1024);
    const unknown = await upload(bytes, uuidv7(), memoryStorage());
    expect(unknown.error?.message).toContain('总部尚未收到该录音的记录');
  });

  // Last: it closes head office's HTTP side.
  it('makes the playback copy once a recording is stored, and closing waits for a copy under way', async () => {
    const bytes = streamedWebm(30);
    const id = await recordingFact(bytes);
    expect((await upload(bytes, id, memoryStorage())).error).toBeNull();
    // Closed straight after the upload: the copy started then is finished, not cut off by the database closing.
    await t.app.close();
    const copy = await t.hq.db.db
      .selectFrom('playback_copies')
      .select(['duration_ms', 'sha256'])
      .where('recording_id', '=', id)
      .executeTakeFirst();
    expect(Math.abs((copy?.duration_ms ?? 0) - 30_000)).toBeLessThan(100);
    const file = t.hq.recordings.playbackPath(seat.seatId, id);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(copy?.sha256);
  });
});
