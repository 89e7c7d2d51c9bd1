import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import type { Hq } from '../context';
import { sha256File } from '../recordings/hash';
import { ensurePlaybackCopy } from '../recordings/playback';
import { seatByToken } from './access';

export const UPLOADS_PATH = '/api/uploads';

const refuse = (status_code: number, body: string) => ({ status_code, body });

async function seatOf(hq: Hq, req: Request): Promise<{ id: string; branchId: string }> {
  const [scheme, token] = (req.headers.get('authorization') ?? '').split(' ');
  const seat = scheme === 'Seat' && token ? await seatByToken(hq, token) : null;
  if (!seat) throw refuse(401, '坐席未在总部登记或凭据无效');
  return { id: seat.id, branchId: seat.branchId };
}

/**
 * Recordings come home by tus (resumable: a seat cut off halfway continues from the last byte head office
 * has). Only a recording the seat has pushed the fact of may be uploaded, at exactly its size; when the last
 * byte arrives the whole file's SHA-256 is checked against that fact, and only a match is stored (and
 * acknowledged). A mismatch is thrown away: the seat keeps its copy and tries again.
 */
export function createUploads(hq: Hq, partsDir: string): Server {
  mkdirSync(partsDir, { recursive: true });
  const datastore = new FileStore({ directory: partsDir });
  return new Server({
    path: UPLOADS_PATH,
    datastore,
    // The whole request passes through Fastify's raw handler; URLs are relative to the request's host.
    relativeLocation: true,
    async onUploadCreate(req, upload) {
      const seat = await seatOf(hq, req);
      const recordingId = upload.metadata?.recordingId ?? '';
      const rec = await hq.db.db
        .selectFrom('recordings')
        .select(['size_bytes', 'stored_at'])
        .where('id', '=', recordingId)
        .where('seat_id', '=', seat.id)
        .executeTakeFirst();
      if (!rec) throw refuse(404, '总部尚未收到该录音的记录，请先同步');
      if (rec.stored_at) throw refuse(409, '该录音已上传并校验');
      if (upload.size !== rec.size_bytes) throw refuse(400, '录音大小与记录不符');
      return { metadata: { ...upload.metadata, recordingId, seatId: seat.id } };
    },
    async onIncomingRequest(req, uploadId) {
      if (req.method === 'POST' || req.method === 'OPTIONS') return;
      const seat = await seatOf(hq, req);
      const upload = await datastore.getUpload(uploadId).catch(() => null);
      if (upload && upload.metadata?.seatId !== seat.id) throw refuse(403, '不能访问其他坐席的上传');
    },
    async onUploadFinish(_req, upload) {
      const recordingId = upload.metadata?.recordingId ?? '';
      const seatId = upload.metadata?.seatId ?? '';
      const part = join(partsDir, upload.id);
      const rec = await hq.db.db
        .selectFrom('recordings')
        .select(['sha256', 'stored_at'])
        .where('id', '=', recordingId)
        .where('seat_id', '=', seatId)
        .executeTakeFirstOrThrow();
      const actual = await sha256File(part);
      if (actual !== rec.sha256) {
        await datastore.remove(upload.id);
        throw refuse(422, '录音校验失败：SHA-256 与坐席记录不符，请重新上传');
      }
      await hq.recordings.put(seatId, recordingId, part);
      // The part has moved into the store; what is left of the upload is its metadata (`remove` would stop at
      // the missing part and leave it behind, one file per recording).
      await datastore.configstore.delete(upload.id);
      if (!rec.stored_at) {
        await hq.db.db
          .updateTable('recordings')
          .set({ stored_at: hq.now().toISOString() })
          .where('id', '=', recordingId)
          .execute();
      }
      // The seekable playback copy, made now so the first playback need not wait for it; one that fails here
      // (no ffmpeg, a full disk) is made again by the first playback, which reports why.
      void ensurePlaybackCopy(hq, recordingId).catch((e: unknown) =>
        process.emitWarning(`回放副本生成失败（录音 ${recordingId}）：${String(e)}`),
      );
      return {};
    },
  });
}
