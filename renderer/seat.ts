import type { SeatBridge } from '../shared/contract';

declare global {
  interface Window {
    /** The seat, as the Electron preload provides it; absent in a browser (transport/ connects instead). */
    readonly seat?: SeatBridge;
  }
}

let provided: SeatBridge | undefined;

/** Called by `connectSeat()` when the bridge is a WebSocket rather than the preload's `window.seat`. */
export function provideSeat(bridge: SeatBridge): void {
  provided = bridge;
}

/** The seat bridge the renderer was started with; `connectSeat()` (renderer/transport) must have resolved. */
export function seat(): SeatBridge {
  const bridge = provided ?? window.seat;
  if (!bridge) throw new Error('坐席连接尚未建立：请先调用 connectSeat()');
  return bridge;
}
