/**
 * Dead-call detection (issue 16, point 3): is the customer still there? The phone feeds this what it sees of
 * an established call — the customer's RTP packet counter (from `getStats`, about once a second), the level of
 * the customer's audio (the meter, about 20 times a second), the ICE connection state and hold — and asks
 * `verdict` after each statistics read. Pure: time is what the caller passes in.
 *
 * - ICE `failed`: the media path is gone for good; the call ends at once (`ice_failed`).
 * - No RTP from the customer for `endAfterMs`: nobody is there (a BYE that never reached us, a far end that
 *   vanished, media that never flowed); the call ends (`no_media`). A warning comes first, after `warnAfterMs`.
 * - ICE `disconnected`: a warning (`network`); ICE may still recover.
 * - Packets arrive but carry silence for `warnAfterMs`: a warning only (`customer_silent`); a customer may be
 *   silent, and a PBX may keep sending comfort noise on a line whose far end is gone. The agent decides.
 *
 * On hold the customer sends nothing by design: the clocks restart when the call is taken off hold.
 */

export type CallWarning = 'customer_silent' | 'no_media' | 'network';
export type DeadCallReason = 'no_media' | 'ice_failed';

export interface LivenessLimits {
  /** A warning once the customer's channel has been silent (or without packets) this long, ms. */
  warnAfterMs: number;
  /** No RTP from the customer this long ends the call, ms. */
  endAfterMs: number;
}

export interface Verdict {
  warning: CallWarning | null;
  end: DeadCallReason | null;
}

/** Meter levels (0..1 over −60…0 dBFS) below this count as silence: −48 dBFS, under any voice on a phone line. */
export const SILENCE_LEVEL = 0.2;

export class LivenessWatch {
  #lastPacketAt: number;
  #lastVoiceAt: number;
  #packets = -1;
  #ice: string = 'new';
  #held = false;

  constructor(
    private readonly limits: LivenessLimits,
    answeredAt: number,
  ) {
    this.#lastPacketAt = answeredAt;
    this.#lastVoiceAt = answeredAt;
  }

  /** The customer's cumulative RTP packet count from a statistics read. */
  packets(now: number, received: number): void {
    if (received > this.#packets) {
      // The first read only sets the baseline unless packets already arrived.
      if (this.#packets >= 0 || received > 0) this.#lastPacketAt = now;
      this.#packets = received;
    }
  }

  /** The customer's level (the meter's 0..1). */
  level(now: number, value: number): void {
    if (value >= SILENCE_LEVEL) this.#lastVoiceAt = now;
  }

  ice(state: string): void {
    this.#ice = state;
  }

  hold(now: number, held: boolean): void {
    if (this.#held && !held) {
      this.#lastPacketAt = now;
      this.#lastVoiceAt = now;
    }
    this.#held = held;
  }

  verdict(now: number): Verdict {
    if (this.#ice === 'failed') return { warning: 'network', end: 'ice_failed' };
    if (this.#held) return { warning: null, end: null };
    const noPackets = now - this.#lastPacketAt;
    if (noPackets >= this.limits.endAfterMs) return { warning: 'no_media', end: 'no_media' };
    if (this.#ice === 'disconnected') return { warning: 'network', end: null };
    if (noPackets >= this.limits.warnAfterMs) return { warning: 'no_media', end: null };
    if (now - this.#lastVoiceAt >= this.limits.warnAfterMs) return { warning: 'customer_silent', end: null };
    return { warning: null, end: null };
  }
}
