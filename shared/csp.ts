/**
 * The Content-Security-Policy of the console, sent on every response of both hosts (Electron's app://
 * protocol and the web host). Scripts only from the app itself (no eval, no inline), so an injected string
 * can never run; media may be blob:/mediastream: for recording playback and the microphone. `connect-src
 * 'self'` matches ws:// on the same host and port in Chromium (CSP Level 3): the web host's Chromium test
 * proves it. The one other place a page may connect to is the seat's configured PBX (its SIP WebSocket):
 * `contentSecurityPolicy([sipConnectSource(wsUrl)])`, computed for each page load from the settings.
 */
export function contentSecurityPolicy(connectSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob: mediastream:",
    ["connect-src 'self'", ...connectSources].join(' '),
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** The source a SIP WebSocket URL needs in connect-src (`wss://pbx.example:7443`), or null for no valid URL. */
export function sipConnectSource(wsUrl: string): string | null {
  const m = /^(wss?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(\/|$)/.exec(wsUrl);
  return m ? `${m[1]}://${m[2]}${m[3] ?? ''}` : null;
}

/** The CSP for a seat whose PBX is at `wsUrl` ('' when not configured). */
export const seatContentSecurityPolicy = (wsUrl: string): string => {
  const source = sipConnectSource(wsUrl);
  return contentSecurityPolicy(source ? [source] : []);
};
