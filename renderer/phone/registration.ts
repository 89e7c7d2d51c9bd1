/**
 * The SIP line: one sip.js `UserAgent` over WebSocket and its `Registerer`, kept registered by us.
 *
 * sip.js 0.21 reconnects only with a fixed delay and a bounded number of attempts (`reconnectionAttempts`,
 * deprecated), and its `Registerer` does not notice a lost transport at all: it stays `Registered` until a
 * refresh fails minutes later. So this file owns the loop: transport lost → `connecting`, reconnect with capped
 * exponential backoff (0.5 s → 8 s, for ever), and REGISTER again on every (re)connect.
 */
import {
  Registerer,
  RegistererState,
  RequestPendingError,
  type SessionDescriptionHandlerFactory,
  UserAgent,
} from 'sip.js';
import type { PhoneConfig, Registration } from '../../shared/phone/service';
import { backoffMs, sleep } from './util';

const RECONNECT_BASE_MS = 500;
const RECONNECT_CAP_MS = 8000;
/** `UserAgent.stop()` unregisters gracefully and can wait 32 s for a dead registrar: never block on it longer. */
const STOP_WAIT_MS = 2000;
const AUTH_CODES: ReadonlySet<number> = new Set([401, 403, 407]);

/** Worth asking again later: the registrar timed out or is overloaded (a 4xx/6xx is a settings problem). */
const retryable = (code: number) => code === 408 || code === 480 || (code >= 500 && code < 600);

/**
 * What the status bar says of the line: the i18n key and its values. A refusal says its SIP code, and 401
 * (or a proxy's 407: the credentials were wrong) reads otherwise than 403 (the registrar will not have this
 * account, or a PBX that answers a wrong password so), since the one at the desk fixes them differently.
 */
export function registrationText(registration: Registration): { key: string; values: { code?: number } } {
  const { state, problem, sipCode } = registration;
  if (!problem) return { key: `call.registration.${state}`, values: {} };
  if (sipCode === undefined) return { key: `call.problem.${problem}`, values: {} };
  const values = { code: sipCode };
  if (sipCode === 403) return { key: 'call.problem.forbidden', values };
  if (problem === 'auth_failed') return { key: 'call.problem.auth_failed_code', values };
  if (problem === 'rejected') return { key: 'call.problem.rejected_code', values };
  return { key: `call.problem.${problem}`, values: {} };
}

export interface Line {
  readonly ua: UserAgent;
  stop(): Promise<void>;
}

/** The settings that need a new `UserAgent` when they change (the media ones apply per call). */
export function lineKey(config: PhoneConfig): string {
  const { wsUrl, uri, authUser, password, displayName, iceServers, iceGatheringTimeoutMs } = config;
  return JSON.stringify([wsUrl, uri, authUser, password, displayName, iceServers, iceGatheringTimeoutMs]);
}

/**
 * Opens the line and starts registering. Returns null (after reporting `not_configured` or `bad_settings`)
 * when the settings cannot make a line.
 */
export function openLine(
  config: PhoneConfig,
  sessionDescriptionHandlerFactory: SessionDescriptionHandlerFactory,
  report: (registration: Registration) => void,
): Line | null {
  if (config.wsUrl.trim() === '' || config.uri.trim() === '') {
    report({ state: 'not_configured' });
    return null;
  }
  const uri = UserAgent.makeURI(config.uri.trim());
  if (!uri || !isWebSocketUrl(config.wsUrl.trim())) {
    report({ state: 'failed', problem: 'bad_settings' });
    return null;
  }
  try {
    const line = new SipLine(report);
    line.open(
      new UserAgent({
        uri,
        transportOptions: { server: config.wsUrl.trim(), traceSip: false },
        authorizationUsername: config.authUser,
        authorizationPassword: config.password,
        displayName: config.displayName,
        sessionDescriptionHandlerFactory,
        sessionDescriptionHandlerFactoryOptions: {
          // Our own ICE servers only: sip.js would otherwise add a public STUN server and wait 5 s for it.
          peerConnectionConfiguration: {
            iceServers: config.iceServers,
            bundlePolicy: 'max-bundle',
            rtcpMuxPolicy: 'require',
          },
          iceGatheringTimeout: config.iceGatheringTimeoutMs,
        },
        logLevel: 'warn',
        // The configuration dump would include the password.
        logConfiguration: false,
        delegate: { onConnect: () => line.connected(), onDisconnect: (error) => line.disconnected(error) },
      }),
    );
    return line;
  } catch (error) {
    console.warn('SIP settings refused by sip.js', error);
    report({ state: 'failed', problem: 'bad_settings' });
    return null;
  }
}

function isWebSocketUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'ws:' || url.protocol === 'wss:';
  } catch {
    return false;
  }
}

