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
 * The customer's turns follow one another in the persona's order: `answer` and `previous` turns are scheduled
 * on the audio clock as soon as the turn before them is; an `agent_speaks` turn waits for the agent (see
 * `TrainingTurn.after`). `progress` (and `onProgress`) says how many turns have started.
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

/** One turn of the customer: its clip (a file name the loader knows), when it starts, and its pause before. */
export interface TrainingTurn {
  clip: string;
  /**
   * `'answer'`: `delayMs` from the answer. `'previous'`: from the end of the turn before. `'agent_speaks'`:
   * from the moment the agent has spoken and paused (the microphone above `SPEECH_LEVEL` for ≥ 300 ms, then
   * below it for ≥ 700 ms), or has recorded a script answer (`mark()` / `scriptAnswered()`), whichever
   * comes first, once the turn before has ended; a silent microphone never keeps the customer waiting.
   */
  after: 'answer' | 'previous' | 'agent_speaks';
  delayMs: number;
}

/**
 * A simulated customer, as this phone needs it: the shape of the contract's `PersonaSummary`
 * (shared/contract/training.ts), which `training.personas` gives and which can be passed as is.
 */
export interface TrainingPersona {
  id: string;
  line: { kind: 'answer' | 'busy' | 'no_answer'; ringMs: number; sipCode?: number | undefined };
  turns: TrainingTurn[];
  /** The customer hangs up this long after their last turn has finished (after answering, with no turns). */
  hangUpAfterMs?: number | undefined;
}

/** How far the simulated customer is in the current (or last) call: turns started of all turns. */
export interface TrainingProgress {
  attemptId: string;
  personaId: string;
  played: number;
  /** Turns whose clip has played to its end (`played - spoken` is 1 while the customer speaks). */
  spoken: number;
  /** The customer waits for the agent (an `agent_speaks` turn is due once the agent speaks or answers). */
  listening: boolean;
  total: number;
}

export interface TrainingPhoneDeps extends PhoneDeps {
  /** A clip's bytes (an Ogg Opus file) by its name; default the seat's `training.clip`. */
  loadClip?: (clip: string) => Promise<ArrayBuffer>;
}

