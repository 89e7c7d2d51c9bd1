import { mkdirSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { ALREADY_STORED } from '../../shared/contract/sync';
import type { Hq } from '../context';
import { sha256File } from '../recordings/hash';
import { ensurePlaybackCopy } from '../recordings/playback';
import { seatByToken } from './access';
import { errorReply } from './errors';

export const UPLOADS_PATH = '/api/uploads';

const refuse = (status_code: number, body: string) => ({ status_code, body });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** tus's own refusals (written in English by @tus/server), as head office says them. */
const TUS_REFUSALS: Partial<Record<number, string>> = {
  400: '上传请求无效',
  403: '上传请求无效：缺少 Upload-Offset 或内容类型',
  404: '上传不存在',
  405: '上传不支持此方法',
  409: '上传位置冲突：Upload-Offset 与总部已收到的字节数不符',
  410: '上传已不存在',
  412: '请求缺少 Tus-Resumable 头：录音须以 tus 1.0.0 上传',
  413: '上传内容超出录音的大小',
};

/**
 * tus writes its protocol's refusals (412 without Tus-Resumable, 400 for a bad header, 404…) itself, in
 * English, past Fastify's error handler: a 4xx without a Chinese message (found by fuzzing). This gives each
 * such answer of `res` a Chinese sentence, tus's own words kept after it; our hooks' refusals are Chinese
 * already and pass as they are.
 */
export function chineseRefusals(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let refused: { status: number; headers: unknown[] } | null = null;
  const parts: Buffer[] = [];
  const collect = (chunk: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) parts.push(Buffer.from(chunk));
  };
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    if (status < 400) return writeHead(status, ...rest);
    refused = { status, headers: rest };
    return res;
  }) as typeof res.writeHead;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (!refused) return write(chunk, ...rest);
    collect(chunk);
    return true;
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    if (!refused) return end(...args);
    if (typeof args[0] !== 'function') collect(args[0]);
    const said = Buffer.concat(parts).toString('utf8').trim();
    const body = /[\u4e00-\u9fff]/.test(said)
      ? said
      : `${TUS_REFUSALS[refused.status] ?? `上传被拒绝（HTTP ${refused.status}）`}${said ? `（${said}）` : ''}`;
    // tus's headers (Tus-Resumable, CORS) are kept; only the length changes with the body.
    // As srvx gives them: flat [name, value, …], [[name, value], …] or an object.
    const given = refused.headers.find((h) => h !== null && typeof h === 'object') ?? [];
    const pairs: unknown[][] = Array.isArray(given)
      ? given.every(Array.isArray)
        ? (given as unknown[][])
        : given.flatMap((v, i) => (i % 2 === 0 ? [[v, given[i + 1]]] : []))
      : Object.entries(given);
    const headers: Record<string, string> = {};
    for (const [name, value] of pairs) headers[String(name).toLowerCase()] = String(value);
    headers['content-type'] = 'text/plain; charset=utf-8';
    headers['content-length'] = String(Buffer.byteLength(body));
    const { status } = refused;
    refused = null; // what the real end writes through `write` passes now
    writeHead(status, headers);
    const done = args.find((a) => typeof a === 'function');
    return end(body, done);
  }) as typeof res.end;
}

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
      // Not a UUID: the database would refuse the query itself, a 500 (found by fuzzing).
      if (!UUID.test(recordingId)) throw refuse(400, '上传缺少有效的录音编号（recordingId）');
      const rec = await hq.db.db
        .selectFrom('recordings')
        .select(['size_bytes', 'stored_at'])
        .where('id', '=', recordingId)
        .where('seat_id', '=', seat.id)
        .executeTakeFirst();
      if (!rec) throw refuse(404, '总部尚未收到该录音的记录，请先同步');
      if (rec.stored_at) throw refuse(409, ALREADY_STORED);
      if (upload.size !== rec.size_bytes) throw refuse(400, '录音大小与记录不符');
      return { metadata: { ...upload.metadata, recordingId, seatId: seat.id } };
    },
    // What a hook throws that is no refusal of ours (a database error): classified as the routes' errors are,
    // so a request's content gives a 4xx and only head office's own fault a 500, logged.
    onResponseError(_req, error) {
      if ('status_code' in error) return undefined;
      const answer = errorReply(error);
      if (answer.fault) console.error('总部服务内部错误（录音上传）', error);
      return { status_code: answer.status, body: answer.body.message };
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
