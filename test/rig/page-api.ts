/**
 * What the rig's two pages put on `window` for the tests (types only: the pages are DOM code, the tests Node
 * code; both import this). Tests reach it with `(globalThis as unknown as CustomerWindow).customer` inside
 * `page.evaluate` / `page.waitForFunction`.
 */

/** SIP account of a rig page. */
export interface RigAccount {
  wsUrl: string;
  /** SIP user, also the authorisation user: `sip:<user>@127.0.0.1`. */
  user: string;
  /** Digest password; omit when the registrar does not challenge. */
  password?: string;
  /** sip.js ICE gathering timeout (TESTRIG: 100..500 ms; sip.js's own default is 5 s). */
  iceGatheringTimeoutMs?: number;
}

export interface RegisterResult {
  registered: boolean;
  /** Final SIP code of the last REGISTER (200, 401, 403…); null when none arrived. */
  code: number | null;
  /** `start()` → registered (or refused), ms. */
  ms: number;
}

/** Proof of media in both directions on the current (or last) call. */
export interface MediaProof {
  /** RTP payload bytes from `getStats()` (`inbound-rtp` / `outbound-rtp`, audio). */
  bytesReceived: number;
  bytesSent: number;
  packetsReceived: number;
  /** RMS (0..1) of the received audio through an AnalyserNode (remote stream also played by an <audio>). */
  rms: number;
  /** Strongest frequency of the received audio, Hz (the customer sends 999 Hz, the caller 440 Hz). */
  peakHz: number;
}

/**
 * `no_media`: answers, then sends no RTP at all (its sender's track replaced by none at once): a call whose
 * media never flows, its signalling healthy.
 */
export type CustomerMode = 'answer' | 'silent' | 'no_media' | 'busy' | 'no_answer' | 'reject';

export interface CustomerModeOptions {
  /** `answer`/`silent`: ring this long before answering. */
  answerDelayMs?: number;
  /** Tone sent when answering in `answer` mode (default 999 Hz). */
  toneHz?: number;
}

export type CallState = 'none' | 'ringing' | 'established' | 'terminated';

export interface CustomerCalls {
  /** INVITEs received since start(). */
  received: number;
  /** State of the last call. */
  lastState: CallState;
  /** How the last call ended: `bye_remote` (caller hung up), `bye_local`, `cancelled`, `rejected` (our 4xx/6xx). */
  lastEnd: 'bye_remote' | 'bye_local' | 'cancelled' | 'rejected' | 'other' | null;
  /** The caller's user of the last call. */
  lastFrom: string | null;
}

export interface CustomerApi {
  /** Register (resolves when registered or refused). */
  start(account: RigAccount): Promise<RegisterResult>;
  setMode(mode: CustomerMode, options?: CustomerModeOptions): void;
  readonly mode: CustomerMode;
  readonly state: { registered: boolean; code: number | null };
  readonly calls: CustomerCalls;
  /** Hang up the current call from the customer's side (BYE); resolves when terminated. */
  hangup(): Promise<void>;
  /**
   * The far end vanishes: the current call's peer connection is closed with no BYE (the SIP dialog stays up,
   * so a later BYE from the caller is still answered). Resolves once closed.
   */
  vanish(): Promise<void>;
  media(): Promise<MediaProof>;
  /** Unregister and stop the user agent. */
  stop(): Promise<void>;
}

export interface DialOptions {
  /** CANCEL this long after the first 180 Ringing (no-answer scenario). */
  cancelAfterRingingMs?: number;
}

export interface DialResult {
  /** `established` (200 OK), `rejected` (a final 3xx..6xx, incl. 487 after our CANCEL), `failed` (no response). */
  outcome: 'established' | 'rejected' | 'failed';
  /** Final SIP response code; null when none arrived. */
  code: number | null;
  /** Provisional codes seen (e.g. [100, 180]; Kamailio's 100 Trying is hop-by-hop and may not show). */
  provisional: number[];
  /** We sent a CANCEL. */
  cancelled: boolean;
  /** `invite()` → the first INVITE handed to the WebSocket, ms (mostly ICE gathering). */
  inviteToWireMs: number | null;
  /** `invite()` → Established, ms. */
  inviteToEstablishedMs: number | null;
  /** INVITE on the wire → Established, ms. */
  wireToEstablishedMs: number | null;
  error?: string;
}

export interface CallerCall {
  state: CallState | 'dialing';
  code: number | null;
  provisional: number[];
  /** Established → first RTP bytes received, ms (measured in the page by polling getStats every 5 ms). */
  establishedToFirstRtpMs: number | null;
  /** The far end hung up. */
  endedByRemote: boolean;
}

export interface CallerApi {
  start(account: RigAccount): Promise<RegisterResult>;
  readonly state: { registered: boolean; code: number | null };
  /** Call `sip:<target>@127.0.0.1` (or a full SIP URI); resolves when Established or finally refused. */
  dial(target: string, options?: DialOptions): Promise<DialResult>;
  readonly call: CallerCall;
  hangup(): Promise<void>;
  media(): Promise<MediaProof>;
  stop(): Promise<void>;
}

export interface CustomerWindow {
  customer: CustomerApi;
}

export interface CallerWindow {
  caller: CallerApi;
}
