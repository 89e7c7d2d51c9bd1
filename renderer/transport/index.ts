/**
 * How the renderer reaches the seat: the Electron preload's `window.seat` when it exists, otherwise the web
 * host's WebSocket on the page's own host, with the per-launch token the host put in the address
 * (`/#token=…`). The token is taken out of the address bar at once and kept in this tab's sessionStorage, so
 * a reload of the tab reconnects and nothing else (history, bookmarks, screenshots) shows it.
 */
import './no-eval';
import type {
  EventName,
  EventPayload,
  MethodArgs,
  MethodName,
  MethodResult,
  Result,
  SeatBridge,
} from '../../shared/contract';
import { provideSeat } from '../seat';
import { type ConnectionState, connectWebSocket } from './websocket';

export type { ConnectionState } from './websocket';

/** The seat bridge and the state of the link to it (always `open` under Electron). */
export interface SeatLink extends SeatBridge {
  readonly state: ConnectionState;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
}

const TOKEN_KEY = 'seat.token';

export async function connectSeat(): Promise<SeatLink> {
  const preload = window.seat;
  if (preload) {
    const link: SeatLink = {
      state: 'open',
      invoke: <M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Result<MethodResult<M>>> =>
        preload.invoke(method, args),
      on: <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) =>
        preload.on(event, listener),
      onStateChange: () => () => {},
    };
    return link;
  }
  const token = takeToken();
  if (token === null) throw new Error('缺少坐席访问令牌，请从坐席程序重新打开本页面');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const link = await connectWebSocket({ url: `${scheme}//${location.host}/seat`, token });
  provideSeat(link);
  return link;
}

/** The token from `#token=…` (removed from the address bar at once), else the one this tab kept. */
function takeToken(): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get('token');
  if (fromHash === null || fromHash === '') {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  }
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  try {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
  } catch {
    // Storage disabled: this page works until it is reloaded.
  }
  return fromHash;
}
