/**
 * The training line (issue #15): the same `SipPhone` the UI uses, with no SIP and no network. A simulated
 * customer (a persona) rings, answers or not, and speaks recorded clips; everything around it is the product's
 * real path: the attempt through `call.start`/`call.end` with the outcomes of shared/phone/outcome.ts, the
 * ringback, the level meters, and the mandatory stereo recording (recorder.ts: the microphone on the left, the
 * customer on the right) with its marks.
 *
 * The customer's voice is a real remote MediaStream: the clips, decoded in the phone's AudioContext, play on
 * schedule into a `MediaStreamAudioDestinationNode`, and that stream is what the agent hears, what the remote
 * meter reads and what the recorder puts on the right channel.
 *
 * Status lifecycle as in sip-phone.ts: `dialing` (once the seat has recorded the attempt) → `ringing` → at the
 * persona's `ringMs` either `established` or `ended` (busy / no answer, with the SIP code the persona's line
 * gives) → `ended`; the ended status stays until `clear()` or the next dial.
 */
import type { SeatBridge } from '../../shared/contract';
import { attemptOutcome } from '../../shared/phone/outcome';
import type { CallStatus, PhoneConfig, PhoneEvents, Registration } from '../../shared/phone/service';
import { call } from '../app/seat-context';
import { audioConstraints, meterLevels, playRemote, stopRemote } from './media';
import { type CallRecording, startRecording } from './recorder';
import { startRingback } from './ringback';
import type { PhoneDeps, SipPhone } from './sip-phone';
import { dialingStatus, Emitter } from './util';

/**
 * A simulated customer, as this phone needs it. shared/training/persona.ts (the zod schema of the persona
 * files) names clips by file (`clip`) and has an `agent_speaks` turn; the caller resolves clips to URLs.
 * `turns[].after`: `'answer'` counts `delayMs` from the answer, `'previous'` from the end of the turn before.
 */
export interface TrainingPersona {
  id: string;
  line: { kind: 'answer' | 'busy' | 'no_answer'; ringMs: number; sipCode?: number };
  turns: { clipUrl: string; after: 'answer' | 'previous'; delayMs: number }[];
  /** The customer hangs up this long after their last turn has finished (after answering, with no turns). */
  hangUpAfterMs?: number;
}

export interface TrainingPhoneDeps extends PhoneDeps {
  /** How the page fetches the clips; default `fetch`. */
  fetch?: (url: string) => Promise<Response>;
}

export interface TrainingPhone extends SipPhone {
  /** The UI tells the training line from a PBX line by this. */
  readonly training: true;
}

