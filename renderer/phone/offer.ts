/**
 * The INVITE's offer, prepared while the seat records the attempt.
 *
 * Most of a call's set-up before the INVITE can go out is local: the microphone, the SDP offer and ICE gathering
 * (up to `iceGatheringTimeoutMs`). None of it needs the target, which only the seat's `call.start` answer gives,
 * and none of it sends anything to the PBX. So a dial starts it at once, beside `call.start`, and hands the
 * prepared handler to the call's `Inviter` once the seat has answered: the INVITE still goes out only after the
 * attempt is recorded, but no longer waits for the round trip on top of the preparation.
 *
 * sip.js makes a session's description handler through the user agent's factory; `Offers.factory` is that
 * factory, handing out the prepared handler to the one `invite()` run inside `PreparedOffer.invite`.
 */
import {
  type BodyAndContentType,
  type SessionDescriptionHandlerFactory,
  type SessionDescriptionHandlerModifier,
  type UserAgent,
  Web,
} from 'sip.js';

/** sip.js's web handler whose first offer can be started before its session exists. */
class EarlyOfferHandler extends Web.SessionDescriptionHandler {
  private early: Promise<BodyAndContentType> | null = null;
  private onGathering: (() => void) | null = null;

  startOffer(
    options: Web.SessionDescriptionHandlerOptions,
    onGathering: () => void,
  ): Promise<BodyAndContentType> {
    this.onGathering = onGathering;
    const early = super.getDescription(options);
    this.early = early;
    return early;
  }

  /** The offer is made and set; from here on it only waits for ICE candidates (up to the gathering timeout). */
  protected override waitForIceGatheringComplete(restart?: boolean, timeout?: number): Promise<void> {
    const waiting = super.waitForIceGatheringComplete(restart, timeout);
    const notify = this.onGathering;
    this.onGathering = null;
    notify?.();
    return waiting;
  }

  override getDescription(
    options?: Web.SessionDescriptionHandlerOptions,
    modifiers?: SessionDescriptionHandlerModifier[],
  ): Promise<BodyAndContentType> {
    const early = this.early;
    this.early = null;
    return early ?? super.getDescription(options, modifiers);
  }
}

export interface PreparedOffer {
  /** Runs `invite` (which must call `inviter.invite()`) so that its session takes this prepared handler. */
  invite<T>(invite: () => T): T;
  /** Not used after all (the seat refused, or the agent hung up first): release the microphone once it is open. */
  discard(): void;
}

export class Offers {
  private handover: EarlyOfferHandler | null = null;

  constructor(private readonly mediaStreamFactory: Web.MediaStreamFactory) {}

  /** The user agent's `sessionDescriptionHandlerFactory`. */
  readonly factory: SessionDescriptionHandlerFactory = (session, options) => {
    const prepared = this.handover;
    this.handover = null;
    return prepared ?? this.create(session.userAgent, options);
  };

  /**
   * A description handler for `ua`'s next call, with its offer (microphone, SDP, ICE gathering) under way.
   * `onGathering` is called once the offer only waits for ICE candidates: the main thread is free from then on.
   */
  prepare(
    ua: UserAgent,
    options: Web.SessionDescriptionHandlerOptions,
    onGathering: () => void,
  ): PreparedOffer {
    const handler = this.create(ua, ua.configuration.sessionDescriptionHandlerFactoryOptions);
    // Settles once the microphone is open (or refused); a failure is reported by the INVITE that uses it.
    const settled = handler.startOffer(options, onGathering).then(
      () => undefined,
      () => undefined,
    );
    // Closing while getUserMedia is still under way would leave the microphone open: close after it.
    const release = () => void settled.then(() => handler.close());
    let used = false;
    return {
      invite: <T>(invite: () => T): T => {
        used = true;
        this.handover = handler;
        try {
          return invite();
        } finally {
          // Not taken by a session (sip.js made none): nobody else will close it.
          if (this.handover === handler) {
            this.handover = null;
            release();
          }
        }
      },
      discard: () => {
        if (used) return;
        used = true;
        release();
      },
    };
  }

  private create(ua: UserAgent, options: object | undefined): EarlyOfferHandler {
    const factoryOptions: Web.SessionDescriptionHandlerFactoryOptions = options ?? {};
    // As sip.js's default factory does: its defaults, overridden by the line's options.
    return new EarlyOfferHandler(ua.getLogger('sip.SessionDescriptionHandler'), this.mediaStreamFactory, {
      iceGatheringTimeout: factoryOptions.iceGatheringTimeout ?? 5000,
      peerConnectionConfiguration: {
        ...Web.defaultPeerConnectionConfiguration(),
        ...factoryOptions.peerConnectionConfiguration,
      },
    });
  }
}
