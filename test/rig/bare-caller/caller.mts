/**
 * A bare sip.js caller (no console): registers as `sip:<user>@127.0.0.1` and dials through the rig's Kamailio,
 * timing each step. Its microphone is Chromium's fake device playing the rig's 440 Hz WAV, with echo
 * cancellation, noise suppression and auto gain off (they cut a steady tone by ~19 dB). The console's
 * call-setup benchmark compares itself against this page on the same rig.
 */
import { Inviter, RegistererState, SessionState, UserAgent } from 'sip.js';
import type { CallerApi, CallerCall, CallerWindow, DialOptions, DialResult, RigAccount } from '../page-api';
import {
  createUserAgent,
  firstRtp,
  MediaMeter,
  type RigUserAgent,
  register,
  SIP_DOMAIN,
  shutdown,
} from '../page-common.mts';

let rig: RigUserAgent | null = null;
let session: Inviter | null = null;
const registration: { registered: boolean; code: number | null } = { registered: false, code: null };
let call: CallerCall = {
  state: 'none',
  code: null,
  provisional: [],
  establishedToFirstRtpMs: null,
  endedByRemote: false,
};
const meter = new MediaMeter();

const MICROPHONE: MediaStreamConstraints = {
  audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  video: false,
};

function dial(target: string, options: DialOptions = {}): Promise<DialResult> {
  const ua = rig?.ua;
  const sent = rig?.invitesSent;
  if (!ua || !sent) return Promise.reject(new Error('caller not started'));
  if (session && session.state !== SessionState.Terminated)
    return Promise.reject(new Error('already in a call'));
  const uri = UserAgent.makeURI(target.startsWith('sip:') ? target : `sip:${target}@${SIP_DOMAIN}`);
  if (!uri) return Promise.reject(new Error(`bad target ${target}`));
  const inviter = new Inviter(ua, uri, { sessionDescriptionHandlerOptions: { constraints: MICROPHONE } });
  session = inviter;
  const thisCall: CallerCall = {
    state: 'dialing',
    code: null,
    provisional: [],
    establishedToFirstRtpMs: null,
    endedByRemote: false,
  };
  call = thisCall;
  let cancelled = false;
  let cancelTimer: ReturnType<typeof setTimeout> | undefined;
  const sentBefore = sent.length;

  return new Promise((resolve) => {
    let t0 = 0;
    let settled = false;
    const finish = (outcome: DialResult['outcome'], error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(cancelTimer);
      const wireAt = sent[sentBefore];
      const establishedAt = outcome === 'established' ? performance.now() : null;
      resolve({
        outcome,
        code: thisCall.code,
        provisional: [...thisCall.provisional],
        cancelled,
        inviteToWireMs: wireAt === undefined ? null : wireAt - t0,
        inviteToEstablishedMs: establishedAt === null ? null : establishedAt - t0,
        wireToEstablishedMs: establishedAt === null || wireAt === undefined ? null : establishedAt - wireAt,
        ...(error === undefined ? {} : { error }),
      });
    };
    inviter.delegate = {
      onBye: () => {
        thisCall.endedByRemote = true;
      },
    };
    inviter.stateChange.addListener((state) => {
      if (state === SessionState.Established) {
        thisCall.state = 'established';
        thisCall.code = 200;
        finish('established');
        const at = performance.now();
        meter.attach(inviter);
        void firstRtp(inviter, at).then((ms) => {
          thisCall.establishedToFirstRtpMs = ms;
        });
      } else if (state === SessionState.Terminated) {
        thisCall.state = 'terminated';
        void meter.detach();
        // sip.js turns Terminated before it hands the final response to onReject: settle after that.
        queueMicrotask(() => finish(thisCall.code === null ? 'failed' : 'rejected'));
      }
    });
    t0 = performance.now();
    inviter
      .invite({
        requestDelegate: {
          onProgress: (response) => {
            const code = response.message.statusCode ?? 0;
            thisCall.provisional.push(code);
            if (code === 180) thisCall.state = 'ringing';
            const after = options.cancelAfterRingingMs;
            if (code === 180 && after !== undefined && cancelTimer === undefined) {
              cancelTimer = setTimeout(() => {
                cancelled = true;
                void inviter.cancel();
              }, after);
            }
          },
          onReject: (response) => {
            thisCall.code = response.message.statusCode ?? null;
            finish('rejected');
          },
        },
      })
      .catch((error: unknown) => finish('failed', String(error)));
  });
}

const caller: CallerApi = {
  async start(account: RigAccount) {
    await shutdown(rig);
    registration.registered = false;
    registration.code = null;
    rig = createUserAgent(account, {});
    rig.registerer.stateChange.addListener((state) => {
      registration.registered = state === RegistererState.Registered;
    });
    const result = await register(rig);
    registration.code = result.code;
    return result;
  },
  get state() {
    return { ...registration };
  },
  dial,
  get call() {
    return { ...call, provisional: [...call.provisional] };
  },
  async hangup() {
    const current = session;
    if (!current || current.state === SessionState.Terminated) return;
    const ended = new Promise<void>((resolve) => {
      current.stateChange.addListener((state) => state === SessionState.Terminated && resolve());
    });
    if (current.state === SessionState.Established) await current.bye();
    else await current.cancel();
    await ended;
  },
  media: () => meter.read(),
  async stop() {
    await shutdown(rig);
    rig = null;
    registration.registered = false;
  },
};

(globalThis as unknown as CallerWindow).caller = caller;
document.title = 'bare caller ready';