/** `ringing` follows `dialing` this long after the attempt is recorded (or at ringMs, if that is sooner). */
const RINGING_AFTER_MS = 200;
/** The SIP code a line of this kind would have answered, when the persona does not say. */
const DEFAULT_CODE = { busy: 486, no_answer: 480 } as const;
/** Microphone settings before any `configure()`: as the settings' defaults. */
const DEFAULT_AUDIO: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export function createTrainingPhone(
  seat: SeatBridge,
  persona: TrainingPersona,
  deps: TrainingPhoneDeps = {},
): TrainingPhone {
  const events = new Emitter<PhoneEvents>();
  const now = deps.now ?? Date.now;
  const fetchClip = deps.fetch ?? ((url: string) => fetch(url));
  // As in sip-phone.ts: one element the customer plays in, one audio context for every call, made at the
  // first dial (after a click, so it may run).
  const audio = document.createElement('audio');
  audio.autoplay = true;
  let context: AudioContext | null = null;
  const sharedAudioContext = (): AudioContext => {
    if (!context || context.state === 'closed') context = new (deps.AudioContextCtor ?? AudioContext)();
    if (context.state === 'suspended') context.resume().catch(() => undefined);
    return context;
  };
  // Decoded once per context: a second call of the same persona starts without fetching again.
  const clips = new Map<string, Promise<AudioBuffer>>();
  const decode = (ctx: AudioContext, url: string): Promise<AudioBuffer> => {
    let clip = clips.get(url);
    if (!clip) {
      clip = fetchClip(url)
        .then((response) => {
          if (!response.ok) throw new Error(`演练录音无法加载：${url}（${response.status}）`);
          return response.arrayBuffer();
        })
        .then((bytes) => ctx.decodeAudioData(bytes));
      clip.catch(() => clips.delete(url));
      clips.set(url, clip);
    }
    return clip;
  };

  const registration: Registration = { state: 'registered' };
  let config: PhoneConfig | null = null;
  let current: TrainingCall | null = null;
  let status: CallStatus | null = null;
  const setStatus = (next: CallStatus | null) => {
    status = next;
    events.emit('call', next);
  };

  const hangup = () => current?.hangup() ?? Promise.resolve();

  return {
    training: true,
    get registration() {
      return registration;
    },
    get call() {
      return status;
    },

    // Only the media settings matter here (microphone, output device); the line itself is always ready.
    configure: async (next: PhoneConfig) => {
      config = next;
    },

    async dial(taskId: string): Promise<void> {
      performance.mark('phone:dial');
      if (current && !current.ended) throw new Error('已有通话进行中');
      const ctx = sharedAudioContext();
      const placed = new TrainingCall(
        {
          seat,
          persona,
          config,
          now,
          audioContext: ctx,
          audio,
          decode: (url) => decode(ctx, url),
          getUserMedia: (constraints) => {
            const devices = deps.mediaDevices ?? navigator.mediaDevices;
            if (!devices) return Promise.reject(new Error('此页面无法使用麦克风（需要安全上下文）'));
            return devices.getUserMedia(constraints);
          },
          ...(deps.MediaRecorderCtor ? { MediaRecorderCtor: deps.MediaRecorderCtor } : {}),
          update: (s) => {
            if (current === placed) setStatus(s);
          },
          level: (value) => events.emit('inputLevel', value),
          remoteLevel: (value) => events.emit('remoteLevel', value),
          quality: (value) => events.emit('quality', value),
        },
        taskId,
      );
      current = placed;
      try {
        await placed.start();
      } catch (error) {
        // The seat refused the attempt (nothing recorded, nothing to end).
        if (current === placed) {
          current = null;
          setStatus(null);
        }
        throw error;
      }
    },

    hangup,
    setMuted: (muted) => current?.setMuted(muted),
    setHeld: async (held) => current?.setHeld(held),
    // Nothing listens for tones on the training line.
    sendDtmf: () => {},

    mark(label: string): Promise<void> {
      const recording = current && !current.ended ? current.recording : null;
      if (!recording) return Promise.reject(new Error('当前没有正在录音的通话'));
      return recording.mark(label);
    },
    clear() {
      if (current && !current.ended) return;
      current = null;
      if (status !== null) setStatus(null);
    },

    on: (event, listener) => events.on(event, listener),

    async close() {
      await hangup();
      await context?.close().catch(() => undefined);
      context = null;
      clips.clear();
    },
  };
}

interface TrainingContext {
  seat: SeatBridge;
  persona: TrainingPersona;
  config: PhoneConfig | null;
  now: () => number;
  audioContext: AudioContext;
  audio: HTMLAudioElement;
  decode(url: string): Promise<AudioBuffer>;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  MediaRecorderCtor?: typeof MediaRecorder;
  update(status: CallStatus): void;
  level(value: number): void;
  remoteLevel(value: number): void;
  quality(value: null): void;
}

/** One training call, from `call.start` to `call.end`, as OutboundCall (call.ts) is for a SIP call. */
class TrainingCall {
  status: CallStatus;
  recording: CallRecording | null = null;
  private over = false;
  private hangupRequested = false;
  /** The seat has recorded the attempt (`call.start` answered). */
  private recorded = false;
  private finalCode: number | null = null;
  private microphone: Promise<MediaStream> | null = null;
  private local: MediaStream | null = null;
  /** The customer's side: clips → `voice` gain → a MediaStreamAudioDestinationNode (the remote stream). */
  private voice: GainNode | null = null;
  private sources: AudioBufferSourceNode[] = [];
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private stopMeter: () => void = () => {};
  private stopRingback: () => void = () => {};

