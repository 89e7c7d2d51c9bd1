/**
 * The one Content-Security-Policy of the console, sent on every response of both hosts (Electron's app://
 * protocol and the web host). Scripts only from the app itself (no eval, no inline), so an injected string
 * can never run; media may be blob:/mediastream: for recording playback and the microphone. `connect-src
 * 'self'` matches ws:// on the same host and port in Chromium (CSP Level 3): the web host's Chromium test
 * proves it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');
