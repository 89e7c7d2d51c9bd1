import { type ErrorCode, type Result, SeatError } from './errors';
import type { EventName, EventPayload } from './events';
import { describeError, PLAIN_MESSAGES } from './issues';
import {
  isMethodName,
  METHODS,
  type MethodArgs,
  type MethodName,
  type MethodParsedArgs,
  type MethodResult,
} from './methods';
import type { SessionInfo } from './schemas';

/** One window, tab or test client. Each has its own session. */
export interface Connection {
  session: SessionInfo | null;
  /** Push an event to this connection only. */
  push<E extends EventName>(event: E, payload: EventPayload<E>): void;
}

export type Handler<M extends MethodName> = (
  args: MethodParsedArgs<M>,
  conn: Connection,
) => MethodResult<M> | Promise<MethodResult<M>>;
export type Handlers = { readonly [M in MethodName]: Handler<M> };

/** What `window.seat` is, whatever carries it (Electron preload, WebSocket, in-process). */
export interface SeatBridge {
  invoke<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Result<MethodResult<M>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export type Dispatch = (conn: Connection, method: unknown, args: unknown) => Promise<Result<unknown>>;

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  UNKNOWN_METHOD: '未知的操作',
  NOT_AUTHENTICATED: '请先登录',
  INTERNAL: '坐席程序内部错误，请重试；如仍失败请联系管理员',
};

const fail = (code: ErrorCode, message: string): Result<never> => ({ ok: false, error: { code, message } });

/**
 * The single entry point every binding uses. It refuses unknown methods, checks access, validates the
 * arguments from `unknown`, runs the handler, validates what it returns, and turns every failure into data.
 * A `SeatError` keeps its code and message; anything else is a defect, reported to `onDefect` and answered
 * with `INTERNAL` so that no internal detail (SQL, paths, personal data) reaches the caller.
 */
export function createDispatcher(
  handlers: Handlers,
  onDefect: (method: string, error: unknown) => void,
): Dispatch {
  return async (conn, method, args) => {
    if (!isMethodName(method)) return fail('UNKNOWN_METHOD', MESSAGES.UNKNOWN_METHOD as string);
    const spec = METHODS[method];
    if (spec.access !== 'public' && conn.session === null) {
      return fail('NOT_AUTHENTICATED', MESSAGES.NOT_AUTHENTICATED as string);
    }
    if (spec.access === 'review' && conn.session?.role === 'agent') {
      return fail('FORBIDDEN', '坐席员无权使用复核工作台');
    }
    const given = args ?? {};
    // The first problem, the field named as the person who caused it knows it (issues.ts).
    const parsed = spec.args.safeParse(given, PLAIN_MESSAGES);
    if (!parsed.success) return fail('BAD_REQUEST', describeError(parsed.error, { method, args: given }));
    try {
      const handler = handlers[method] as (a: unknown, c: Connection) => unknown;
      const value = await handler(parsed.data, conn);
      const checked = spec.result.safeParse(value);
      if (!checked.success) {
        onDefect(method, checked.error);
        return fail('INTERNAL', MESSAGES.INTERNAL as string);
      }
      return { ok: true, value: checked.data };
    } catch (error) {
      if (error instanceof SeatError) return fail(error.code, error.message);
      onDefect(method, error);
      return fail('INTERNAL', MESSAGES.INTERNAL as string);
    }
  };
}