  constructor(
    private readonly ctx: TrainingContext,
    taskId: string,
  ) {
    this.status = dialingStatus(taskId, ctx.now());
  }

  get ended(): boolean {
    return this.over;
  }

  /** Records the attempt with the seat, then lets the persona's line ring. Throws only when the seat refused. */
  async start(): Promise<void> {
    const { attemptId, taskId } = this.status;
    const recorded = call(this.ctx.seat, 'call.start', { attemptId, taskId });
    // The microphone opens meanwhile, as the real phone's offer does.
    const constraints = this.ctx.config ? audioConstraints(this.ctx.config) : DEFAULT_AUDIO;
    this.microphone = this.ctx.getUserMedia({ audio: constraints, video: false });
    this.microphone.catch(() => undefined);
    try {
      await recorded;
    } catch (error) {
      void this.microphone.then(stopTracks, () => undefined);
      throw error;
    }
    this.recorded = true;
    performance.mark('phone:started');
    // From here on the attempt is a fact: every path ends in `end()`, which reports it once.
    if (this.hangupRequested) return this.end();
    this.patch({});
    const { line } = this.ctx.persona;
    // Decoding runs while the line rings, so the answer does not wait for it.
    const voiced = line.kind === 'answer' ? this.prepareVoice() : null;
    voiced?.catch(() => undefined);
    this.later(Math.min(RINGING_AFTER_MS, line.ringMs), () => {
      if (this.status.phase !== 'dialing') return;
      this.patch({ phase: 'ringing' });
      this.stopRingback = startRingback(this.ctx.audioContext, Math.ceil(line.ringMs / 1000) + 1);
    });
    this.later(line.ringMs, () => {
      if (line.kind === 'answer' && voiced) {
        voiced.then(
          (turns) => this.established(turns),
          (error: unknown) => {
            console.error('training call could not start', error);
            this.end();
          },
        );
      } else {
        this.finalCode = line.sipCode ?? DEFAULT_CODE[line.kind === 'busy' ? 'busy' : 'no_answer'];
        this.end();
      }
    });
  }

  async hangup(): Promise<void> {
    if (this.over) return;
    this.hangupRequested = true;
    // Still in call.start: start() sees the flag and ends the attempt.
    if (!this.recorded) return;
    // Before the answer this is the agent's CANCEL, which a PBX answers 487.
    if (this.status.phase !== 'established') this.finalCode = 487;
    this.end();
  }

  setMuted(muted: boolean): void {
    if (this.over) return;
    this.patch({ muted });
    this.applyTracks();
  }

  /** Hold: neither side hears the other (the recording's both channels go quiet, as with a real hold). */
  setHeld(held: boolean): void {
    if (this.status.phase !== 'established' || this.status.held === held) return;
    this.patch({ held });
    this.applyTracks();
    this.voice?.gain.setValueAtTime(held ? 0 : 1, this.ctx.audioContext.currentTime);
  }

  /** The microphone and the decoded clips, both needed before the customer can answer. */
  private async prepareVoice(): Promise<
    { buffer: AudioBuffer; after: 'answer' | 'previous'; delayMs: number }[]
  > {
    const turns = this.ctx.persona.turns;
    const buffers = await Promise.all(turns.map((turn) => this.ctx.decode(turn.clipUrl)));
    return turns.map((turn, i) => ({
      buffer: buffers[i] as AudioBuffer,
      after: turn.after,
      delayMs: turn.delayMs,
    }));
  }

