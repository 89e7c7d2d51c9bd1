import { createHash, X509Certificate } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { isIPv4 } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { Agent } from 'undici';

/**
 * How this seat reaches head office (issue 14, point 6): its address, the private CA it was told to trust at
 * enrolment (none: the system's CAs) and the pin recorded then — the SHA-256 of the public key (SPKI) of the
 * certificate head office presented, base64. Neither is secret; both are kept with the sync config.
 */
export interface HqTarget {
  hqUrl: string;
  caCertPem?: string | undefined;
  pin?: string | undefined;
}

/** The longest CA certificate (PEM) the seat accepts at enrolment: a chain of a few certificates fits. */
export const CA_PEM_MAX = 20_000;

export const INSECURE_URL_MESSAGE = '总部地址须使用 https://（仅本机地址可用 http://）';
export const PIN_MISMATCH_MESSAGE = '总部证书与登记时不一致，可能遭到冒充，已停止同步，请联系管理员';

/** 127.0.0.0/8, ::1 and localhost: plain HTTP there never leaves this computer. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/**
 * Why this seat must not send anything to `url`, or null: plain HTTP carries the seat's token, the passwords
 * typed at its logins and personal data in clear, so only to this computer itself. Checked at enrolment and
 * at every use of a stored address (one stored by an older build may be plain HTTP to the branch network).
 */
export function urlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '总部地址无法识别';
  }
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:' && isLoopback(parsed.hostname)) return null;
  return INSECURE_URL_MESSAGE;
}

/** Why a CA certificate given at enrolment cannot be used, or null. */
export function caProblem(pem: string): string | null {
  if (pem.length > CA_PEM_MAX) return `总部 CA 证书过长（最多 ${CA_PEM_MAX} 个字符）`;
  try {
    new X509Certificate(pem);
    return null;
  } catch {
    return '总部 CA 证书无法识别：请粘贴 PEM 格式的证书（以 -----BEGIN CERTIFICATE----- 开头）';
  }
}

/**
 * What the seat pins: SHA-256 of the certificate's SubjectPublicKeyInfo (DER), base64, as HPKP did — what
 * `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`
 * prints. From the certificate's DER, not `cert.pubkey`: for an EC key that is the bare point, not the SPKI.
 */
export function spkiPin(cert: Pick<PeerCertificate, 'raw'>): string | null {
  if (!cert.raw) return null;
  const spki = new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** The certificate head office presented is not the one pinned at enrolment (see HqUntrusted). */
export class PinMismatch extends Error {
  override readonly name = 'PinMismatch';
  constructor(readonly presented: string) {
    super(PIN_MISMATCH_MESSAGE);
  }
}

/**
 * The one place that turns a target into connections: an undici dispatcher for fetch and the request options
 * for node:https (tus-js-client's NodeHttpStack), both verifying head office's certificate against the CA
 * given (or the system's), its name, then the pin. `onPeer` hears each verified key's pin (enrolment records
 * the first: trust on first use, over a verified connection). Each has its own connection pools, so a TLS
 * session is never resumed from another target's (a resumed session skips checkServerIdentity).
 */
export class HqTransport {
  readonly dispatcher: Agent;
  readonly #https: HttpsAgent;
  readonly #identity: (host: string, cert: PeerCertificate) => Error | undefined;

  constructor(
    readonly target: HqTarget,
    onPeer?: (pin: string) => void,
  ) {
    const { caCertPem, pin } = target;
    this.#identity = (host, cert) => {
      const wrong = checkServerIdentity(host, cert);
      if (wrong) return wrong;
      const presented = spkiPin(cert);
      if (presented === null) return new Error('head office presented a certificate without a public key');
      if (pin && presented !== pin) return new PinMismatch(presented);
      onPeer?.(presented);
      return undefined;
    };
    const tls = { ...(caCertPem ? { ca: caCertPem } : {}), checkServerIdentity: this.#identity };
    this.dispatcher = new Agent({ connect: tls });
    this.#https = new HttpsAgent({ keepAlive: true, ...tls });
  }

  /** For node:https.request (tus uploads); nothing for plain HTTP to loopback. */
  requestOptions(url: string): Record<string, unknown> {
    if (new URL(url).protocol !== 'https:') return {};
    return {
      agent: this.#https,
      ...(this.target.caCertPem ? { ca: this.target.caCertPem } : {}),
      checkServerIdentity: this.#identity,
    };
  }

  async close(): Promise<void> {
    this.#https.destroy();
    await this.dispatcher.close();
  }
}

/** Transports by CA and pin: the seat has one config at a time, a changed one (re-enrolment) a new pool. */
const transports = new Map<string, HqTransport>();

export function transportFor(target: HqTarget): HqTransport {
  const key = JSON.stringify([target.caCertPem ?? '', target.pin ?? '']);
  let transport = transports.get(key);
  if (!transport) {
    // Old ones are left to close their idle connections (keep-alive) on their own; one may be in use still.
    if (transports.size >= 4) transports.delete(transports.keys().next().value as string);
    transport = new HqTransport(target);
    transports.set(key, transport);
  }
  return transport;
}

/** The pin mismatch or certificate error somewhere in a failed request's causes, if that is why it failed. */
export function tlsFailure(error: unknown): Error | null {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof PinMismatch) return e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (CERT_CODES.has(code) || code.startsWith('ERR_TLS_CERT')) return e;
  }
  return null;
}

const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** A Chinese sentence for a TLS failure tlsFailure found. */
export function tlsFailureMessage(failure: Error): string {
  if (failure instanceof PinMismatch) return PIN_MISMATCH_MESSAGE;
  const code = (failure as NodeJS.ErrnoException).code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `总部证书与总部地址不符（${failure.message}）`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return `总部证书不在有效期内（${code}），请联系管理员`;
  return `总部证书无法验证（${code}）：总部使用内部 CA 签发的证书时，请在登记时填写该 CA 证书`;
}