class SipLine implements Line {
  private userAgent: UserAgent | null = null;
  private registerer: Registerer | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private everRegistered = false;
  /** Our own REGISTER awaits its final response (sip.js's timed refreshes do not set this). */
  private pending = false;
  private current: Registration | null = null;

  constructor(private readonly report: (registration: Registration) => void) {}

  get ua(): UserAgent {
    if (!this.userAgent) throw new Error('line not open');
    return this.userAgent;
  }

  open(ua: UserAgent): void {
    this.userAgent = ua;
    this.registerer = this.newRegisterer();
    this.set({ state: 'connecting' });
    ua.start().catch(() => this.connectFailed());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.race([this.ua.stop().catch(() => undefined), sleep(STOP_WAIT_MS)]);
  }

  /** Transport up (first start or a reconnect): register from a fresh task, not inside sip.js's transition. */
  connected(): void {
    if (this.stopped) return;
    setTimeout(() => this.register(), 0);
  }

  /** `error` is set when the server or network dropped us; a disconnect we asked for carries none. */
  disconnected(error?: Error): void {
    if (this.stopped || !error) return;
    this.set({ state: 'connecting' });
    this.attempt = 0;
    this.schedule(() => this.reconnect());
  }

  private connectFailed(): void {
    if (this.stopped) return;
    // Never reached the server since these settings were applied: tell the agent; retry anyway, since the PBX
    // may simply be starting later than the seat.
    if (!this.everRegistered) this.set({ state: 'failed', problem: 'server_unreachable' });
    this.schedule(() => this.reconnect());
  }

  private reconnect(): void {
    this.ua.reconnect().catch(() => this.connectFailed());
  }

  private schedule(action: () => void): void {
    clearTimeout(this.timer);
    const delay = backoffMs(this.attempt++, RECONNECT_BASE_MS, RECONNECT_CAP_MS);
    this.timer = setTimeout(() => {
      if (!this.stopped) action();
    }, delay);
  }

  private register(fresh = false): void {
    if (this.stopped || !this.ua.isConnected()) return;
    if (!this.registerer || fresh) this.registerer = this.newRegisterer();
    const registerer = this.registerer;
    this.pending = true;
    registerer
      .register({
        requestDelegate: {
          onAccept: () => {
            if (registerer !== this.registerer) return;
            this.pending = false;
            this.everRegistered = true;
            this.attempt = 0;
            this.set({ state: 'registered' });
          },
          onReject: (response) => {
            if (registerer !== this.registerer) return;
            this.pending = false;
            this.refused(response.message.statusCode ?? 0);
          },
        },
      })
      .catch((error: unknown) => {
        if (registerer !== this.registerer) return;
        this.pending = false;
        // A REGISTER sent just before the transport died keeps the Registerer busy until its 32 s timeout and
        // it refuses new requests meanwhile: start over with a fresh one (its late answer is ignored).
        if (error instanceof RequestPendingError && !fresh) return this.register(true);
        console.warn('REGISTER not sent', error);
        this.schedule(() => this.register());
      });
  }

  private refused(code: number): void {
    if (this.stopped) return;
    // sip.js turns a send on a dead transport into a local 503: the reconnect loop handles that case.
    if (!this.ua.isConnected()) return;
    if (AUTH_CODES.has(code)) {
      this.set({ state: 'failed', problem: 'auth_failed', sipCode: code });
      return;
    }
    this.set({ state: 'failed', problem: 'rejected', sipCode: code });
    if (retryable(code)) this.schedule(() => this.register());
  }

  private newRegisterer(): Registerer {
    const registerer = new Registerer(this.ua, { logConfiguration: false, refreshFrequency: 90 });
    registerer.stateChange.addListener((state) => {
      if (registerer !== this.registerer || this.stopped || state !== RegistererState.Unregistered) return;
      if (this.pending) {
        // A reject calls our onReject right after this; if none came, sip.js dropped a 2xx lacking our contact.
        setTimeout(() => {
          if (registerer !== this.registerer || !this.pending) return;
          this.pending = false;
          this.set({ state: 'failed', problem: 'rejected', sipCode: 200 });
        }, 0);
        return;
      }
      // A refresh failed or the binding expired while we believed we were registered (e.g. a half-open
      // connection): recycle the transport, whose reconnect registers again.
      if (this.current?.state === 'registered') {
        this.set({ state: 'connecting' });
        this.attempt = 0;
        this.ua.transport
          .disconnect()
          .catch(() => undefined)
          .finally(() => this.schedule(() => this.reconnect()));
      }
    });
    return registerer;
  }

  private set(registration: Registration): void {
    if (this.stopped) return;
    const before = this.current;
    this.current = registration;
    const same =
      before !== null &&
      registration.state === before.state &&
      registration.problem === before.problem &&
      registration.sipCode === before.sipCode;
    if (!same) this.report(registration);
  }
}
