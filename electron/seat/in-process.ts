import type { EventName, EventPayload, SeatBridge } from '../../shared/contract';
import type { Seat } from './seat';

/**
 * The contract bound directly in the same process: what tests and benchmarks use. It goes through the same
 * dispatcher as the Electron and WebSocket bindings, so what it accepts and refuses is what they do.
 */
export function inProcessBridge(seat: Seat): SeatBridge & { close(): void } {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  const conn = seat.connect((event, payload) => {
    for (const listener of listeners.get(event) ?? []) (listener as (p: typeof payload) => void)(payload);
  });
  return {
    invoke: (method, args) => seat.dispatch(conn, method, args) as never,
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    close: () => conn.close(),
  };
}
