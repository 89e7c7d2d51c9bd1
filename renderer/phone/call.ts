/**
 * One outbound call, from `call.start` to `call.end`: the INVITE, its phases, the ring timeout, the media on
 * the agent's side (remote audio, level meters of both sides, quality statistics, mandatory recording) and the
 * in-call controls.
 */
import { Inviter, SessionState, UserAgent, Web } from 'sip.js';
import type { SeatBridge } from '../../shared/contract';
import { type DeadCallReason, LivenessWatch } from '../../shared/phone/liveness';
import { attemptOutcome } from '../../shared/phone/outcome';
import type { CallQuality, CallStatus, PhoneConfig } from '../../shared/phone/service';
import { call } from '../app/seat-context';
import { audioConstraints, meterLevels, playRemote, stopRemote } from './media';
import type { PreparedOffer } from './offer';
import { type CallRecording, startRecording } from './recorder';
import { startRingback } from './ringback';
import { pollQuality } from './stats';
import { dialingStatus } from './util';

const DTMF = /^[0-9A-D*#]$/;
/** The dialing status is shown at the latest this long after the dial (see `start`). */
const ANNOUNCE_MS = 100;
/** How often an established call asks whether the customer is still there (shared/phone/liveness.ts). */
const LIVENESS_INTERVAL_MS = 1000;
/** The call's level meters: ten readings a second are enough for the eye and for the liveness watch. */
const METER_INTERVAL_MS = 100;

export interface CallContext {
  seat: SeatBridge;
  ua: UserAgent;
  config: PhoneConfig;
  now: () => number;
  /** The phone's one audio graph context, made once and kept: a new one per call costs call set-up time. */
  audioContext: () => AudioContext;
  MediaRecorderCtor?: typeof MediaRecorder;
  audio: HTMLAudioElement;
  /** Starts the offer (microphone, SDP, ICE gathering) for the line's next INVITE; see offer.ts. */
  prepareOffer(options: Web.SessionDescriptionHandlerOptions, onGathering: () => void): PreparedOffer;
  update(status: CallStatus): void;
  /** The microphone's level and the customer's, 0..1, about 20 times a second while established. */
  level(value: number): void;
  remoteLevel(value: number): void;
  /** Media counters and grade about once a second while established; null at the end. */
  quality(value: CallQuality | null): void;
}

export class OutboundCall {
  status: CallStatus;
  recording: CallRecording | null = null;
  private inviter: Inviter | null = null;
  private ringTimer: ReturnType<typeof setTimeout> | undefined;
  private ringTimedOut = false;
  private finalCode: number | null = null;
  private hangupRequested = false;
  private stopMeter: () => void = () => {};
  private stopStats: () => void = () => {};
  private stopRingback: () => void = () => {};
  private stopLiveness: () => void = () => {};
  private liveness: LivenessWatch | null = null;
  /** Set when the phone itself ended the call because the customer was gone. */
  private deadReason: DeadCallReason | null = null;
  private announceTimer: ReturnType<typeof setTimeout> | undefined;
  private announced = false;
  private over = false;

  constructor(
    private readonly ctx: CallContext,
    taskId: string,
  ) {
    this.status = dialingStatus(taskId, ctx.now());
  }

  get ended(): boolean {
    return this.over;
  }

  /**
   * Records the attempt with the seat, then sends the INVITE; the offer is prepared meanwhile (offer.ts), so the
   * INVITE leaves once both are done, never before the seat has recorded the attempt. Throws only when the
   * seat refused the attempt.
   *
   * The `dialing` status goes out once the offer only waits for ICE candidates (some 20–70 ms after the dial),
   * or after `ANNOUNCE_MS` (a slow microphone): rendering it at once held up the microphone and the offer on
   * the main thread (measured: the whole task view re-renders for it), while the ICE wait leaves it idle.
   */
  async start(): Promise<void> {
    const { attemptId, taskId } = this.status;
    const recorded = call(this.ctx.seat, 'call.start', { attemptId, taskId });
    const sessionDescriptionHandlerOptions: Web.SessionDescriptionHandlerOptions = {
      constraints: { audio: audioConstraints(this.ctx.config), video: false },
    };
    const offer = this.ctx.prepareOffer(sessionDescriptionHandlerOptions, () => {
      performance.mark('phone:offer');
      this.announce();
    });
    this.announceTimer = setTimeout(() => this.announce(), ANNOUNCE_MS);
    let target: string;
    try {
      ({ target } = await recorded);
    } catch (error) {
      clearTimeout(this.announceTimer);
      offer.discard();
      throw error;
    }
    performance.mark('phone:started');
    // From here on the attempt is a fact: every path below ends in `end()`, which reports it once.
    const uri = UserAgent.makeURI(target);
    if (this.hangupRequested || !uri) {
      offer.discard();
      return this.end();
    }
    let inviter: Inviter;
    try {
      inviter = new Inviter(this.ctx.ua, uri, { sessionDescriptionHandlerOptions });
    } catch (error) {
      console.warn('INVITE not created', error);
      offer.discard();
      return this.end();
    }
    this.inviter = inviter;
    inviter.stateChange.addListener((state) => {
      if (state === SessionState.Established) this.established();
      // sip.js moves to Terminated before it hands the final response to our requestDelegate (e.g. a 486
      // calls onReject after the transition): end on the next task, once the code is known.
      if (state === SessionState.Terminated) setTimeout(() => this.end(), 0);
    });
    this.ringTimer = setTimeout(() => this.ringTimeout(), this.ctx.config.ringTimeoutSec * 1000);
    try {
      performance.mark('phone:invite');
      await offer.invite(() =>
        inviter.invite({
          requestDelegate: {
            onProgress: ({ message }) => {
              if ((message.statusCode ?? 0) > 100 && this.status.phase === 'dialing') {
                this.patch({ phase: 'ringing' });
                // A 183 carries the far end's own sound (early media); a 180 none, so the agent hears ours.
                if (message.statusCode === 180) {
                  this.stopRingback = startRingback(this.context(), this.ctx.config.ringTimeoutSec);
                }
              }
            },
            onReject: ({ message }) => {
              this.finalCode = message.statusCode ?? null;
            },
            onAccept: () => {
              this.finalCode = 200;
            },
          },
        }),
      );
      // Hung up (or timed out) while the INVITE was being prepared: cancel it now that it is out.
      if (this.hangupRequested || this.ringTimedOut) return this.abort();
    } catch (error) {
      // No microphone, or the INVITE could not be sent: sip.js terminates the session, which ends the attempt.
      console.warn('INVITE not sent', error);
    }
  }

  async hangup(): Promise<void> {
    if (this.over) return;
    this.hangupRequested = true;
    // Without an inviter we are still in call.start: start() sees the flag and ends the attempt.
    this.abort();
  }

  /** CANCEL before the answer, BYE after it. */
  private abort(): void {
    const inviter = this.inviter;
    if (!inviter) return;
    const failed = (error: unknown) => console.warn('hang-up failed', error);
    if (inviter.state === SessionState.Establishing) inviter.cancel().catch(failed);
    else if (inviter.state === SessionState.Established) inviter.bye().catch(failed);
    // Initial: the INVITE is still being prepared (microphone, ICE). Cancelling now would let a late
    // getUserMedia leave the microphone open in a closed session; start() cancels once the INVITE is out.
  }

  setMuted(muted: boolean): void {
    if (this.over) return;
    this.patch({ muted });
    this.applyTracks();
  }

  /** Hold by re-INVITE: sip.js 0.21 offers `sendonly` when `sessionDescriptionHandlerOptions.hold` is set. */
  async setHeld(held: boolean): Promise<void> {
    const inviter = this.inviter;
    if (!inviter || this.status.phase !== 'established' || this.status.held === held) return;
    await new Promise<void>((resolve, reject) => {
      inviter
        .invite({
          sessionDescriptionHandlerOptions: { hold: held } as Web.SessionDescriptionHandlerOptions,
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: ({ message }) => reject(new Error(`对方拒绝了保持/恢复请求（${message.statusCode}）`)),
          },
        })
        .catch(reject);
    });
    this.liveness?.hold(this.ctx.now(), held);
    this.patch({ held });
    this.applyTracks();
  }

  /** RFC 4733 telephone-event on the audio sender when the far end negotiated it, else SIP INFO. */
  sendDtmf(digit: string): void {
    const tone = digit.toUpperCase();
    if (!DTMF.test(tone) || this.status.phase !== 'established' || !this.inviter) return;
    if (this.sdh()?.sendDtmf(tone, { duration: 100, interToneGap: 70 })) return;
    const content = `Signal=${tone}\r\nDuration=100\r\n`;
    this.inviter
      .info({
        requestOptions: {
          body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content },
        },
      })
      .catch((error: unknown) => console.warn('DTMF INFO not sent', error));
  }

  /** Reports the status if nothing has yet (the first report of a dial). */
  private announce(): void {
    if (this.announced || this.over) return;
    this.patch({});
  }

  private ringTimeout(): void {
    if (this.over || this.status.phase === 'established') return;
    this.ringTimedOut = true;
    this.abort();
  }

  private established(): void {
    performance.mark('phone:established');
    clearTimeout(this.ringTimer);
    this.stopRingback();
    const answeredAt = this.ctx.now();
    const sdh = this.sdh();
    if (sdh) {
      playRemote(this.ctx.audio, sdh.remoteMediaStream, this.ctx.config.outputDeviceId);
      // The meters and the statistics start with the conversation: the meter started while ringing, its 20 Hz
      // updates slowed call set-up.
      const watch = new LivenessWatch(
        {
          warnAfterMs: this.ctx.config.silenceWarnSec * 1000,
          endAfterMs: this.ctx.config.deadCallSec * 1000,
        },
        answeredAt,
      );
      this.liveness = watch;
      this.stopMeter = meterLevels(
        this.context(),
        [
          { stream: sdh.localMediaStream, report: this.ctx.level },
          {
            stream: sdh.remoteMediaStream,
            report: (value) => {
              watch.level(this.ctx.now(), value);
              this.ctx.remoteLevel(value);
            },
          },
        ],
        METER_INTERVAL_MS,
      );
      this.stopStats = pollQuality(
        () => this.sdh()?.peerConnection,
        () => !this.status.held,
        (quality) => {
          if (quality) watch.packets(this.ctx.now(), quality.packetsReceived);
          this.ctx.quality(quality);
        },
      );
      this.stopLiveness = this.watchLiveness(watch, sdh.peerConnection);
      try {
        this.recording = startRecording({
          seat: this.ctx.seat,
          attemptId: this.status.attemptId,
          audioContext: this.context(),
          local: sdh.localMediaStream,
          remote: sdh.remoteMediaStream,
          now: this.ctx.now,
          ...(this.ctx.MediaRecorderCtor ? { MediaRecorderCtor: this.ctx.MediaRecorderCtor } : {}),
        });
      } catch (error) {
        // Recording is mandatory: a call that cannot be recorded must not go on. (Not from inside sip.js's
        // state-change callback, which is where we are.)
        console.error('recording could not start; hanging up', error);
        setTimeout(() => void this.hangup(), 0);
      }
    }
    this.patch({ phase: 'established', answeredAt, recordingId: this.recording?.recordingId ?? null });
  }

  /**
   * Asks the watch once a second, and at once when ICE changes state, whether the customer is still there:
   * a warning goes into the status, a dead call is hung up (BYE, which may never arrive: the attempt ends here
   * regardless) and recorded as interrupted.
   */
  private watchLiveness(watch: LivenessWatch, pc: RTCPeerConnection | undefined): () => void {
    const check = () => {
      if (this.over) return;
      const verdict = watch.verdict(this.ctx.now());
      if (verdict.end) {
        this.deadReason = verdict.end;
        console.warn(`call ended by the phone: ${verdict.end}`);
        this.abort();
        this.end();
        return;
      }
      if (verdict.warning !== this.status.warning) this.patch({ warning: verdict.warning });
    };
    const onIce = () => {
      if (!pc) return;
      // A failed DTLS transport fails the connection while ICE itself may still say `connected`.
      const state = pc.connectionState === 'failed' ? 'failed' : pc.iceConnectionState;
      if (state === 'disconnected' || state === 'failed') {
        console.warn(`ICE ${pc.iceConnectionState}, connection ${pc.connectionState}`);
      }
      watch.ice(state);
      check();
    };
    pc?.addEventListener('iceconnectionstatechange', onIce);
    pc?.addEventListener('connectionstatechange', onIce);
    const timer = setInterval(check, LIVENESS_INTERVAL_MS);
    return () => {
      clearInterval(timer);
      pc?.removeEventListener('iceconnectionstatechange', onIce);
      pc?.removeEventListener('connectionstatechange', onIce);
    };
  }

  /** The single end of the attempt: status `ended` with its outcome, `call.end` once, the recording closed. */
  private end(): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.ringTimer);
    this.stopLiveness();
    this.stopMeter();
    this.stopStats();
    this.stopRingback();
    stopRemote(this.ctx.audio);
    const answered = this.status.answeredAt !== null;
    const sipCode = answered ? 200 : this.finalCode;
    const outcome = this.deadReason
      ? 'interrupted'
      : attemptOutcome({ answered, sipCode, ringTimedOut: this.ringTimedOut });
    const endReason = answered ? (this.deadReason ?? (this.hangupRequested ? 'agent' : 'customer')) : null;
    const endedAt = this.ctx.now();
    this.patch({ phase: 'ended', endedAt, outcome, sipCode, endReason, warning: null });
    const { attemptId, answeredAt } = this.status;
    call(this.ctx.seat, 'call.end', {
      attemptId,
      answeredAt: answeredAt === null ? null : new Date(answeredAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      outcome,
      sipCode,
    }).catch((error: unknown) => console.error('call.end not recorded', error));
    if (this.recording) void this.recording.stop();
  }

  private applyTracks(): void {
    // What the customer hears is what the left channel of the recording holds.
    for (const track of this.sdh()?.localMediaStream.getAudioTracks() ?? []) {
      track.enabled = !this.status.muted && !this.status.held;
    }
  }

  private patch(change: Partial<CallStatus>): void {
    this.status = { ...this.status, ...change };
    this.announced = true;
    clearTimeout(this.announceTimer);
    this.ctx.update(this.status);
  }

  private sdh(): Web.SessionDescriptionHandler | null {
    const sdh = this.inviter?.sessionDescriptionHandler;
    return sdh instanceof Web.SessionDescriptionHandler ? sdh : null;
  }

  private context(): AudioContext {
    return this.ctx.audioContext();
  }
}
