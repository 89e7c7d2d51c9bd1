/**
 * The customer's phone: a sip.js user agent registered as `sip:<customer number>@127.0.0.1`, behaving as the
 * test sets it (`window.customer.setMode`): answer with a tone, answer with silence, busy (486), let it ring
 * (180, never answered) or decline (603). Its microphone is an oscillator (999 Hz by default), so the agent's
 * 440 Hz fake microphone and the customer can be told apart in what each side receives.
 */
import { type Invitation, RegistererState, SessionState, type Web } from 'sip.js';
import type {
  CustomerApi,
  CustomerCalls,
  CustomerMode,
  CustomerModeOptions,
  CustomerWindow,
  RigAccount,
} from '../page-api';
import {
  audio,
  createUserAgent,
  MediaMeter,
  type RigUserAgent,
  register,
  shutdown,
} from '../page-common.mts';

let rig: RigUserAgent | null = null;
let mode: CustomerMode = 'answer';
let modeOptions: CustomerModeOptions = {};
let current: Invitation | null = null;
const registration: { registered: boolean; code: number | null } = { registered: false, code: null };
const calls: CustomerCalls = { received: 0, lastState: 'none', lastEnd: null, lastFrom: null };
const meter = new MediaMeter();

/** The customer's "microphone": a tone at the mode's frequency, or silence (still sent as RTP). */
const toneFactory: Web.MediaStreamFactory = async () => {
  const ctx = audio();
  const oscillator = ctx.createOscillator();
  oscillator.frequency.value = modeOptions.toneHz ?? 999;
  const gain = ctx.createGain();
  gain.gain.value = mode === 'silent' ? 0 : 0.5;
  const destination = ctx.createMediaStreamDestination();
  oscillator.connect(gain).connect(destination);
  oscillator.start();
  const [track] = destination.stream.getAudioTracks();
  track?.addEventListener('ended', () => oscillator.stop());
  return destination.stream;
};

function peerConnection(invitation: Invitation): RTCPeerConnection | undefined {
  const sdh = invitation.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined;
  return sdh?.peerConnection;
}

function onInvite(invitation: Invitation): void {
  calls.received += 1;
  calls.lastState = 'ringing';
  calls.lastEnd = null;
  calls.lastFrom = invitation.remoteIdentity.uri.user ?? null;
  current = invitation;
  invitation.delegate = {
    onBye: () => {
      calls.lastEnd = 'bye_remote';
    },
    onCancel: () => {
      calls.lastEnd = 'cancelled';
    },
  };
  invitation.stateChange.addListener((state) => {
    if (state === SessionState.Established) {
      calls.lastState = 'established';
      if (mode === 'no_media') {
        for (const sender of peerConnection(invitation)?.getSenders() ?? []) {
          sender.replaceTrack(null).catch((error: unknown) => console.error('replaceTrack failed', error));
        }
      }
      meter.attach(invitation);
    } else if (state === SessionState.Terminated) {
      calls.lastState = 'terminated';
      calls.lastEnd ??= 'other';
      if (current === invitation) current = null;
      void meter.detach();
    }
  });
  switch (mode) {
    case 'busy':
      calls.lastEnd = 'rejected';
      void invitation.reject({ statusCode: 486 });
      return;
    case 'reject':
      calls.lastEnd = 'rejected';
      void invitation.reject({ statusCode: 603 });
      return;
    case 'no_answer':
      return; // sip.js has sent 180 Ringing; let it ring until the caller cancels
    case 'answer':
    case 'silent':
    case 'no_media': {
      const accept = () => {
        if (invitation.state !== SessionState.Initial) return; // cancelled meanwhile
        invitation.accept().catch((error: unknown) => console.error('accept failed', error));
      };
      const delay = modeOptions.answerDelayMs ?? 0;
      if (delay > 0) setTimeout(accept, delay);
      else accept();
    }
  }
}

const customer: CustomerApi = {
  async start(account: RigAccount) {
    await shutdown(rig);
    registration.registered = false;
    registration.code = null;
    rig = createUserAgent(account, { onInvite }, toneFactory);
    rig.registerer.stateChange.addListener((state) => {
      registration.registered = state === RegistererState.Registered;
    });
    const result = await register(rig);
    registration.code = result.code;
    return result;
  },
  setMode(next, options = {}) {
    mode = next;
    modeOptions = options;
  },
  get mode() {
    return mode;
  },
  get state() {
    return { ...registration };
  },
  get calls() {
    return { ...calls };
  },
  async hangup() {
    const call = current;
    if (!call) return;
    const ended = new Promise<void>((resolve) => {
      if (call.state === SessionState.Terminated) resolve();
      call.stateChange.addListener((state) => state === SessionState.Terminated && resolve());
    });
    calls.lastEnd = 'bye_local';
    if (call.state === SessionState.Established) await call.bye();
    else if (call.state === SessionState.Initial) await call.reject({ statusCode: 480 });
    await ended;
  },
  async vanish() {
    const pc = current ? peerConnection(current) : undefined;
    pc?.close();
  },
  media: () => meter.read(),
  async stop() {
    await shutdown(rig);
    rig = null;
    registration.registered = false;
  },
};

(globalThis as unknown as CustomerWindow).customer = customer;
document.title = 'customer phone ready';
