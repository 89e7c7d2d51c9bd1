/**
 * The seat's phone: sip.js over WebRTC, registered with the PBX, placing one call at a time and recording it
 * through the seat contract. The UI sees only `Phone` (shared/phone/service.ts) plus `mark` and `clear`.
 *
 * Call status lifecycle: `dialing` → `ringing` → `established` → `ended` (with its outcome). The ended status
 * stays as `phone.call` so the panel can show how the dial ended during wrap-up; it is cleared (a `null` call
 * event) by `clear()`, or replaced by the next dial's first status (which comes once that dial's offer is made,
 * see call.ts; `null` if the seat refuses it). A `configure()` that changes the SIP account, and `close()`,
 * hang up a call in progress first (it ends like any other hang-up).
 */
import type { Web } from 'sip.js';
import type { SeatBridge } from '../../shared/contract';
import type { CallStatus, Phone, PhoneConfig, PhoneEvents, Registration } from '../../shared/phone/service';
import { OutboundCall } from './call';
import { Offers } from './offer';
import { type Line, lineKey, openLine } from './registration';
import { Emitter } from './util';

export interface PhoneDeps {
  /** Where the microphone comes from (tests pass a fake); default `navigator.mediaDevices`. */
  mediaDevices?: Pick<MediaDevices, 'getUserMedia'>;
  AudioContextCtor?: typeof AudioContext;
  MediaRecorderCtor?: typeof MediaRecorder;
  /** Wall clock in ms since epoch; default `Date.now`. */
  now?: () => number;
}

export interface SipPhone extends Phone {
  /** Mark the current call's recording at this moment (the script runner's answers and disclosures). */
  mark(label: string): Promise<void>;
  /** Forget the ended call's status (emits `null`); does nothing while a call is up. */
  clear(): void;
}

export function createPhone(seat: SeatBridge, deps: PhoneDeps = {}): SipPhone {
  const events = new Emitter<PhoneEvents>();
  const now = deps.now ?? Date.now;
  const mediaStreamFactory: Web.MediaStreamFactory = (constraints) => {
    if (!constraints.audio && !constraints.video) return Promise.resolve(new MediaStream());
    const devices = deps.mediaDevices ?? navigator.mediaDevices;
    if (!devices) return Promise.reject(new Error('此页面无法使用麦克风（需要安全上下文）'));
    return devices.getUserMedia(constraints);
  };
  const offers = new Offers(mediaStreamFactory);
  // Created once and kept: the remote stream must play in a media element for Web Audio to hear it.
  const audio = document.createElement('audio');
  audio.autoplay = true;
  // One audio graph context for every call's meter and recorder, made at the first call (after a click, so it
  // is allowed to run) and kept: making one per call cost the call's set-up tens of milliseconds.
  let context: AudioContext | null = null;
  const sharedAudioContext = (): AudioContext => {
    if (!context || context.state === 'closed') {
      context = new (deps.AudioContextCtor ?? AudioContext)();
    }
    if (context.state === 'suspended') context.resume().catch(() => undefined);
    return context;
  };

  let registration: Registration = { state: 'not_configured' };
  let config: PhoneConfig | null = null;
  let line: Line | null = null;
  let key = '';
  /** Bumped whenever the line is replaced, so reports from an old line are ignored. */
  let generation = 0;
  let current: OutboundCall | null = null;
  let status: CallStatus | null = null;

  const setRegistration = (next: Registration) => {
    registration = next;
    events.emit('registration', next);
  };
  const setStatus = (next: CallStatus | null) => {
    status = next;
    events.emit('call', next);
  };
  const clear = () => {
    if (current && !current.ended) return;
    current = null;
    if (status !== null) setStatus(null);
  };
  // configure()/close() one at a time: two overlapping ones would otherwise both open a line.
  let queue: Promise<void> = Promise.resolve();
  const serially = (task: () => Promise<void>): Promise<void> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };
  const closeLine = async () => {
    generation += 1;
    if (current && !current.ended) await current.hangup();
    const old = line;
    line = null;
    key = '';
    if (old) await old.stop();
  };

  return {
    get registration() {
      return registration;
    },
    get call() {
      return status;
    },

    configure: (next: PhoneConfig) =>
      serially(async () => {
        const nextKey = lineKey(next);
        config = next;
        // Media settings (devices, echo cancellation, ring timeout) apply from the next call; no re-REGISTER.
        if (line && nextKey === key) return;
        await closeLine();
        const mine = generation;
        line = openLine(next, offers.factory, (r) => {
          if (mine === generation) setRegistration(r);
        });
        key = line ? nextKey : '';
      }),

    async dial(taskId: string): Promise<void> {
      // User Timing marks: `npm run bench -- phone` reads dial → established from them.
      performance.mark('phone:dial');
      if (!line || !config || registration.state !== 'registered')
        throw new Error('电话尚未注册，暂不能拨号');
      if (current && !current.ended) throw new Error('已有通话进行中');
      // The ended call's status stays until this call's first one replaces it: no render in the dial's task.
      const ua = line.ua;
      const placed = new OutboundCall(
        {
          seat,
          ua,
          config,
          now,
          audioContext: sharedAudioContext,
          ...(deps.MediaRecorderCtor ? { MediaRecorderCtor: deps.MediaRecorderCtor } : {}),
          audio,
          prepareOffer: (options, onGathering) => offers.prepare(ua, options, onGathering),
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
        // The seat refused the attempt (nothing was recorded, nothing to end): forget it and let the UI say why.
        if (current === placed) {
          current = null;
          setStatus(null);
        }
        throw error;
      }
    },

    hangup: () => current?.hangup() ?? Promise.resolve(),
    setMuted: (muted) => current?.setMuted(muted),
    setHeld: (held) => current?.setHeld(held) ?? Promise.resolve(),
    sendDtmf: (digit) => current?.sendDtmf(digit),

    mark(label: string): Promise<void> {
      const recording = current && !current.ended ? current.recording : null;
      if (!recording) return Promise.reject(new Error('当前没有正在录音的通话'));
      return recording.mark(label);
    },
    clear,

    on: (event, listener) => events.on(event, listener),

    close: () =>
      serially(async () => {
        await closeLine();
        config = null;
        await context?.close().catch(() => undefined);
        context = null;
        setRegistration({ state: 'not_configured' });
      }),
  };
}
