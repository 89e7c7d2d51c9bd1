import type { SeatBridge } from '../shared/contract';

declare global {
  interface Window {
    /** The seat, and the renderer's only way to it (Electron preload or the WebSocket host provides it). */
    readonly seat: SeatBridge;
  }
}

/** The seat bridge the renderer was started with. */
export function seat(): SeatBridge {
  return window.seat;
}
