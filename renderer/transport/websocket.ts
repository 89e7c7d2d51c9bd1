/**
 * The seat's contract over the web host's WebSocket (see electron/web-host.ts), with the browser's WebSocket
 * API only. Client → `{ id, method, args }`; server → `{ id, result }` or `{ event, payload }`.
 *
 * The session belongs to the socket: when the socket drops, every pending call is answered with `INTERNAL`
 * ("与坐席服务的连接已断开"), a `session.changed` with `null` is delivered if an agent was logged in, and the
 * transport reconnects with exponential backoff. The new socket starts without a session.
 */
import './no-eval';
import { z } from 'zod';
import {
  EVENTS,
  type EventName,
  type EventPayload,
  type MethodArgs,
  type MethodName,
  type MethodResult,
  type Result,
  type SeatBridge,
  SeatErrorData,
} from '../../shared/contract';

/** The subprotocol the web host selects; the token travels as a second one, `token.<token>`. */
export const SEAT_PROTOCOL = 'seat.v1';

/**
 * - `connecting`: a socket is being opened.
 * - `open`: calls go through.
 * - `closed`: no socket, either waiting for the next attempt after a drop, or for good after `close()`.
 */
export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface WebSocketSeat extends SeatBridge {
  readonly state: ConnectionState;
  /** Called at every change of state; returns the unsubscribe function. */
  onStateChange(listener: (state: ConnectionState) => void): () => void;
  /** Closes the socket for good: no reconnect; pending calls are answered as disconnected. */
  close(): void;
}

export interface ConnectWebSocketOptions {
  /** `ws(s)://host:port/seat` */
  url: string;
  token: string;
  /** Reconnect delays: `initialMs · 2^attempt`, at most `maxMs`, each with up to 50% jitter off. */
  backoff?: { initialMs: number; maxMs: number };
}

export const DISCONNECTED: Result<never> = {
  ok: false,
  error: { code: 'INTERNAL', message: '与坐席服务的连接已断开' },
};
const UNSENDABLE: Result<never> = { ok: false, error: { code: 'BAD_REQUEST', message: '请求格式不正确' } };

const ResultFrame = z.object({
  id: z.number(),
  result: z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value: z.unknown() }),
    z.object({ ok: z.literal(false), error: SeatErrorData }),
  ]),
});
const EventFrame = z.object({ event: z.string(), payload: z.unknown() });

const isEventName = (name: string): name is EventName => Object.hasOwn(EVENTS, name);

type Listener = (payload: unknown) => void;

/**
 * Opens the socket; resolves once it is open. Rejects when that first attempt fails (the host is gone, or the
 * token is not this launch's), since retrying cannot help; after that, drops are retried.
 */
export function connectWebSocket(options: ConnectWebSocketOptions): Promise<WebSocketSeat> {
  const { url, token } = options;
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 250, maxMs: 10_000 };

  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let everOpened = false;
  let closedForGood = false;
  let loggedIn = false;
  let attempt = 0;
  let nextId = 1;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<EventName, Set<Listener>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of [...stateListeners]) {
      try {
        listener(next);
      } catch (error) {
        reportError(error);
      }
    }
  };

  const emit = (event: EventName, payload: unknown) => {
    if (event === 'session.changed') loggedIn = payload !== null;
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(payload);
      } catch (error) {
        reportError(error);
      }
    }
  };

  const failPending = () => {
    const waiting = [...pending.values()];
    pending.clear();
    for (const done of waiting) done(DISCONNECTED);
  };

  const receive = (text: string) => {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const answer = ResultFrame.safeParse(frame);
    if (answer.success) {
      const done = pending.get(answer.data.id);
      pending.delete(answer.data.id);
      done?.(answer.data.result as Result<unknown>);
      return;
    }
    const pushed = EventFrame.safeParse(frame);
    if (pushed.success && isEventName(pushed.data.event)) emit(pushed.data.event, pushed.data.payload);
  };

  let settleFirst: { resolve: (seat: WebSocketSeat) => void; reject: (error: Error) => void } | undefined;

  const open = () => {
    setState('connecting');
    const ws = new WebSocket(url, [SEAT_PROTOCOL, `token.${token}`]);
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      attempt = 0;
      setState('open');
      if (!everOpened) {
        everOpened = true;
        settleFirst?.resolve(bridge);
      }
    };
    ws.onmessage = (event: MessageEvent) => {
      if (socket === ws && typeof event.data === 'string') receive(event.data);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      failPending();
      if (loggedIn) emit('session.changed', null);
      setState('closed');
      if (!everOpened) {
        closedForGood = true;
        settleFirst?.reject(new Error('无法连接坐席服务，请从坐席程序重新打开本页面'));
        return;
      }
      const delay = Math.min(maxMs, initialMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt = Math.min(attempt + 1, 30);
      retry = setTimeout(() => {
        if (!closedForGood) open();
      }, delay);
    };
  };

  const bridge: WebSocketSeat = {
    get state() {
      return state;
    },
    invoke<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Result<MethodResult<M>>> {
      const ws = socket;
      if (ws === null || ws.readyState !== WebSocket.OPEN) return Promise.resolve(DISCONNECTED);
      const id = nextId++;
      return new Promise<Result<unknown>>((done) => {
        let frame: string;
        try {
          frame = JSON.stringify({ id, method, args });
        } catch {
          done(UNSENDABLE);
          return;
        }
        pending.set(id, done);
        ws.send(frame);
      }) as Promise<Result<MethodResult<M>>>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const entry = listener as Listener;
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    onStateChange(listener) {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    close() {
      closedForGood = true;
      clearTimeout(retry);
      const ws = socket;
      socket = null;
      ws?.close(1000);
      failPending();
      setState('closed');
    },
  };

  return new Promise<WebSocketSeat>((resolve, reject) => {
    settleFirst = { resolve, reject };
    open();
  });
}
