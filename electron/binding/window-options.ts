import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The seat window's security policy as pure values and predicates. Nothing here touches Electron at run
 * time (only its types), so every rule is unit-tested without a binary; main.ts merely wires them in.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'seat';
/** The renderer's only origin. A privileged standard scheme, not file://, so the origin is a real one. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    title: '回访坐席台',
    width: 1440,
    height: 900,
    minWidth: 1100,
    minHeight: 700,
    // Shown on 'ready-to-show', so the agent never sees a blank white frame.
    show: false,
    backgroundColor: '#f4f6f9',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      // The spellchecker would fetch dictionaries from Google; a seat may have no internet and needs none.
      spellcheck: false,
    },
  };
}

/**
 * Exactly app://seat. Parsed, never prefix-matched: `app://seat.evil`, `app://seat@evil` and
 * `app://seat:1` are other origins. (Node's URL gives non-special schemes the origin "null", so the
 * parts are compared instead of `url.origin`.)
 */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/** VS Code's `validateEvent`: only the app's own top-level document may talk to the seat. */
export function isTrustedSender(frameUrl: string, isMainFrame: boolean): boolean {
  return isMainFrame && isAppUrl(frameUrl);
}

/** What both Electron permission handlers pass; a structural subset of their detail types. */
export interface PermissionDetails {
  readonly isMainFrame?: boolean;
  /** Request handler: what the page asks for. */
  readonly mediaTypes?: readonly ('video' | 'audio')[];
  /** Check handler: what is being checked; 'unknown' is refused. */
  readonly mediaType?: 'video' | 'audio' | 'unknown';
  readonly securityOrigin?: string;
}

/**
 * The seat needs the microphone and nothing else: 'media' with audio only, from the app's own main frame.
 * Camera, screen, geolocation, notifications, clipboard, openExternal, HID… are all refused, as is any
 * request where the media type is missing or unknown (deny what cannot be shown to be audio).
 */
export function permissionAllowed(
  permission: string,
  requestingOrigin: string,
  details: PermissionDetails,
): boolean {
  if (permission !== 'media' || !isAppUrl(requestingOrigin)) return false;
  if (details.isMainFrame === false) return false;
  if (details.securityOrigin !== undefined && !isAppUrl(details.securityOrigin)) return false;
  if (details.mediaTypes !== undefined) {
    return details.mediaTypes.length > 0 && details.mediaTypes.every((t) => t === 'audio');
  }
  return details.mediaType === 'audio';
}

/**
 * The file under `root` an app:// request names, or null (foreign origin, escape from `root`, bad
 * encoding). Decoding first and comparing resolved paths catches `%2e%2e/`, `..%2f` and drive letters;
 * backslashes are refused outright because on Windows they are separators the URL parser left alone.
 */
export function appFilePath(root: string, requestUrl: string): string | null {
  if (!isAppUrl(requestUrl)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const wanted = pathname.replace(/^\/+/, '') || 'index.html';
  const base = resolve(root);
  const file = resolve(base, wanted);
  const inside = relative(base, file);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return null;
  return file;
}