export interface TrainingPhone extends SipPhone {
  /** The UI tells the training line from a PBX line by this. */
  readonly training: true;
  /** The customer the next dial reaches; `null` refuses a dial. */
  readonly persona: TrainingPersona | null;
  /** Who answers from the next dial on (a call in progress keeps its customer). */
  setPersona(persona: TrainingPersona | null): void;
  /** The current or last call's progress; `null` before the first dial. */
  readonly progress: TrainingProgress | null;
  onProgress(listener: (progress: TrainingProgress | null) => void): () => void;
  /** The agent recorded a script answer: as `mark()` for the customer's `agent_speaks` turns, with no mark. */
  scriptAnswered(): void;
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
/**
 * The agent is speaking while the microphone's level (media.ts's scale: −60 dBFS → 0, 0 dBFS → 1) is above
 * this: −39 dBFS, above a quiet room's noise, below a voice at a headset's microphone.
 */
export const SPEECH_LEVEL = 0.35;
/** Speech for this long (gaps of up to `SPEECH_GAP_MS` included), then a pause this long: the agent has spoken. */
export const SPOKE_MS = 300;
export const PAUSE_MS = 700;
const SPEECH_GAP_MS = 120;

export function createTrainingPhone(
  seat: SeatBridge,
  initialPersona: TrainingPersona | null,
  deps: TrainingPhoneDeps = {},
): TrainingPhone {
  const events = new Emitter<PhoneEvents & { progress: TrainingProgress | null }>();
  const now = deps.now ?? Date.now;
  const loadClip = deps.loadClip ?? ((clip: string) => seatClip(seat, clip));
  let persona = initialPersona;
  // As in sip-phone.ts: one element the customer plays in, one audio context for every call, made at the
  // first dial (after a click, so it may run).
  const audio = document.createElement('audio');
  audio.autoplay = true;
  let context: AudioContext | null = null;
  const sharedAudioContext = (): AudioContext => {
    if (!context || context.state === 'closed') {
      context = new (deps.AudioContextCtor ?? AudioContext)();
      clips.clear();
    }
    if (context.state === 'suspended') context.resume().catch(() => undefined);
    return context;
  };
  // Decoded once per context: a second call of the same persona starts without loading again.
  const clips = new Map<string, Promise<AudioBuffer>>();
  const decode = (ctx: AudioContext, clip: string): Promise<AudioBuffer> => {
    let decoded = clips.get(clip);
    if (!decoded) {
      decoded = loadClip(clip).then((bytes) => ctx.decodeAudioData(bytes));
      decoded.catch(() => clips.delete(clip));
      clips.set(clip, decoded);
    }
    return decoded;
  };

  const registration: Registration = { state: 'registered' };
  let config: PhoneConfig | null = null;
  let current: TrainingCall | null = null;
  let status: CallStatus | null = null;
  let progress: TrainingProgress | null = null;
  const setStatus = (next: CallStatus | null) => {
    status = next;
    events.emit('call', next);
  };
  const setProgress = (next: TrainingProgress | null) => {
    progress = next;
    events.emit('progress', next);
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
    get persona() {
      return persona;
    },
    setPersona(next) {
      persona = next;
    },
    get progress() {
      return progress;
    },
    onProgress: (listener) => events.on('progress', listener),

    // Only the media settings matter here (microphone, output device); the line itself is always ready.
    configure: async (next: PhoneConfig) => {
      config = next;
    },

    async dial(taskId: string): Promise<void> {
      performance.mark('phone:dial');
      if (current && !current.ended) throw new Error('已有通话进行中');
      const who = persona;
      if (!who) throw new Error('请先选择演练客户');
      const ctx = sharedAudioContext();
      const placed = new TrainingCall(
        {
          seat,
          persona: who,
          config,
          now,
          audioContext: ctx,
          audio,
          decode: (clip) => decode(ctx, clip),
          getUserMedia: (constraints) => {
            const devices = deps.mediaDevices ?? navigator.mediaDevices;
            if (!devices) return Promise.reject(new Error('此页面无法使用麦克风（需要安全上下文）'));
            return devices.getUserMedia(constraints);
          },
          ...(deps.MediaRecorderCtor ? { MediaRecorderCtor: deps.MediaRecorderCtor } : {}),
          update: (s) => {
            if (current === placed) setStatus(s);
          },
          played: (played, spoken, listening) => {
            if (current === placed) {
              setProgress({
                attemptId: placed.status.attemptId,
                personaId: who.id,
                played,
                spoken,
                listening,
                total: who.turns.length,
              });
            }
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
          setProgress(null);
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
      const placed = current && !current.ended ? current : null;
      const recording = placed?.recording ?? null;
      if (!placed || !recording) return Promise.reject(new Error('当前没有正在录音的通话'));
      placed.agentAnswered();
      return recording.mark(label);
    },
    scriptAnswered() {
      if (current && !current.ended) current.agentAnswered();
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

/** A clip through the seat contract (`training.clip`): the same in the Electron renderer and the browser seat. */
async function seatClip(seat: SeatBridge, clip: string): Promise<ArrayBuffer> {
  const { data } = await call(seat, 'training.clip', { clip });
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

interface TrainingContext {
  seat: SeatBridge;
  persona: TrainingPersona;
  config: PhoneConfig | null;
  now: () => number;
  audioContext: AudioContext;
  audio: HTMLAudioElement;
  decode(clip: string): Promise<AudioBuffer>;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  MediaRecorderCtor?: typeof MediaRecorder;
  update(status: CallStatus): void;
  /** How many of the persona's turns have started, and how many have finished. */
  played(count: number, spoken: number, listening: boolean): void;
  level(value: number): void;
  remoteLevel(value: number): void;
  quality(value: null): void;
}

interface VoicedTurn {
  buffer: AudioBuffer;
  after: TrainingTurn['after'];
  delayMs: number;
}

/**
 * Tells from the microphone's levels when the agent has spoken and paused: speech for `SPOKE_MS` (short dips
 * between syllables included), then `PAUSE_MS` below `SPEECH_LEVEL`. Chromium's fake microphone (a 20 ms
 * beep twice a second) never counts as speech.
 */
class SpeechDetector {
  private runFrom: number | null = null;
  private lastVoiced = -Infinity;
  private spoke = false;

  /** Feeds one level at `at` (ms); true once when the agent has spoken and then paused. */
  feed(level: number, at: number): boolean {
    if (level > SPEECH_LEVEL) {
      if (this.runFrom === null || at - this.lastVoiced > SPEECH_GAP_MS) this.runFrom = at;
      this.lastVoiced = at;
      if (at - this.runFrom >= SPOKE_MS) this.spoke = true;
      return false;
    }
    if (this.spoke && at - this.lastVoiced >= PAUSE_MS) {
      this.reset();
      return true;
    }
    return false;
  }

  reset(): void {
    this.runFrom = null;
    this.lastVoiced = -Infinity;
    this.spoke = false;
  }
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
  /** The customer's decoded turns and the audio clock at the answer. */
  private turns: VoicedTurn[] = [];
  private answeredAt = 0;
  /** An `agent_speaks` turn waiting for the agent: it starts when `cue()` is called. */
  private waiting: (() => void) | null = null;
  /** The agent recorded an answer since the customer's last turn started: the next such turn need not wait. */
  private answeredSinceTurn = false;
  /** Turns started and turns finished, for the progress the UI shows. */
  private started = 0;
  private spoken = 0;
  /** The seat's ring timeout ended the ringing (487 after our own CANCEL: no answer). */
  private ringTimedOut = false;
  private readonly speech = new SpeechDetector();

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
    const recorded = call(this.ctx.seat, 'call.start', {
      attemptId,
      taskId,
      line: { kind: 'training', personaId: this.ctx.persona.id },
    });
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
    this.ctx.played(0, 0, false);
    const { line } = this.ctx.persona;
    // Decoding runs while the line rings, so the answer does not wait for it.
    const voiced = line.kind === 'answer' ? this.prepareVoice() : null;
    voiced?.catch(() => undefined);
    // The seat's own ring timeout cancels a line that rings longer (as call.ts does: a CANCEL, 487).
    const ringLimitMs = (this.ctx.config?.ringTimeoutSec ?? Number.POSITIVE_INFINITY) * 1000;
    const ringMs = Math.min(line.ringMs, ringLimitMs);
    this.later(Math.min(RINGING_AFTER_MS, ringMs), () => {
      if (this.status.phase !== 'dialing') return;
      this.patch({ phase: 'ringing' });
      this.stopRingback = startRingback(this.ctx.audioContext, Math.ceil(ringMs / 1000) + 1);
    });
    if (ringLimitMs < line.ringMs) {
      this.later(ringLimitMs, () => {
        if (this.over || this.status.phase === 'established') return;
        this.finalCode = 487;
        this.ringTimedOut = true;
        this.end();
      });
    }
    this.later(line.ringMs, () => {
      if (this.over) return;
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

  /** The agent recorded a script answer: a waiting `agent_speaks` turn goes on (else the next one will). */
  agentAnswered(): void {
    if (this.over || this.status.phase !== 'established') return;
    this.answeredSinceTurn = true;
    this.cue();
  }

  /** The microphone and the decoded clips, both needed before the customer can answer. */
  private async prepareVoice(): Promise<VoicedTurn[]> {
    const turns = this.ctx.persona.turns;
    const buffers = await Promise.all(turns.map((turn) => this.ctx.decode(turn.clip)));
    return turns.map((turn, i) => ({
      buffer: buffers[i] as AudioBuffer,
      after: turn.after,
      delayMs: turn.delayMs,
    }));
  }

  private async established(turns: VoicedTurn[]): Promise<void> {
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
    playRemote(this.ctx.audio, customer.stream, this.ctx.config?.outputDeviceId ?? '');
    this.stopMeter = meterLevels(ac, [
      {
        stream: local,
        report: (value) => {
          this.ctx.level(value);
          this.heard(value);
        },
      },
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
    // The schedule, in the context's own clock so the clips do not drift against the recording.
    this.turns = turns;
    this.answeredAt = ac.currentTime;
    this.next(0, this.answeredAt);
  }

  /**
   * Schedules turn `i`, the turn before it ending at `readyAt` (audio clock, s): at once for an `answer` or
   * `previous` turn, once the agent has spoken or answered for an `agent_speaks` one. After the last turn the
   * customer hangs up when the persona says so.
   */
  private next(i: number, readyAt: number): void {
    if (this.over) return;
    const ac = this.ctx.audioContext;
    const turn = this.turns[i];
    if (!turn) {
      // The customer's BYE, counted from the end of their last turn (as shared/training/persona.ts has it). The
      // call was answered, so it ends as answered, as a remote hang-up does on a PBX.
      const { hangUpAfterMs } = this.ctx.persona;
      if (hangUpAfterMs !== undefined) {
        const lastTurnEndsInMs = Math.max(0, (readyAt - ac.currentTime) * 1000);
        this.later(lastTurnEndsInMs + hangUpAfterMs, () => this.end());
      }
      return;
    }
    if (turn.after !== 'agent_speaks') {
      const from = turn.after === 'answer' ? Math.max(readyAt, this.answeredAt + turn.delayMs / 1000) : null;
      this.play(i, from ?? readyAt + turn.delayMs / 1000);
      return;
    }
    // agent_speaks: from the end of the turn before, the agent's speech and pause or a recorded answer. The
    // end counts in the audio clock, which lags the timers when the audio thread is starved: the customer
    // listens only once their last clip has really played.
    const listen = () => {
      if (this.over) return;
      const lag = readyAt - ac.currentTime;
      if (lag > 0.005) {
        this.later(lag * 1000 + 5, listen);
        return;
      }
      this.speech.reset();
      this.waiting = () => {
        this.waiting = null;
        this.ctx.played(this.started, this.spoken, false);
        this.play(i, Math.max(ac.currentTime, readyAt) + turn.delayMs / 1000);
      };
      if (this.answeredSinceTurn) this.cue();
      else this.ctx.played(this.started, this.spoken, true);
    };
    this.later(Math.max(0, (readyAt - ac.currentTime) * 1000), listen);
  }

  /** Turn `i` starts at `startAt` (audio clock); the next one is scheduled from its end. */
  private play(i: number, startAt: number): void {
    const turn = this.turns[i] as VoicedTurn;
    const ac = this.ctx.audioContext;
    const source = ac.createBufferSource();
    source.buffer = turn.buffer;
    source.connect(this.voice as GainNode);
    source.start(startAt);
    this.sources.push(source);
    this.later(Math.max(0, (startAt - ac.currentTime) * 1000), () => {
      if (this.over) return;
      this.answeredSinceTurn = false;
      this.started = i + 1;
      this.ctx.played(this.started, this.spoken, this.waiting !== null);
    });
    source.onended = () => {
      if (this.over) return;
      this.spoken = Math.max(this.spoken, i + 1);
      this.ctx.played(this.started, this.spoken, this.waiting !== null);
    };
    this.next(i + 1, startAt + turn.buffer.duration);
  }

  /** The agent's cue for a waiting `agent_speaks` turn. */
  private cue(): void {
    this.waiting?.();
  }

  /** The microphone's level: a waiting turn goes on once the agent has spoken and paused. */
  private heard(level: number): void {
    if (this.over) return;
    // Fed even while no turn waits is harmless: the detector is reset when one starts waiting.
    if (this.speech.feed(level, performance.now()) && this.waiting) this.cue();
  }

  /** The single end of the attempt: status `ended` with its outcome, `call.end` once, the recording closed. */
  private end(): void {
    if (this.over) return;
    this.over = true;
    this.waiting = null;
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
    const outcome = attemptOutcome({ answered, sipCode, ringTimedOut: this.ringTimedOut });
    const endReason = answered ? (this.hangupRequested ? 'agent' : 'customer') : null;
    const endedAt = this.ctx.now();
    this.patch({ phase: 'ended', endedAt, outcome, sipCode, endReason });
    this.ctx.quality(null);
    const { attemptId, answeredAt } = this.status;
    call(this.ctx.seat, 'call.end', {
      attemptId,
      answeredAt: answeredAt === null ? null : new Date(answeredAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      outcome,
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
