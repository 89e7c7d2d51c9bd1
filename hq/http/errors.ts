import type { SyncErrorBody } from '../../shared/contract/sync';

/** A refusal with its HTTP status and a Chinese message a person can act on. */
export class HqError extends Error {
  constructor(
    readonly status: number,
    readonly code: SyncErrorBody['code'],
    message: string,
    readonly extra: Pick<
      SyncErrorBody,
      'expectedSeq' | 'appliedSeq' | 'conflictSeq' | 'retryAfterSeconds'
    > = {},
  ) {
    super(message);
  }

  body(): SyncErrorBody {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

/** What a refused or failed request answers, and whether it is head office's own fault (logged with its stack). */
export interface ErrorReply {
  status: number;
  body: SyncErrorBody;
  fault: boolean;
}

/** Fastify's own refusals of a request it could not read, in Chinese. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: '请求内容为空：应为 JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: '不支持的内容类型：应为 application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: '请求内容过大',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: '请求长度与内容不符',
  FST_ERR_CTP_INVALID_JSON_BODY: '请求内容不是有效的 JSON',
};

/** SQLSTATE classes of a database error that the request's content caused (data exception, constraints). */
const CONTENT_CLASSES = new Set(['22', '23']);
/** The database is not there: connection exceptions, shutdowns, a socket reset under a query. */
const UNAVAILABLE = /^(08|57P0)/;
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
/**
 * pg's words for a connection that died under a query, none with a code: "Connection terminated
 * (unexpectedly)", and — what a transaction's ROLLBACK on that dead connection throws in place of the first
 * error — "Client has encountered a connection error and is not queryable" (found by the fault suite:
 * PostgreSQL stopped mid-push answered 500).
 */
const LOST_CONNECTION = /Connection terminated|not queryable|Client was closed/i;

/**
 * Every error a route can end with, as what it answers: a refusal of ours (HqError) as it is; a request
 * Fastify could not read, or one the schemas refuse, 4xx; a database error its content caused (a value out of
 * range, a broken constraint) 422; the database gone 503; anything else 500, head office's own fault.
 */
export function errorReply(error: unknown): ErrorReply {
  if (error instanceof HqError) return { status: error.status, body: error.body(), fault: false };
  const e = error as { code?: unknown; statusCode?: unknown; validation?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.validation || code === 'FST_ERR_VALIDATION') {
    return { status: 400, body: { code: 'BAD_REQUEST', message: `请求内容无效：${message}` }, fault: false };
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  if (status >= 400 && status < 500) {
    // Fastify's JSON parser refuses `__proto__` and `constructor.prototype` keys as invalid JSON.
    const known = FASTIFY_MESSAGES[code];
    return {
      status,
      body: { code: 'BAD_REQUEST', message: known ?? `请求无效（HTTP ${status}）` },
      fault: false,
    };
  }
  if (UNAVAILABLE.test(code) || SOCKET_CODES.has(code) || LOST_CONNECTION.test(message)) {
    return {
      status: 503,
      body: { code: 'UNAVAILABLE', message: '总部数据库暂时不可用，请稍后重试' },
      fault: false,
    };
  }
  if (/^[0-9A-Z]{5}$/.test(code) && CONTENT_CLASSES.has(code.slice(0, 2))) {
    return {
      status: code === '23505' ? 409 : 422,
      body: {
        code: code === '23505' ? 'CONFLICT' : 'BAD_REQUEST',
        message: code === '23505' ? '记录已存在' : `内容超出范围或格式无效：${message}`,
      },
      fault: false,
    };
  }
  return { status: 500, body: { code: 'BAD_REQUEST', message: '总部服务内部错误' }, fault: true };
}
