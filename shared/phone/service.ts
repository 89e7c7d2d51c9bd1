import type { AttemptOutcome } from '../contract/schemas';
import type { CallWarning, DeadCallReason } from './liveness';
import type { CallQuality } from './quality';

export type { CallWarning, DeadCallReason } from './liveness';
export type { CallQuality, QualityGrade } from './quality';

/**
 * The phone as the UI sees it. The implementation (renderer/phone, sip.js over WebRTC) registers with the
 * PBX, places calls, and records them through the seat contract; the UI uses only this interface.
 */

/** SIP account and media settings of a seat (stored as `sip.*` / `audio.*` settings). */
export interface PhoneConfig {
  /** `ws://` or `wss://` URL of the PBX's SIP WebSocket. */
  wsUrl: string;
  /** The agent's address of record, e.g. `sip:8001@pbx.example`. */
  uri: string;
  /** Digest authorisation user and password; empty when the PBX does not challenge. */
  authUser: string;
  password: string;
  displayName: string;
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  iceGatheringTimeoutMs: number;
  /** A dial not answered within this is cancelled and counts as no answer. */
  ringTimeoutSec: number;
  /** An established call with no RTP from the customer this long ends as 通话中断 (shared/phone/liveness.ts). */
  deadCallSec: number;
  /** The agent is warned once the customer's channel has been silent (or without packets) this long. */
  silenceWarnSec: number;
  echoCancellation: boolean;
  noiseSuppression: boolean;
  autoGainControl: boolean;
  /** `''` for the system default. */
  inputDeviceId: string;
  outputDeviceId: string;
}

/**
 * `not_configured`: no SIP settings. `connecting`: transport or REGISTER in flight. `registered`: ready.
 * `failed`: with a reason the agent can act on. A lost registration goes back to `connecting` by itself.
 */
export type RegistrationState = 'not_configured' | 'connecting' | 'registered' | 'failed';
export type RegistrationProblem = 'server_unreachable' | 'auth_failed' | 'rejected' | 'bad_settings';

export interface Registration {
  state: RegistrationState;
  problem?: RegistrationProblem;
  /** SIP code of a refused REGISTER, when there was one. */
  sipCode?: number;
}

export type CallPhase = 'dialing' | 'ringing' | 'established' | 'ended';

/**
 * Who or what ended an answered call: the agent (hang-up), the customer (their BYE), or the phone itself
 * because the customer was gone (dead-call detection: no media, or ICE failed). Null for a call never answered
 * (its outcome says how it ended).
 */
export type CallEndReason = 'agent' | 'customer' | DeadCallReason;

export interface CallStatus {
  attemptId: string;
  taskId: string;
  phase: CallPhase;
  /** ms since epoch. */
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  muted: boolean;
  held: boolean;
  /** Set once the call ended. */
  outcome: AttemptOutcome | null;
  sipCode: number | null;
  /** The recording of this call, once answered. */
  recordingId: string | null;
  /** While established: the customer's channel has been silent, or the network wobbles (liveness.ts). */
  warning: CallWarning | null;
  /** Set when an answered call ended. */
  endReason: CallEndReason | null;
}

export interface PhoneEvents {
  registration: Registration;
  call: CallStatus | null;
  /** Microphone input level 0..1, about 20 times a second while a call or the meter is active. */
  inputLevel: number;
  /** The customer's level 0..1 (what the agent hears), about 20 times a second while the call is established. */
  remoteLevel: number;
  /**
   * The established call's media counters and quality grade (WebRTC `getStats`), about once a second; `null`
   * when the call ends.
   */
  quality: CallQuality | null;
}

export interface Phone {
  readonly registration: Registration;
  readonly call: CallStatus | null;
  /** (Re)start with new settings; registers and keeps registered (reconnecting with backoff). */
  configure(config: PhoneConfig): Promise<void>;
  /** Dial the task's customer: asks the seat for the attempt and the target, then calls. */
  dial(taskId: string): Promise<void>;
  hangup(): Promise<void>;
  setMuted(muted: boolean): void;
  setHeld(held: boolean): Promise<void>;
  sendDtmf(digit: string): void;
  on<E extends keyof PhoneEvents>(event: E, listener: (value: PhoneEvents[E]) => void): () => void;
  /** Unregister and release devices. */
  close(): Promise<void>;
}
