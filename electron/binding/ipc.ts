import type { Result } from '../../shared/contract/errors';
import type { EventName, EventPayload } from '../../shared/contract/events';
import { METHODS, type MethodName } from '../../shared/contract/methods';
import type { Seat, SeatConnection } from '../seat/seat';
import { isTrustedSender } from './window-options';

/**
 * The contract bound to Electron's ipcMain. Only structural slices of ipcMain / WebContents / WebFrameMain
 * are used, so Electron's real objects fit (main.ts passes them) and a test can pass plain fakes.
 */
export interface IpcSender {
  readonly id: number;
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcInvokeEvent {
  readonly sender: IpcSender;
  /** Null when the frame navigated away or was destroyed before the call arrived. */
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export const METHOD_CHANNEL_PREFIX = 'seat:';
export const EVENT_CHANNEL_PREFIX = 'seat-event:';
export const methodChannel = (method: MethodName) => `${METHOD_CHANNEL_PREFIX}${method}`;
export const eventChannel = (event: EventName) => `${EVENT_CHANNEL_PREFIX}${event}`;

const FORBIDDEN: Result<never> = {
  ok: false,
  error: { code: 'FORBIDDEN', message: '请求来源不受信任（仅允许坐席主窗口调用）' },
};

function trusted(event: IpcInvokeEvent): boolean {
  const frame = event.senderFrame;
  // Main frame = no parent (VS Code's check). A subframe, or any page that is not app://seat, is refused.
  return frame !== null && isTrustedSender(frame.url, frame.parent === null);
}

/**
 * One `ipcMain.handle` per contract method on `seat:<method>`. Each webContents (window) is one seat
 * connection with its own session, created on its first trusted call and closed when it is destroyed;
 * a reload keeps the window and so keeps the session. Returns a function that unbinds everything.
 */
export function bindSeatIpc(ipcMain: IpcMainLike, seat: Pick<Seat, 'connect' | 'dispatch'>): () => void {
  const connections = new Map<IpcSender, SeatConnection>();

  const connectionOf = (sender: IpcSender): SeatConnection => {
    const existing = connections.get(sender);
    if (existing) return existing;
    const conn = seat.connect(<E extends EventName>(event: E, payload: EventPayload<E>) => {
      // A push can race the window's teardown; sending to a destroyed webContents throws.
      if (!sender.isDestroyed()) sender.send(eventChannel(event), payload);
    });
    connections.set(sender, conn);
    sender.once('destroyed', () => {
      conn.close();
      connections.delete(sender);
    });
    return conn;
  };

  const methods = Object.keys(METHODS) as MethodName[];
  for (const method of methods) {
    // Only the first argument is the payload; the dispatcher parses it from unknown like any other binding.
    ipcMain.handle(methodChannel(method), async (event, args) => {
      if (!trusted(event)) return FORBIDDEN;
      return seat.dispatch(connectionOf(event.sender), method, args);
    });
  }

  return () => {
    for (const method of methods) ipcMain.removeHandler(methodChannel(method));
    for (const conn of connections.values()) conn.close();
    connections.clear();
  };
}