  private async established(
    turns: { buffer: AudioBuffer; after: 'answer' | 'previous'; delayMs: number }[],
  ): Promise<void> {
    if (this.over) return;
    let local: MediaStream;
    try {
      local = await (this.microphone as Promise<MediaStream>);
    } catch (error) {
      // No microphone: the real phone's INVITE is never sent and the attempt fails; so here.
      console.warn('microphone not available', error);
      this.end();
      return;
    }
    if (this.over) {
      stopTracks(local);
      return;
    }
    this.local = local;
    performance.mark('phone:established');
    this.stopRingback();
    const ac = this.ctx.audioContext;
    const answeredAt = this.ctx.now();
    const customer = ac.createMediaStreamDestination();
    customer.channelCount = 1;
    const voice = ac.createGain();
    voice.connect(customer);
    this.voice = voice;
    // The schedule, in the context's own clock so the clips do not drift against the recording.
    let at = ac.currentTime;
    const t0 = at;
    for (const turn of turns) {
      const from = turn.after === 'answer' ? t0 : at;
      const startAt = from + turn.delayMs / 1000;
      const source = ac.createBufferSource();
      source.buffer = turn.buffer;
      source.connect(voice);
      source.start(startAt);
      this.sources.push(source);
      at = startAt + turn.buffer.duration;
    }
    playRemote(this.ctx.audio, customer.stream, this.ctx.config?.outputDeviceId ?? '');
    this.stopMeter = meterLevels(ac, [
      { stream: local, report: this.ctx.level },
      { stream: customer.stream, report: this.ctx.remoteLevel },
    ]);
    this.applyTracks();
    try {
      this.recording = startRecording({
        seat: this.ctx.seat,
        attemptId: this.status.attemptId,
        audioContext: ac,
        local,
        remote: customer.stream,
        now: this.ctx.now,
        ...(this.ctx.MediaRecorderCtor ? { MediaRecorderCtor: this.ctx.MediaRecorderCtor } : {}),
      });
    } catch (error) {
      // Recording is mandatory: a call that cannot be recorded must not go on.
      console.error('recording could not start; hanging up', error);
      this.later(0, () => void this.hangup());
    }
    this.patch({ phase: 'established', answeredAt, recordingId: this.recording?.recordingId ?? null });
    const { hangUpAfterMs } = this.ctx.persona;
    // The customer's BYE, counted from the end of their last turn (as shared/training/persona.ts has it). The
    // call was answered, so it ends as answered, as a remote hang-up does on a PBX.
    if (hangUpAfterMs !== undefined) {
      const lastTurnEndsInMs = Math.max(0, (at - ac.currentTime) * 1000);
      this.later(lastTurnEndsInMs + hangUpAfterMs, () => this.end());
    }
  }

  /** The single end of the attempt: status `ended` with its outcome, `call.end` once, the recording closed. */
  private end(): void {
    if (this.over) return;
    this.over = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.stopMeter();
    this.stopRingback();
    stopRemote(this.ctx.audio);
    for (const source of this.sources) {
      try {
        source.stop();
      } catch {
        // Never started (a schedule cut short): nothing to stop.
      }
      source.disconnect();
    }
    const answered = this.status.answeredAt !== null;
    const sipCode = answered ? 200 : this.finalCode;
    const outcome = attemptOutcome({ answered, sipCode, ringTimedOut: false });
    const endedAt = this.ctx.now();
    this.patch({ phase: 'ended', endedAt, outcome, sipCode });
    this.ctx.quality(null);
    const { attemptId, answeredAt } = this.status;
    call(this.ctx.seat, 'call.end', {
      attemptId,
      answeredAt: answeredAt === null ? null : new Date(answeredAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      outcome: outcome === 'interrupted' ? 'failed' : outcome,
      sipCode,
    }).catch((error: unknown) => console.error('call.end not recorded', error));
    const recording = this.recording;
    const release = () => {
      this.voice?.disconnect();
      if (this.local) stopTracks(this.local);
      else void this.microphone?.then(stopTracks, () => undefined);
    };
    // The microphone is released once the recorder has its last samples.
    if (recording) void recording.stop().then(release, release);
    else release();
  }

  private applyTracks(): void {
    for (const track of this.local?.getAudioTracks() ?? []) {
      track.enabled = !this.status.muted && !this.status.held;
    }
  }

  private later(ms: number, run: () => void): void {
    this.timers.push(setTimeout(run, ms));
  }

  private patch(change: Partial<CallStatus>): void {
    this.status = { ...this.status, ...change };
    this.ctx.update(this.status);
  }
}

function stopTracks(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
