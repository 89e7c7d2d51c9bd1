/**
 * Browser-side helpers shared by the rig's two pages (customer phone, bare caller): a sip.js user agent set up
 * as TESTRIG.md found works on loopback, registration with its outcome, and media proof (getStats bytes, the
 * received audio's level through Web Audio). DOM code: type-checked by test/rig/tsconfig.json, bundled by
 * esbuild at test time (test/rig/pages.ts). `.mts` keeps it out of the Node-only test project.
 */
import {
  Registerer,
  RegistererState,
  type Session,
  type SessionDescriptionHandlerFactory,
  UserAgent,
  type UserAgentDelegate,
  Web,
} from 'sip.js';
import type { MediaProof, RegisterResult, RigAccount } from './page-api';

export const SIP_DOMAIN = '127.0.0.1';

export interface RigUserAgent {
  ua: UserAgent;
  registerer: Registerer;
  /** `performance.now()` of each INVITE request handed to the WebSocket (first line `INVITE …`). */
  invitesSent: number[];
}

export function createUserAgent(
  account: RigAccount,
  delegate: UserAgentDelegate,
  mediaStreamFactory?: Web.MediaStreamFactory,
): RigUserAgent {
  const uri = UserAgent.makeURI(`sip:${account.user}@${SIP_DOMAIN}`);
  if (!uri) throw new Error(`bad SIP user ${account.user}`);
  const sdhFactory: SessionDescriptionHandlerFactory =
    Web.defaultSessionDescriptionHandlerFactory(mediaStreamFactory);
  const ua = new UserAgent({
    uri,
    transportOptions: { server: account.wsUrl },
    ...(account.password === undefined
      ? {}
      : { authorizationUsername: account.user, authorizationPassword: account.password }),
    sessionDescriptionHandlerFactory: sdhFactory,
    sessionDescriptionHandlerFactoryOptions: {
      peerConnectionConfiguration: { iceServers: [], bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' },
      iceGatheringTimeout: account.iceGatheringTimeoutMs ?? 100,
    } satisfies Web.SessionDescriptionHandlerFactoryOptions,
    logLevel: 'warn',
    delegate,
  });
  const invitesSent: number[] = [];
  const transport = ua.transport;
  const send = transport.send.bind(transport);
  transport.send = (message: string) => {
    if (message.startsWith('INVITE ')) invitesSent.push(performance.now());
    return send(message);
  };
  return { ua, registerer: new Registerer(ua), invitesSent };
}

/** Connects and registers; resolves once registered or refused (with the refusing code). */
export async function register(rig: RigUserAgent): Promise<RegisterResult> {
  const t0 = performance.now();
  await rig.ua.start();
  return new Promise((resolve) => {
    let settled = false;
    const done = (registered: boolean, code: number | null) => {
      if (settled) return;
      settled = true;
      resolve({ registered, code, ms: performance.now() - t0 });
    };
    // The registerer turns Registered just before it hands the 200 to onAccept: settle there, with the code.
    rig.registerer
      .register({
        requestDelegate: {
          onAccept: (response) =>
            done(rig.registerer.state === RegistererState.Registered, response.message.statusCode ?? null),
          onReject: (response) => done(false, response.message.statusCode ?? null),
        },
      })
      .catch(() => done(false, null));
  });
}

export async function shutdown(rig: RigUserAgent | null): Promise<void> {
  if (!rig) return;
  if (rig.registerer.state === RegistererState.Registered) {
    // bounded: with the registrar gone the un-REGISTER would wait for its transaction timeout
    const unregistered = rig.registerer.unregister().catch(() => undefined);
    await Promise.race([unregistered, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  }
  await rig.ua.stop();
}

let audioContext: AudioContext | null = null;

/** One AudioContext per page (autoplay is allowed by the rig's Chromium flags). */
export function audio(): AudioContext {
  audioContext ??= new AudioContext({ sampleRate: 48_000 });
  if (audioContext.state === 'suspended') void audioContext.resume();
  return audioContext;
}

function peerConnection(session: Session | null): RTCPeerConnection | null {
  const sdh = session?.sessionDescriptionHandler;
  return sdh instanceof Web.SessionDescriptionHandler ? (sdh.peerConnection ?? null) : null;
}

/**
 * The received audio of a session: played by a (muted) <audio> element, without which Chromium gives Web Audio
 * silence for a remote WebRTC stream (TESTRIG.md), and measured by an AnalyserNode.
 */
export class RemoteAudio {
  private readonly element: HTMLAudioElement;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly analyser: AnalyserNode;

  constructor(readonly session: Session) {
    const sdh = session.sessionDescriptionHandler;
    if (!(sdh instanceof Web.SessionDescriptionHandler))
      throw new Error('no web session description handler');
    const stream = sdh.remoteMediaStream;
    this.element = document.createElement('audio');
    this.element.muted = true;
    this.element.srcObject = stream;
    document.body.append(this.element);
    void this.element.play().catch(() => undefined);
    const ctx = audio();
    this.source = ctx.createMediaStreamSource(stream);
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 4096;
    this.analyser.smoothingTimeConstant = 0;
    this.source.connect(this.analyser);
  }

  level(): { rms: number; peakHz: number } {
    const samples = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    const spectrum = new Float32Array(this.analyser.frequencyBinCount);
    this.analyser.getFloatFrequencyData(spectrum);
    let peak = 0;
    for (let i = 1; i < spectrum.length; i++) {
      if ((spectrum[i] ?? -Infinity) > (spectrum[peak] ?? -Infinity)) peak = i;
    }
    const binHz = this.analyser.context.sampleRate / this.analyser.fftSize;
    return { rms: Math.sqrt(sum / samples.length), peakHz: Math.round(peak * binHz) };
  }

  close(): void {
    this.source.disconnect();
    this.element.srcObject = null;
    this.element.remove();
  }
}

interface RtpCounts {
  bytesReceived: number;
  bytesSent: number;
  packetsReceived: number;
}

export async function rtpCounts(session: Session | null): Promise<RtpCounts> {
  const counts: RtpCounts = { bytesReceived: 0, bytesSent: 0, packetsReceived: 0 };
  const pc = peerConnection(session);
  if (!pc || pc.connectionState === 'closed') return counts;
  const report = await pc.getStats();
  report.forEach((stat: { type: string; kind?: string } & Partial<RtpCounts>) => {
    if (stat.kind !== 'audio') return;
    if (stat.type === 'inbound-rtp') {
      counts.bytesReceived += stat.bytesReceived ?? 0;
      counts.packetsReceived += stat.packetsReceived ?? 0;
    } else if (stat.type === 'outbound-rtp') {
      counts.bytesSent += stat.bytesSent ?? 0;
    }
  });
  return counts;
}

/** Media proof of the session; the last proof is kept once the call has ended (its stats are gone then). */
export class MediaMeter {
  private remote: RemoteAudio | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private last: MediaProof = { bytesReceived: 0, bytesSent: 0, packetsReceived: 0, rms: 0, peakHz: 0 };

  attach(session: Session): void {
    this.remote?.close();
    this.remote = new RemoteAudio(session);
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.read().catch(() => undefined), 250);
  }

  async read(): Promise<MediaProof> {
    const remote = this.remote;
    if (!remote) return this.last;
    const pc = peerConnection(remote.session);
    if (!pc || pc.connectionState === 'closed') return this.last;
    this.last = { ...(await rtpCounts(remote.session)), ...remote.level() };
    return this.last;
  }

  /** Keep the last reading and release the audio element. */
  async detach(): Promise<void> {
    clearInterval(this.timer);
    if (!this.remote) return;
    await this.read().catch(() => undefined);
    this.remote.close();
    this.remote = null;
  }
}

/** Polls getStats every 5 ms until the first RTP bytes arrive; ms since `since`, or null after 10 s. */
export async function firstRtp(session: Session, since: number): Promise<number | null> {
  while (performance.now() - since < 10_000) {
    if ((await rtpCounts(session)).bytesReceived > 0) return performance.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return null;
}
