/** Small helpers the phone's parts share: a typed event emitter, backoff delays, base64, a dial's first status. */

import type { CallStatus } from '../../shared/phone/service';

/** A new dial's status, the same for the SIP line and the training line: a fresh attempt id, nothing yet. */
export function dialingStatus(taskId: string, now: number): CallStatus {
  return {
    attemptId: crypto.randomUUID(),
    taskId,
    phase: 'dialing',
    startedAt: now,
    answeredAt: null,
    endedAt: null,
    muted: false,
    held: false,
    outcome: null,
    sipCode: null,
    recordingId: null,
    warning: null,
    endReason: null,
  };
}

export class Emitter<Events> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>();

  on<E extends keyof Events>(event: E, listener: (value: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (value: never) => void);
    return () => {
      set.delete(listener as (value: never) => void);
    };
  }

  emit<E extends keyof Events>(event: E, value: Events[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      // A throwing UI listener must not break the phone's own state machine.
      try {
        (listener as (value: Events[E]) => void)(value);
      } catch (error) {
        console.error('phone listener failed', error);
      }
    }
  }
}

/** Capped exponential backoff: attempt 0 → base, doubling up to cap. */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Base64 of bytes. `btoa` takes a binary string; built in slices so a large chunk cannot overflow the stack. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const slice = 0x8000;
  for (let i = 0; i < bytes.length; i += slice) {
    binary += String.fromCharCode(...bytes.subarray(i, i + slice));
  }
  return btoa(binary);
}
